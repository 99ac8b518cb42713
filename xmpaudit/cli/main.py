"""Command line: inventory, audit reports, sync, writeback, undo, scheduled notebook reports, the simulator
and the notebooks. Every write is a dry run unless ``--apply`` is given."""

from __future__ import annotations

import argparse
import sys

from xmpaudit.aem.workflows import WRITEBACK_MODEL
from xmpaudit.cli import demo_verbs
from xmpaudit.cli.alert_options import add_alert_options
from xmpaudit.cli.options import (
    DEFAULT_ROOT,
    add_connection_options,
    add_journal_option,
    check_output_paths,
    positive_int,
)
from xmpaudit.cli.read_verbs import cmd_audit, cmd_inventory
from xmpaudit.cli.serve_verbs import cmd_app, cmd_lab, cmd_notebook_report, cmd_simulator
from xmpaudit.cli.whatif_verbs import add_whatif_parser
from xmpaudit.cli.write_verbs import EXIT_CODES, add_cleanup_parser, cmd_sync, cmd_undo, cmd_writeback
from xmpaudit.core.errors import XmpAuditError
from xmpaudit.core.locations import default_journal_path
from xmpaudit.simulator.serve import add_simulator_options


def freshness_options(parser: argparse.ArgumentParser) -> None:
    """Where the saved snapshot is and how old it may be before it is read again (the session's rules)."""
    parser.add_argument("--snapshot-dir", default=None,
                        help="keep the snapshot in this folder (default: the per-user snapshot store)")
    parser.add_argument("--max-age", default=None,
                        help="reuse a saved snapshot younger than this (600, 90s, 10min, 2h; default: "
                             "$XMPAUDIT_MAX_SNAPSHOT_AGE, else 10min) when nothing was journaled since")
    parser.add_argument("--refresh", action="store_true", help="take a new inventory even if a fresh one is saved")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xmpaudit", description=__doc__, epilog=EXIT_CODES)
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    sub = parser.add_subparsers(dest="command", required=True)

    def selection(p: argparse.ArgumentParser, default_status: str) -> None:
        p.add_argument("--root", default=DEFAULT_ROOT, help="DAM folder (default: the demo folder)")
        p.add_argument("--assets-file", help="file with one asset path per line (instead of --root/--status)")
        p.add_argument("--status", default=default_status, help=f"statuses to pick under --root ({default_status})")

    def writeback_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--model", default=WRITEBACK_MODEL, help="writeback workflow model")
        p.add_argument("--max-concurrent", type=int, default=4, help="workflows at a time (4)")
        p.add_argument("--force", action="store_true", help="start the writeback despite pre-flight warnings")

    inventory = sub.add_parser("inventory", help="list assets with smart tags and XMP into a snapshot folder")
    add_connection_options(inventory)
    inventory.add_argument("--root", default=DEFAULT_ROOT, help="DAM folder")
    inventory.add_argument("--out", help="snapshot folder (default: the per-user snapshot store every surface uses)")
    inventory.add_argument("--workers", type=positive_int, default=4, help="QueryBuilder pages in flight (4)")
    inventory.add_argument("--page-size", type=positive_int, default=1000, help="assets per QueryBuilder page (1000)")
    inventory.add_argument("--read-limit", type=positive_int, default=100_000,
                           help="nodes AEM lets one query read (100,000 on AEM as a Cloud Service); queries read half")
    inventory.add_argument("--checkpoint", help="folder for finished partitions: run again to resume after a failure")
    inventory.add_argument("--incremental", action="store_true",
                           help="update the latest snapshot (in --out, else in the store): re-read only assets "
                                "changed, added or deleted since")
    add_journal_option(inventory, "with --incremental, also re-read the assets this journal wrote")
    inventory.set_defaults(func=cmd_inventory)

    report = sub.add_parser("audit", help="audit a snapshot or a live DAM folder; write HTML/CSV/Excel reports")
    add_connection_options(report)
    report.add_argument("--root", default=DEFAULT_ROOT, help="DAM folder (when no --snapshot)")
    report.add_argument("--snapshot", help="audit this snapshot folder offline")
    freshness_options(report)
    add_journal_option(report, "the journal whose writes make a saved snapshot stale")
    report.add_argument("--binaries", action="store_true", help="also read the binaries' XMP (written_back …)")
    report.add_argument("--report", action="append", default=[], help="report file: .html, .csv or .xlsx (repeat)")
    report.add_argument("--export", action="append", default=[],
                        help="fix list export: .csv (AEM metadata import), .txt (path list), .xlsx (one sheet per "
                             "view); repeat")
    report.add_argument("--tag-property", help="in the .csv export, also write the tag names into this "
                                               "multi-value String property (e.g. a custom keywords field)")
    report.set_defaults(func=cmd_audit)
    add_whatif_parser(sub)

    sync = sub.add_parser("sync", help="write the XMP node the ACS process would write (dry run unless --apply)")
    add_connection_options(sync)
    selection(sync, "missing_xmp,stale_xmp,orphan_xmp")
    mode = sync.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="only show the plan (the default)")
    mode.add_argument("--apply", action="store_true", help="write exactly the plan shown")
    sync.add_argument("--show-diff", type=int, default=0, metavar="N", help="print the diffs of N assets")
    add_journal_option(sync)
    sync.add_argument("--writeback", action="store_true",
                      help="then start the XMP writeback for the assets written (one run, one journal run id)")
    writeback_options(sync)
    sync.set_defaults(func=cmd_sync)

    writeback = sub.add_parser("writeback", help="start the XMP writeback workflow (dry run unless --apply)")
    add_connection_options(writeback)
    selection(writeback, "in_sync")
    writeback.add_argument("--from-run", help="the assets a journaled sync run applied")
    add_journal_option(writeback)
    writeback_options(writeback)
    writeback.add_argument("--apply", action="store_true", help="start the workflows")
    writeback.set_defaults(func=cmd_writeback)

    undo = sub.add_parser("undo", help="restore the nodes a journaled run changed (dry run unless --apply)")
    add_connection_options(undo)
    undo.add_argument("--run", help="run id (default: the latest sync run)")
    add_journal_option(undo)
    undo.add_argument("--apply", action="store_true", help="write exactly the undo shown")
    undo.set_defaults(func=cmd_undo)

    add_cleanup_parser(sub)

    scheduled = sub.add_parser("notebook-report", help="run the audit notebook with papermill (scheduled reports)")
    add_connection_options(scheduled)
    scheduled.add_argument("--root", default=DEFAULT_ROOT, help="DAM folder")
    scheduled.add_argument("--output", default="reports/audit.ipynb", help="executed notebook (an .html beside it)")
    scheduled.add_argument("--notebooks", help="notebook folder (default: the kit's notebooks/ folder)")
    add_journal_option(scheduled)
    add_alert_options(scheduled)
    scheduled.set_defaults(func=cmd_notebook_report)

    sim = sub.add_parser("simulator", help="serve the demo DAM over HTTP (AEM-compatible endpoints)")
    add_simulator_options(sim, 4502)
    sim.set_defaults(func=cmd_simulator)
    lab = sub.add_parser("lab", help="open JupyterLab on the notebooks (against the demo DAM unless configured)")
    add_connection_options(lab)
    add_simulator_options(lab, 0)
    lab.add_argument("--notebooks", help="notebook folder (default: the kit's notebooks/ folder)")
    lab.add_argument("--lab-port", type=int, default=8888, help="JupyterLab port")
    lab.add_argument("--no-browser", action="store_true", help="do not open a browser")
    lab.set_defaults(func=cmd_lab)

    app = sub.add_parser("app", help="serve the headline and the fix panel as a dashboard (Voilà), no code shown")
    add_connection_options(app)
    add_simulator_options(app, 0)
    app.add_argument("--root", default=DEFAULT_ROOT, help="DAM folder")
    app.add_argument("--app-port", type=int, default=0, help="dashboard port on 127.0.0.1 (default: any free)")
    freshness_options(app)
    add_journal_option(app)
    app.add_argument("--model", default=WRITEBACK_MODEL, help="writeback workflow model")
    app.set_defaults(func=cmd_app)
    demo_verbs.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "journal", "") is None:
        args.journal = default_journal_path()  # decided when run, so $XMPAUDIT_HOME/$XMPAUDIT_JOURNAL count
    if getattr(args, "assets", 0) < 0:
        print("--assets must be >= 0", file=sys.stderr)
        return 2
    try:
        check_output_paths(args)
        return int(args.func(args))
    except XmpAuditError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
