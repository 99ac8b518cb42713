"""The verbs that write (dry run unless --apply): sync, writeback, undo, cleanup.

Exit codes (``EXIT_CODES``): 0 every selected asset ended verified/in sync (or a dry run); 1 something is not done:
every such row is printed with its reason, and backup nodes left behind are listed; 2 the command stopped with an
error: refused or bad input (unknown run id, destructive or unwritable arguments …) before anything was written, or
a failure that stopped a run (a journal that cannot be written …; what was sent is journaled)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from xmpaudit.cli.options import (
    asset_paths,
    client_for,
    print_frame,
    process_args_text,
    sync_arguments,
)
from xmpaudit.core.number_words import count_words, counted
from xmpaudit.write.apply import DONE_REASONS, ApplyResult, apply_plan
from xmpaudit.write.cleanup import apply_cleanup, find_backups, journaled_backups
from xmpaudit.write.journal import APPLIED, Journal, new_run_id
from xmpaudit.write.outcomes import BINARY_DONE, NOTHING_TO_WRITE_REASON, BinaryOutcome, Outcome
from xmpaudit.write.plan import SyncPlan, plan_sync
from xmpaudit.write.sync_writeback import sync_and_writeback
from xmpaudit.write.undo import plan_undo
from xmpaudit.write.writeback import binary_counts, run_writeback
from xmpaudit.write.writeback_preflight import check_preflight, writeback_preflight

if TYPE_CHECKING:
    import pandas as pd

    from xmpaudit.aem.client import AemClient


def _report(result: ApplyResult) -> int:
    """Print the run's summary, every row not cleanly done with its reason, and backups left; the exit code."""
    print(result.summary())
    print(verified_words(result))
    not_done = result.not_done()
    if len(not_done):
        print(f"{counted(len(not_done), 'asset')} NOT done:")
        print_frame(not_done[["asset", "outcome", "reason"]], limit=len(not_done))
    for backup in result.backups_left:
        print(f"backup node left: {backup}")
    return 0 if result.ok else 1


def verified_words(result: ApplyResult) -> str:
    """How many assets were written and read back from AEM as planned (verified), and how many were written but
    not verified, in one line."""
    rows = result.outcomes
    applied = rows["outcome"] == Outcome.APPLIED
    verified = int((applied & rows["verified"].fillna(False).astype(bool)).sum())
    unverified = int(applied.sum()) - verified
    return (f"{counted(verified, 'asset')} written and verified (read back from AEM as planned)"
            + (f"; {counted(unverified, 'asset')} written but NOT verified" if unverified else ""))


def _undone_skips(plan: SyncPlan) -> int:
    """Exit code of an apply with nothing to write: 1 when a selected asset was skipped without being done."""
    open_rows = plan.skipped[~plan.skipped["reason"].str.startswith(DONE_REASONS)]
    if len(open_rows):
        print(f"{counted(len(open_rows), 'selected asset')} NOT done:")
        print_frame(open_rows, limit=len(open_rows))
    return 1 if len(open_rows) else 0


def cmd_sync(args: argparse.Namespace) -> int:
    client = client_for(args)
    sync_args = sync_arguments(args, client)
    plan = plan_sync(client, asset_paths(args, client, sync_args), sync_args)
    plan.arguments_from_aem = process_args_text(args) is None  # re-read (and compared) just before writing
    print(plan.summary())
    print_frame(plan.to_frame())
    if args.show_diff:
        print(plan.diff_text(limit=args.show_diff))
    if len(plan.skipped):
        print_frame(plan.skipped)
    if args.writeback:

        print(writeback_preflight(client, [c.asset for c in plan.changes], args.model).summary())
    if not args.apply:
        then = " and start the writeback" if args.writeback else ""
        print(f"Dry run: nothing was written. Add --apply to write exactly this plan{then}.")
        return 0
    if not plan.changes:
        print("Nothing to write: every selected asset is already in sync or skipped.")
        return _undone_skips(plan)
    if args.writeback:
        return _sync_and_writeback(args, client, plan)
    return _report(apply_plan(client, plan, Journal(args.journal), show_progress=not args.quiet))


def _sync_and_writeback(args: argparse.Namespace, client: AemClient, plan: SyncPlan) -> int:
    combined = sync_and_writeback(client, plan, Journal(args.journal), model=args.model, force=args.force,
                                  max_concurrent=args.max_concurrent, show_progress=not args.quiet)
    code = _report(combined.sync)
    print(combined.summary().split("\n", 1)[1])
    _print_writeback_report(combined.writeback)
    return 0 if combined.ok and code == 0 else 1


def _print_writeback_report(report: pd.DataFrame) -> None:
    if not len(report):
        print("No binary to write back.")
        return
    print(report["state"].value_counts().to_string())
    print(f"Binaries: {binary_counts(report)}")
    nothing = report[report["binary_status"] == BinaryOutcome.NOTHING_TO_WRITE]
    if len(nothing):
        print(f"{counted(len(nothing), 'asset')} with nothing to write back ({NOTHING_TO_WRITE_REASON.split(':')[0]}):")
        print_frame(nothing[["asset"]], limit=len(nothing))
    missed = report[~report["binary_status"].isin(BINARY_DONE)]
    if len(missed):
        print(f"{counted(len(missed), 'asset')} NOT written back:")
        print_frame(missed[["asset", "state", "binary_status", "binary_reason"]], limit=len(missed))
    elif len(nothing):
        print(f"Every binary with smart tags now carries them ({len(report) - len(nothing)} written_back).")
    else:
        print(f"{'The binary' if len(report) == 1 else f'All {count_words(len(report))} binaries'} now carry the "
              "smart tags (written_back).")


def cmd_writeback(args: argparse.Namespace) -> int:
    client = client_for(args)
    journal = Journal(args.journal)
    sync_args = sync_arguments(args, client)
    if args.from_run:
        journal.intents(args.from_run)  # ConfigError (exit 2) for a run the journal does not know
        assets = list(dict.fromkeys(r["asset"] for r in journal.read()
                                    if r.get("run") == args.from_run and r.get("event") == APPLIED))
    else:
        assets = asset_paths(args, client, sync_args)
    print(f"Writeback workflow {args.model} for {counted(len(assets), 'asset')}, {args.max_concurrent} at a time")
    preflight = writeback_preflight(client, assets, args.model)
    print(preflight.summary())
    if not args.apply:
        print_frame(__import__("pandas").DataFrame({"asset": assets}))
        print("Dry run: no workflow was started. Add --apply to start them.")
        return 0
    check_preflight(preflight, force=args.force)
    run = args.from_run or new_run_id("writeback")
    report = run_writeback(client, assets, model=args.model, max_concurrent=args.max_concurrent, args=sync_args,
                           journal=journal, run=run, show_progress=not args.quiet,
                           args_from_aem=process_args_text(args) is None)
    print(f"Journaled as run {run}")
    _print_writeback_report(report)
    return 0 if report["binary_status"].isin(BINARY_DONE).all() else 1


def cmd_undo(args: argparse.Namespace) -> int:
    client = client_for(args)
    journal = Journal(args.journal)
    plan = plan_undo(client, journal, args.run)
    print(f"Undo of {plan.undoes}: {plan.summary()}")
    print_frame(plan.to_frame())
    if len(plan.skipped):
        print_frame(plan.skipped)
    if not args.apply:
        print("Dry run: nothing was written. Add --apply to undo exactly this.")
        return 0
    return _report(apply_plan(client, plan, journal, show_progress=not args.quiet))


def cmd_cleanup(args: argparse.Namespace) -> int:
    client = client_for(args)
    journal = Journal(args.journal)
    if args.run is not None:
        plan = journaled_backups(client, journal, args.run)  # ConfigError (exit 2) for an empty run id
        journal.intents(args.run)  # ConfigError (exit 2) for a run the journal does not know
    else:
        plan = find_backups(client, args.root, show_progress=not args.quiet, journal=journal)
    print(plan.summary())
    if len(plan):
        print_frame(plan.backups[["asset", "backup", "items", "action", "holds"]], limit=len(plan))
    if not args.apply:
        print("Dry run: nothing was removed. Add --apply to remove exactly these backup nodes (each is journaled).")
        return 0
    result = apply_cleanup(client, plan, journal)
    print(result.summary())
    for backup, error in result.left.items():
        print(f"backup node left: {backup} ({error})")
    return 0 if result.ok else 1
