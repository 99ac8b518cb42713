"""The coverage alert of scheduled reports: ``--fail-below``, ``--fail-drop`` and ``--alert-exit-code``."""

from __future__ import annotations

import argparse

REPORT_SURFACE = "report"  # how the report's kernel names itself in the history ($XMPAUDIT_SURFACE)

def _number(text: str, low: float, high: float | None, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of {what}, got {text!r}") from None
    if not (low <= value and (high is None or value <= high)):
        limit = f"{low:g} to {high:g}" if high is not None else f"at least {low:g}"
        raise argparse.ArgumentTypeError(f"expected {limit} {what}, got {text!r}")
    return value


def percent(text: str) -> float:
    """An argparse type: a coverage percentage, 0 to 100."""
    return _number(text, 0.0, 100.0, "percent")


def points(text: str) -> float:
    """An argparse type: coverage points, at least 0."""
    return _number(text, 0.0, None, "points")


def exit_code(text: str) -> int:
    """An argparse type: a process exit code from 1 to 255."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to 255, got {text!r}") from None
    if not 1 <= value <= 255:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to 255, got {value}")
    return value


def add_alert_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("coverage alert (checked against the coverage history)")
    group.add_argument("--fail-below", type=percent, metavar="PCT",
                       help="exit with --alert-exit-code when coverage is below PCT %%")
    group.add_argument("--fail-drop", type=points, metavar="POINTS",
                       help="exit with --alert-exit-code when coverage fell more than POINTS since the previous "
                            "snapshot")
    group.add_argument("--alert-exit-code", type=exit_code, default=3, metavar="N",
                       help="exit code of a failed alert (3; 2 means a usage or connection error)")


def alert_exit(args: argparse.Namespace, started: str) -> int:
    """Print the alert of a report started at ``started``; the exit code it asks for (0 without an alert). Only
    the report's own audits count: of the AEM it was told to audit (the demo DAM: by the report's surface)."""
    if args.fail_below is None and args.fail_drop is None:
        return 0
    from xmpaudit.aem.settings import resolve_settings  # here: the parser imports this module for --help
    from xmpaudit.workspace.history import scheduled_report_alert

    settings = resolve_settings(args.url, profile=args.profile)
    alert = scheduled_report_alert(args.root, started, source=settings.url if settings else None,
                                   surface=REPORT_SURFACE, fail_below=args.fail_below, fail_drop=args.fail_drop)
    print(alert.message)
    return args.alert_exit_code if alert.failed else 0
