"""App mode: the one-minute answer served without code (Voilà) on a loopback port — the headline and worst folders
as notebook 02 and ``xmpaudit audit`` word them, the top of the fix list, the fix panel, and below them the what-if
for ``minimumConfidence`` and the coverage over time."""

from __future__ import annotations

import base64
import html
import io
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from xmpaudit.aem.workflows import WRITEBACK_MODEL
from xmpaudit.audit.fixlist import FixListTable, fix_list
from xmpaudit.audit.headline import WORST_FOLDERS, Headline
from xmpaudit.audit.result import AuditResult
from xmpaudit.core.errors import ConfigError, XmpAuditError
from xmpaudit.core.returned_memory import kernel_environment
from xmpaudit.ui.newer_notice import NewerNotice
from xmpaudit.ui.panel import AuditPanel, one_line
from xmpaudit.ui.whatif_view import close_view, what_if_view
from xmpaudit.workspace.history import read_history
from xmpaudit.workspace.history_plot import coverage_over_time
from xmpaudit.workspace.session import NotebookSession, open_session

ENV = "XMPAUDIT_APP_"
DASHBOARD_NAME = "xmpaudit-dashboard.ipynb"
FIX_LIST_ROWS = 10
NEWER_INTERVAL = 10.0  # seconds between looks for newer numbers of another surface


@dataclass(frozen=True)
class AppSettings:
    """What the dashboard audits; passed to its kernel as ``XMPAUDIT_APP_*`` variables. Blank text means "not
    given": the process arguments are then read from AEM, the snapshot store and journal are the per-user ones
    and the maximum snapshot age is ``$XMPAUDIT_MAX_SNAPSHOT_AGE`` or the default."""

    root: str
    process_args: str = ""
    snapshot_dir: str = ""
    journal: str = ""
    writeback_model: str = WRITEBACK_MODEL
    page_size: int = 20
    max_age: str = ""
    refresh: bool = False

    def to_env(self) -> dict[str, str]:
        return {ENV + "ROOT": self.root, ENV + "PROCESS_ARGS": self.process_args,
                ENV + "SNAPSHOT_DIR": self.snapshot_dir, ENV + "JOURNAL": self.journal,
                ENV + "WRITEBACK_MODEL": self.writeback_model, ENV + "PAGE_SIZE": str(self.page_size),
                ENV + "MAX_AGE": self.max_age, ENV + "REFRESH": "1" if self.refresh else ""}

    @classmethod
    def from_env(cls) -> AppSettings:
        env = os.environ
        return cls(root=env.get(ENV + "ROOT", "/content/dam"), process_args=env.get(ENV + "PROCESS_ARGS", ""),
                   snapshot_dir=env.get(ENV + "SNAPSHOT_DIR", ""), journal=env.get(ENV + "JOURNAL", ""),
                   writeback_model=env.get(ENV + "WRITEBACK_MODEL", WRITEBACK_MODEL),
                   page_size=int(env.get(ENV + "PAGE_SIZE", "20")), max_age=env.get(ENV + "MAX_AGE", ""),
                   refresh=bool(env.get(ENV + "REFRESH")))

    def open_session(self) -> NotebookSession:
        """The session every surface opens, with these settings."""
        return open_session(None, self.root, self.process_args or None, self.snapshot_dir or None,
                            refresh=self.refresh, journal=self.journal or None, max_age=self.max_age or None,
                            show_progress=False, surface="app")


def headline_html(head: Headline, folders: int = WORST_FOLDERS) -> str:
    """The headline in the words of notebook 02 and ``xmpaudit audit`` (``Headline.to_markdown``), as HTML."""
    import mistune

    return str(mistune.html(head.to_markdown(folders)))


def fix_list_html(session: NotebookSession, result: AuditResult, rows: int = FIX_LIST_ROWS) -> str:
    """The top of the fix list (what to fix first), as notebook 02 shows it."""
    fixes = fix_list(result, session.snapshot.smart_tags, session.client.base_url)
    if fixes.empty:
        return "<h3>What to fix first</h3><p>Nothing to fix.</p>"
    return f"<h3>What to fix first</h3>{FixListTable(fixes, limit=rows).to_html()}"


class Dashboard:
    """The app's page: the headline, the "newer numbers" notice, the session's banner, the top of the fix list and
    the panel; audited again (by the session's freshness rules) after every Sync, Undo, Writeback and Refresh the
    panel finishes. The panel's Refresh reads everything again; the notice's reads what changed."""

    def __init__(self, session: NotebookSession, settings: AppSettings,
                 newer_interval: float = NEWER_INTERVAL) -> None:
        import ipywidgets as w

        self.session = session
        result = session.audit()
        self.banner, self.summary, self.fixes = w.HTML(), w.HTML(), w.HTML()
        self.more = w.Accordion(children=[w.VBox(), w.HTML()], selected_index=None)
        self.more.set_title(0, "What if minimumConfidence were different? (from the snapshot; nothing is written)")
        self.more.set_title(1, "Coverage over time")
        self.summary.add_class("xmpaudit-app-headline")
        self._session_lock = threading.Lock()  # the panel's Refresh and the page's audits share the session
        self.panel = AuditPanel.from_session(session, result, lock=self._session_lock, page_size=settings.page_size,
                                             notice=False, writeback_model=settings.writeback_model)
        self.audits = 0
        # the notice's Refresh reads what changed, the panel's button every asset: both through the session
        self.notice = NewerNotice(session, lambda: self.panel.refresh(full=False), newer_interval)
        self._show(result)
        # audits run one at a time on their own thread, so the panel stays usable while the page is audited again
        self._audits = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xmpaudit-app-audit")
        self._pending: Future[None] | None = None
        self.panel.on_change.append(self._audit_after)
        self.widget = w.VBox([self.summary, self.notice.widget, self.banner, self.fixes, self.panel.widget, self.more])

    def _show(self, result: AuditResult) -> None:
        self.audits += 1
        self.notice.check()
        self.banner.value = self.session._repr_html_()
        self.summary.value = headline_html(self.session.headline(result))
        self.fixes.value = fix_list_html(self.session, result)
        self._show_more(result)

    def _show_more(self, result: AuditResult) -> None:
        """The what-if of this snapshot and the coverage history of this AEM and folder (after every audit)."""
        import matplotlib.pyplot as plt

        replaced = self.more.children[0].children
        self.more.children[0].children = [what_if_view(result, self.session.snapshot.smart_tags)]
        for view in replaced:
            close_view(view)  # else it keeps its model of the old snapshot for the kernel's life
        ax = coverage_over_time(read_history(self.session.client.base_url, self.session.root))
        png = io.BytesIO()
        ax.figure.savefig(png, format="png", dpi=90)
        plt.close(ax.figure)
        self.more.children[1].value = (f"<img alt='coverage over time' style='max-width:100%' "
                                       f"src='data:image/png;base64,{base64.b64encode(png.getvalue()).decode()}'>")

    def _audit_after(self, action: str, outcome: object) -> None:
        """After a Sync, Undo or Writeback of the panel: audit the page again, in the background; after its
        Refresh (which read and audited through the session) show that audit, without reading again."""
        self.banner.value = f"<p><i>Auditing again after the {html.escape(action)}…</i></p>"
        if action == "refresh" and isinstance(outcome, AuditResult):
            self._pending = self._audits.submit(self._show_safely, lambda: outcome)
        else:
            self._pending = self._audits.submit(self.reaudit, after=action)

    def wait(self, timeout: float | None = 600.0) -> None:
        """Block until the page's pending audit is done (for scripts and tests)."""
        if self._pending is not None:
            self._pending.result(timeout)

    def reaudit(self, *, full: bool = False, after: str = "") -> None:
        """Bring the snapshot up to date (a full inventory when ``full``) and show the new numbers."""
        self.banner.value = f"<p><i>Auditing again{' after the ' + html.escape(after) if after else ''}…</i></p>"

        def fresh_audit() -> AuditResult:
            with self._session_lock:
                self.session.refresh(full=full)
                return self.session.audit()

        self._show_safely(fresh_audit)

    def _show_safely(self, result_of: Callable[[], AuditResult]) -> None:
        """Show the audit ``result_of()`` gives; a failure is the banner's one line."""
        try:
            self._show(result_of())
        except Exception as exc:
            self.banner.value = f"<p style='color:#D55E00'><b>✖ {html.escape(one_line(exc))}</b></p>"


def dashboard() -> Any:
    """Connect, audit and display the app's page (the dashboard notebook's only cell); returns the Dashboard.
    A failure the user can fix is shown as one line."""
    import ipywidgets as w
    from IPython.display import display

    try:
        page = Dashboard(AppSettings.from_env().open_session(), AppSettings.from_env())
    except XmpAuditError as exc:
        display(w.HTML(f"<p style='color:#D55E00'><b>✖ {html.escape(one_line(exc))}</b></p>"))
        return None
    display(page.widget)
    return page


def dashboard_notebook() -> nbformat.NotebookNode:
    """The notebook Voilà serves: a title and one call (its source is not shown in app mode)."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# xmpaudit · smart tags → XMP"),
                      nbformat.v4.new_code_cell("from xmpaudit import dashboard\n\npage = dashboard()")]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def free_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_app(folder: Path, settings: AppSettings, env: dict[str, str], port: int = 0,
              log_path: Path | None = None) -> tuple[subprocess.Popen, str]:
    """Write the dashboard notebook into ``folder`` and start Voilà on it at 127.0.0.1; returns the process and
    the URL (with its access token) once the server accepts connections."""
    folder.mkdir(parents=True, exist_ok=True)
    notebook = folder / DASHBOARD_NAME
    nbformat.write(dashboard_notebook(), notebook)
    port = port or free_loopback_port()
    token = secrets.token_urlsafe(16)
    command = [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}",
               "--Voila.ip=127.0.0.1", f"--Voila.token={token}", "--Voila.port_retries=0",
               "--VoilaConfiguration.http_keep_alive_timeout=30"]
    output = open(log_path, "w") if log_path else subprocess.DEVNULL  # noqa: SIM115 - lives with the server
    process = subprocess.Popen(command, env=kernel_environment({**env, **settings.to_env()}), cwd=folder, stdout=output,
                               stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ConfigError(f"Voilà exited with code {process.returncode}" +
                               (f"; see {log_path}" if log_path else ""))
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return process, f"http://127.0.0.1:{port}/?token=" + token
        time.sleep(0.3)
    process.kill()
    raise ConfigError("Voilà did not start within 60 s")
