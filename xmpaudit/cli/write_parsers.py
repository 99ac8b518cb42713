"""The write verbs' options: ``sync``, ``writeback``, ``undo``, ``cleanup`` (run by ``cli/write_verbs.py``);
every one a dry run unless ``--apply``."""

from __future__ import annotations

from xmpaudit.cli.options import (
    DEFAULT_ROOT,
    add_connection_options,
    add_journal_option,
    add_selection_options,
    add_writeback_options,
)
from xmpaudit.cli.verb import SubParsers, add_verb

EXIT_CODES = ("exit codes: 0 every selected asset ended verified/in sync (or a dry run); 1 something is not done "
              "(each row printed with its reason, backup nodes left listed); 2 stopped with an error (refused or "
              "bad input: nothing written; a failure mid-run: what was sent is journaled)")


def register(subparsers: SubParsers) -> None:
    """Add ``sync``, ``writeback``, ``undo`` and ``cleanup``."""
    _sync(subparsers)
    _writeback(subparsers)
    _undo(subparsers)
    _cleanup(subparsers)


def _sync(subparsers: SubParsers) -> None:
    sync = add_verb(subparsers, "sync", "xmpaudit.cli.write_verbs:cmd_sync",
                    "write the XMP node the ACS process would write (dry run unless --apply)")
    add_connection_options(sync)
    add_selection_options(sync, "missing_xmp,stale_xmp,orphan_xmp")
    mode = sync.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="only show the plan (the default)")
    mode.add_argument("--apply", action="store_true", help="write exactly the plan shown")
    sync.add_argument("--show-diff", type=int, default=0, metavar="N", help="print the diffs of N assets")
    add_journal_option(sync)
    sync.add_argument("--writeback", action="store_true",
                      help="then start the XMP writeback for the assets written (one run, one journal run id)")
    add_writeback_options(sync)


def _writeback(subparsers: SubParsers) -> None:
    writeback = add_verb(subparsers, "writeback", "xmpaudit.cli.write_verbs:cmd_writeback",
                         "start the XMP writeback workflow (dry run unless --apply)")
    add_connection_options(writeback)
    add_selection_options(writeback, "in_sync")
    writeback.add_argument("--from-run", help="the assets a journaled sync run applied")
    add_journal_option(writeback)
    add_writeback_options(writeback)
    writeback.add_argument("--apply", action="store_true", help="start the workflows")


def _undo(subparsers: SubParsers) -> None:
    undo = add_verb(subparsers, "undo", "xmpaudit.cli.write_verbs:cmd_undo",
                    "restore the nodes a journaled run changed (dry run unless --apply)")
    add_connection_options(undo)
    undo.add_argument("--run", help="run id (default: the latest sync run)")
    add_journal_option(undo)
    undo.add_argument("--apply", action="store_true", help="write exactly the undo shown")


def _cleanup(subparsers: SubParsers) -> None:
    cleanup = add_verb(subparsers, "cleanup", "xmpaudit.cli.write_verbs:cmd_cleanup",
                       "remove backup nodes left by sync runs (dry run unless --apply)", epilog=EXIT_CODES)
    add_connection_options(cleanup)
    cleanup.add_argument("--root", default=DEFAULT_ROOT, help="DAM folder to search (default: the demo folder)")
    cleanup.add_argument("--run", help="only the backups this journaled run left (instead of searching --root)")
    add_journal_option(cleanup)
    cleanup.add_argument("--apply", action="store_true", help="remove exactly the backups shown")
