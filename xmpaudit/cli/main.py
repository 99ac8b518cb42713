"""Command line: inventory, audit reports, sync, writeback, undo, scheduled notebook reports, the simulator
and the notebooks. Every write is a dry run unless ``--apply`` is given."""

from __future__ import annotations

import argparse
import sys

from xmpaudit.cli import demo_parsers, read_parsers, serve_parsers, whatif_parsers, write_parsers
from xmpaudit.cli.options import check_output_paths, fill_run_defaults
from xmpaudit.cli.write_parsers import EXIT_CODES
from xmpaudit.core.errors import XmpAuditError
from xmpaudit.core.version import __version__

# each registers its verbs with ``register(subparsers)``, in the order ``--help`` lists them; the verbs' code is
# imported only when one runs (``cli/verb.py``)
VERB_GROUPS = (read_parsers, whatif_parsers, write_parsers, serve_parsers, demo_parsers)


def build_parser() -> argparse.ArgumentParser:
    """The ``xmpaudit`` parser with every verb."""
    parser = argparse.ArgumentParser(prog="xmpaudit", description=__doc__, epilog=EXIT_CODES)
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    parser.add_argument("--version", action="version", version=f"xmpaudit {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for group in VERB_GROUPS:
        group.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one verb; bad input or a refused run is one line on stderr and exit 2."""
    args = build_parser().parse_args(argv)
    if getattr(args, "assets", 0) < 0:
        print("--assets must be >= 0", file=sys.stderr)
        return 2
    try:
        fill_run_defaults(args)
        check_output_paths(args)
        return int(args.func(args))
    except XmpAuditError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a file or folder the verb reads or writes (disk full, permissions …), not a bug
        print(f"error: {exc.strerror or exc}{f': {exc.filename}' if exc.filename else ''}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
