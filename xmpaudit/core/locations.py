"""Where xmpaudit keeps its own files: one data folder per user, shared by every surface (CLI, notebooks, panel, app).

``XMPAUDIT_HOME`` overrides the folder; ``XMPAUDIT_JOURNAL`` overrides the journal file alone. Nothing here depends
on the working directory, so the CLI run from the project root, a notebook run from ``notebooks/`` and the app's
kernel all read and write the same journal, snapshots and history.
"""

from __future__ import annotations

import os
import re
from hashlib import sha256
from pathlib import Path
from urllib.parse import urlsplit

HOME_VARIABLE = "XMPAUDIT_HOME"
JOURNAL_VARIABLE = "XMPAUDIT_JOURNAL"
JOURNAL_FILE = "journal.jsonl"
SNAPSHOTS_FOLDER = "snapshots"
HISTORY_FILE = "history.jsonl"


def data_home() -> Path:
    """The per-user data folder: ``$XMPAUDIT_HOME``, else ``$XDG_DATA_HOME/xmpaudit``, else
    ``~/.local/share/xmpaudit``."""
    given = os.environ.get(HOME_VARIABLE, "").strip()
    if given:
        return Path(given).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME", "").strip()
    base = Path(xdg).expanduser() if xdg else Path("~/.local/share").expanduser()
    return base / "xmpaudit"


def default_journal_path() -> Path:
    """The journal every surface writes and reads unless told otherwise: ``$XMPAUDIT_JOURNAL``, else
    ``<data home>/journal.jsonl``."""
    given = os.environ.get(JOURNAL_VARIABLE, "").strip()
    return Path(given).expanduser() if given else data_home() / JOURNAL_FILE


def snapshots_home() -> Path:
    """The folder holding the snapshot store (one subfolder per AEM and DAM folder)."""
    return data_home() / SNAPSHOTS_FOLDER


def history_path() -> Path:
    """The coverage history: one JSON line per audit, of every AEM and folder."""
    return data_home() / HISTORY_FILE


def store_key(source: str, root: str) -> str:
    """A folder name for one AEM and DAM folder: readable (host, port, last path parts) and unique (a hash)."""
    parts = urlsplit(source)
    host = f"{parts.hostname or 'aem'}-{parts.port}" if parts.port else (parts.hostname or "aem")
    tail = "-".join(p for p in root.strip("/").split("/")[-2:] if p)
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{host}_{tail}")[:80]
    digest = sha256(f"{source.rstrip('/')}\n{root.rstrip('/')}".encode()).hexdigest()[:12]
    return f"{readable}_{digest}"
