"""The read verbs' options: ``inventory`` and ``audit`` (run by ``cli/read_verbs.py``)."""

from __future__ import annotations

from xmpaudit.cli.options import (
    DEFAULT_ROOT,
    add_connection_options,
    add_freshness_options,
    add_journal_option,
    positive_int,
)
from xmpaudit.cli.verb import SubParsers, add_verb


def register(subparsers: SubParsers) -> None:
    """Add ``inventory`` and ``audit``."""
    _inventory(subparsers)
    _audit(subparsers)


def _inventory(subparsers: SubParsers) -> None:
    inventory = add_verb(subparsers, "inventory", "xmpaudit.cli.read_verbs:cmd_inventory",
                         "list assets with smart tags and XMP into a snapshot folder")
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


def _audit(subparsers: SubParsers) -> None:
    report = add_verb(subparsers, "audit", "xmpaudit.cli.read_verbs:cmd_audit",
                      "audit a snapshot or a live DAM folder; write HTML/CSV/Excel reports")
    add_connection_options(report)
    report.add_argument("--root", default=DEFAULT_ROOT, help="DAM folder (when no --snapshot)")
    report.add_argument("--snapshot", help="audit this snapshot folder offline")
    add_freshness_options(report)
    add_journal_option(report, "the journal whose writes make a saved snapshot stale")
    report.add_argument("--binaries", action="store_true", help="also read the binaries' XMP (written_back …)")
    report.add_argument("--report", action="append", default=[], help="report file: .html, .csv or .xlsx (repeat)")
    report.add_argument("--export", action="append", default=[],
                        help="fix list export: .csv (AEM metadata import), .txt (path list), .xlsx (one sheet per "
                             "view); repeat")
    report.add_argument("--tag-property", help="in the .csv export, also write the tag names into this "
                                               "multi-value String property (e.g. a custom keywords field)")
