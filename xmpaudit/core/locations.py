"""Where xmpaudit keeps its own files: one data folder per user, shared by every surface (CLI, notebooks, panel, app).

``XMPAUDIT_HOME`` overrides the folder; ``XMPAUDIT_JOURNAL`` overrides the journal file alone. Nothing here depends
on the working directory, so the CLI run from the project root, a notebook run from ``notebooks/`` and the app's
kernel all read and write the same journal, snapshots and history. The folder is the platform's (``platformdirs``):
``~/.local/share/xmpaudit`` on Linux, ``~/Library/Application Support/xmpaudit`` on macOS, ``%LOCALAPPDATA%\\xmpaudit``
on Windows — unless a Linux-style ``~/.local/share/xmpaudit`` is already in use there.
"""

from __future__ import annotations

import os
import re
import sys
from hashlib import sha256
from pathlib import Path
from urllib.parse import urlsplit

HOME_VARIABLE = "XMPAUDIT_HOME"
JOURNAL_VARIABLE = "XMPAUDIT_JOURNAL"
JOURNAL_FILE = "journal.jsonl"
SNAPSHOTS_FOLDER = "snapshots"
HISTORY_FILE = "history.jsonl"
DEMO_FOLDER = "demo"
APP_NAME = "xmpaudit"


def _platform_folder() -> Path:
    """The platform's per-user data folder for the kit, chosen by ``sys.platform`` when called."""
    if sys.platform == "win32":
        from platformdirs.windows import Windows as Dirs
    elif sys.platform == "darwin":
        from platformdirs.macos import MacOS as Dirs
    else:
        from platformdirs.unix import Unix as Dirs
    return Path(Dirs(APP_NAME, appauthor=False).user_data_dir)


def data_home() -> Path:
    """The per-user data folder: ``$XMPAUDIT_HOME``, else the platform's folder (on Linux ``$XDG_DATA_HOME/xmpaudit``
    or ``~/.local/share/xmpaudit``); on macOS and Windows an existing ``~/.local/share/xmpaudit`` is kept while the
    platform's folder does not exist yet."""
    given = os.environ.get(HOME_VARIABLE, "").strip()
    if given:
        return Path(given).expanduser()
    folder = _platform_folder()
    legacy = Path("~/.local/share").expanduser() / APP_NAME
    if sys.platform in ("win32", "darwin") and legacy.is_dir() and not folder.exists():
        return legacy
    return folder


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


def demo_home(home: Path | None = None) -> Path:
    """The folder of the per-user demo DAM's record, lock and log (under ``home``, else the data folder)."""
    return (data_home() if home is None else Path(home)) / DEMO_FOLDER


def store_key(source: str, root: str) -> str:
    """A folder name for one AEM and DAM folder: readable (host, port, last path parts) and unique (a hash)."""
    parts = urlsplit(source)
    host = f"{parts.hostname or 'aem'}-{parts.port}" if parts.port else (parts.hostname or "aem")
    tail = "-".join(p for p in root.strip("/").split("/")[-2:] if p)
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{host}_{tail}")[:80]
    digest = sha256(f"{source.rstrip('/')}\n{root.rstrip('/')}".encode()).hexdigest()[:12]
    return f"{readable}_{digest}"
