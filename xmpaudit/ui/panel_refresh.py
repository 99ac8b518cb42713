"""The panel's Refresh: every asset read again and audited, through the session when the panel has one (saved in
the store, recorded in the history, with the process arguments the session resolves then)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import nullcontext
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from xmpaudit.aem.client import AemClient
from xmpaudit.audit.compare import audit
from xmpaudit.core.dates import moment_words
from xmpaudit.core.number_words import counted
from xmpaudit.core.progress import ProgressCallback
from xmpaudit.core.returned_memory import give_back_freed_memory
from xmpaudit.read.inventory import take_inventory
from xmpaudit.ui.panel_data import Fresh, PanelData
from xmpaudit.ui.panel_parts import PanelParts
from xmpaudit.ui.panel_rows import reread

if TYPE_CHECKING:
    from xmpaudit.workspace.session import NotebookSession

ReadAll = Callable[[ProgressCallback], Fresh]


def session_reader(session: NotebookSession, lock: threading.Lock | None = None, *, full: bool = True) -> ReadAll:
    """Refresh through the session (saved, recorded in the history), audited with the arguments the session holds
    after it: a full read, or with ``full=False`` what the freshness rules say changed; ``lock`` when the page
    audits the same session on another thread."""
    def read_all(progress: ProgressCallback) -> Fresh:
        with lock or nullcontext():
            return session.refresh_and_audit(progress, full=full)
    return read_all


def own_reader(client: AemClient, data: PanelData, root: str | None) -> ReadAll:
    """Refresh without a session: a new inventory of ``root`` (else the audited assets), with the arguments of
    the audit shown."""
    def read_all(progress: ProgressCallback) -> Fresh:
        if root is not None:
            snapshot = take_inventory(client, root, data.args, show_progress=False, on_progress=progress)
            return audit(snapshot, data.args), snapshot.smart_tags
        return reread(client, data.table.index.tolist(), data.args, progress)
    return read_all


class RefreshAction:
    """Read every asset again (as ``read_all`` does), or only what changed (``read_changes``, where the panel has
    a session), and show the new audit in place of the old one."""

    def __init__(self, parts: PanelParts, read_all: ReadAll, read_changes: ReadAll | None = None) -> None:
        self.parts = parts
        self.read_all = read_all
        self.read_changes = read_changes or read_all

    def refresh(self, full: bool = True) -> None:
        self.parts.worker.run("Refresh", self.read_all if full else self.read_changes, self._done)

    def _done(self, fresh: Fresh) -> None:
        parts = self.parts
        changed = parts.data.load(*fresh)
        parts.rows_changed()
        parts.view.say("ok", f"Refreshed {moment_words(datetime.now(timezone.utc))}; {counted(changed, 'row')} "
                             f"changed: {counted(len(parts.data.table), 'asset')} read again from "
                             f"{parts.client.base_url}.")
        parts.changed("refresh", fresh[0])
        give_back_freed_memory()  # the snapshot and table it replaced
