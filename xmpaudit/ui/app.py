"""App mode: the headline and the fix panel served as a dashboard without code (Voilà) on a loopback port."""

from __future__ import annotations

import html
import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from xmpaudit.audit.result import AuditResult
from xmpaudit.core.errors import XmpAuditError
from xmpaudit.core.statuses import NODE_IN_SYNC, coverage_of
from xmpaudit.ui.grid import status_badge
from xmpaudit.ui.panel import AuditPanel, one_line
from xmpaudit.workspace.session import open_session
from xmpaudit.write.journal import Journal

ENV = "XMPAUDIT_APP_"
DASHBOARD_NAME = "xmpaudit-dashboard.ipynb"


@dataclass(frozen=True)
class AppSettings:
    """What the dashboard audits; passed to its kernel as ``XMPAUDIT_APP_*`` variables."""

    root: str
    process_args: str = ""
    snapshot_dir: str = ""
    journal: str = "journals/xmpaudit.jsonl"
    writeback_model: str = "/var/workflow/models/dam-xmp-writeback"
    page_size: int = 20

    def to_env(self) -> dict[str, str]:
        return {ENV + "ROOT": self.root, ENV + "PROCESS_ARGS": self.process_args,
                ENV + "SNAPSHOT_DIR": self.snapshot_dir, ENV + "JOURNAL": self.journal,
                ENV + "WRITEBACK_MODEL": self.writeback_model, ENV + "PAGE_SIZE": str(self.page_size)}

    @classmethod
    def from_env(cls) -> AppSettings:
        env = os.environ
        return cls(root=env.get(ENV + "ROOT", "/content/dam"), process_args=env.get(ENV + "PROCESS_ARGS", ""),
                   snapshot_dir=env.get(ENV + "SNAPSHOT_DIR", ""),
                   journal=env.get(ENV + "JOURNAL", "journals/xmpaudit.jsonl"),
                   writeback_model=env.get(ENV + "WRITEBACK_MODEL", "/var/workflow/models/dam-xmp-writeback"),
                   page_size=int(env.get(ENV + "PAGE_SIZE", "20")))


def headline_html(result: AuditResult, source: str) -> str:
    """Coverage of tagged assets (as the notebooks' headline computes it) and the count (with share) per status."""

    counts = result.counts()
    coverage_pct, tagged = coverage_of(counts)
    coverage = coverage_pct or 0.0
    in_sync = int(counts[list(NODE_IN_SYNC)].sum())
    total = int(counts.sum())
    rows = "".join(f"<tr><td>{status_badge(str(s))}</td><td style='text-align:right'>{n:,}</td>"
                   f"<td style='text-align:right'>{100.0 * n / total if total else 0:.1f}%</td></tr>"
                   for s, n in counts.items() if n)
    return (f"<h2 style='margin:4px 0'>Smart tags → XMP coverage: {coverage:.1f}%</h2>"
            f"<p>{in_sync:,} of {tagged:,} assets with smart tags have the XMP the ACS process would write "
            f"({total:,} assets audited in {html.escape(source)}).</p><table>{rows}</table>")


def dashboard() -> None:
    """Connect, audit and display the headline and the panel (the dashboard notebook's only cell).
    A failure the user can fix is shown as one line."""
    import ipywidgets as w
    from IPython.display import display

    settings = AppSettings.from_env()
    try:
        session = open_session(None, settings.root, settings.process_args, settings.snapshot_dir or None,
                               journal=settings.journal, show_progress=False)
        result = session.audit()
        panel = AuditPanel(session.client, result, Journal(settings.journal), session.snapshot.smart_tags,
                           root=settings.root, page_size=settings.page_size, writeback_model=settings.writeback_model)
    except XmpAuditError as exc:
        display(w.HTML(f"<p style='color:#D55E00'><b>✖ {html.escape(one_line(exc))}</b></p>"))
        return
    display(w.VBox([w.HTML(headline_html(result, session.client.base_url)), w.HTML(session._repr_html_()),
                    panel.widget]))


def dashboard_notebook() -> nbformat.NotebookNode:
    """The notebook Voilà serves: a title and one call (its source is not shown in app mode)."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# xmpaudit · smart tags → XMP"),
                      nbformat.v4.new_code_cell("from xmpaudit import dashboard\n\ndashboard()")]
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
    process = subprocess.Popen(command, env={**env, **settings.to_env()}, cwd=folder, stdout=output,
                               stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Voilà exited with code {process.returncode}" +
                               (f"; see {log_path}" if log_path else ""))
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return process, f"http://127.0.0.1:{port}/?token={token}"
        time.sleep(0.3)
    process.kill()
    raise RuntimeError("Voilà did not start within 60 s")
