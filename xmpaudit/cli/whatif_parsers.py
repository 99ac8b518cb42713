"""The ``what-if`` verb's options (run by ``cli/whatif_verbs.py``)."""

from __future__ import annotations

import argparse

from xmpaudit.cli.options import DEFAULT_ROOT, add_connection_options
from xmpaudit.cli.verb import SubParsers, add_verb
from xmpaudit.core.errors import ConfigError


def register(subparsers: SubParsers) -> None:
    """Add ``what-if``."""
    whatif = add_verb(subparsers, "what-if", "xmpaudit.cli.whatif_verbs:cmd_what_if",
                      "what the ACS process would write at other minimumConfidence values")
    add_connection_options(whatif)
    whatif.add_argument("--root", default=DEFAULT_ROOT, help="DAM folder (when no --snapshot)")
    whatif.add_argument("--snapshot", help="use this snapshot folder (nothing is read from AEM)")
    whatif.add_argument("--threshold", action="append", default=[], type=check_threshold_option, metavar="X",
                        help="also show this minimumConfidence (0 to 1) and the tags it drops most; repeat")
    whatif.add_argument("--tags", action="store_true", help="per smart tag: occurrences, confidence quantiles, "
                                                            "share under the threshold")
    whatif.add_argument("--csv", help="write the full sweep (0, 0.01, … 1) to this CSV file")
    whatif.add_argument("--plot", help="save the what-if plot (and with --tags, NAME-tags.png) to this PNG file")
    whatif.add_argument("--plan", type=check_threshold_option, metavar="X",
                        help="the fix list and sync preview for minimumConfidence X (reads AEM, writes nothing)")


def check_threshold_option(text: str) -> float:
    """An argparse type: a minimumConfidence from 0 to 1 (``audit.whatif.check_threshold``)."""
    from xmpaudit.audit.whatif import check_threshold

    try:
        return check_threshold(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
