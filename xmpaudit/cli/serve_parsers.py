"""The options of the verbs that start something: ``notebook-report``, ``simulator``, ``lab``, ``app`` (run by
``cli/serve_verbs.py``)."""

from __future__ import annotations

from xmpaudit.cli.alert_options import add_alert_options
from xmpaudit.cli.options import (
    DEFAULT_ROOT,
    add_connection_options,
    add_freshness_options,
    add_journal_option,
    add_model_option,
)
from xmpaudit.cli.verb import SubParsers, add_verb
from xmpaudit.simulator.serve import add_simulator_options


def register(subparsers: SubParsers) -> None:
    """Add ``notebook-report``, ``simulator``, ``lab`` and ``app``."""
    scheduled = add_verb(subparsers, "notebook-report", "xmpaudit.cli.serve_verbs:cmd_notebook_report",
                         "run the audit notebook with papermill (scheduled reports)")
    add_connection_options(scheduled)
    scheduled.add_argument("--root", default=DEFAULT_ROOT, help="DAM folder")
    scheduled.add_argument("--output", default="reports/audit.ipynb", help="executed notebook (an .html beside it)")
    scheduled.add_argument("--notebooks", help="notebook folder (default: the kit's notebooks/ folder)")
    add_journal_option(scheduled)
    add_alert_options(scheduled)

    simulator = add_verb(subparsers, "simulator", "xmpaudit.cli.serve_verbs:cmd_simulator",
                         "serve the demo DAM over HTTP (AEM-compatible endpoints)")
    add_simulator_options(simulator, 4502)
    _lab(subparsers)
    _app(subparsers)


def _lab(subparsers: SubParsers) -> None:
    lab = add_verb(subparsers, "lab", "xmpaudit.cli.serve_verbs:cmd_lab",
                   "open JupyterLab on the notebooks (against the demo DAM unless configured)")
    add_connection_options(lab)
    add_simulator_options(lab, 0)
    lab.add_argument("--notebooks", help="notebook folder (default: the kit's notebooks/ folder)")
    lab.add_argument("--lab-port", type=int, default=8888, help="JupyterLab port")
    lab.add_argument("--no-browser", action="store_true", help="do not open a browser")


def _app(subparsers: SubParsers) -> None:
    app = add_verb(subparsers, "app", "xmpaudit.cli.serve_verbs:cmd_app",
                   "serve the headline and the fix panel as a dashboard (Voilà), no code shown")
    add_connection_options(app)
    add_simulator_options(app, 0)
    app.add_argument("--root", default=DEFAULT_ROOT, help="DAM folder")
    app.add_argument("--app-port", type=int, default=0, help="dashboard port on 127.0.0.1 (default: any free)")
    add_freshness_options(app)
    add_journal_option(app)
    add_model_option(app)
