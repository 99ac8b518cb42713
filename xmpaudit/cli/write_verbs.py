"""The verbs that write (dry run unless --apply): sync, writeback, undo."""

from __future__ import annotations

import argparse
from typing import Any

from xmpaudit.cli.options import asset_paths, client_for, print_frame, sync_arguments
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.journal import Journal, new_run_id
from xmpaudit.write.plan import plan_sync
from xmpaudit.write.sync_writeback import sync_and_writeback
from xmpaudit.write.undo import plan_undo
from xmpaudit.write.writeback import run_writeback
from xmpaudit.write.writeback_preflight import check_preflight, writeback_preflight


def cmd_sync(args: argparse.Namespace) -> int:
    client = client_for(args)
    sync_args = sync_arguments(args, client)
    plan = plan_sync(client, asset_paths(args, client, sync_args), sync_args)
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
        return 0
    if args.writeback:
        return _sync_and_writeback(args, client, plan)
    result = apply_plan(client, plan, Journal(args.journal), show_progress=not args.quiet)
    print(result.summary())
    failed = result.outcomes[result.outcomes["outcome"].isin(["failed", "conflict", "uncertain"])]
    if len(failed):
        print_frame(failed)
    return 0 if result.ok else 1


def _sync_and_writeback(args: argparse.Namespace, client: Any, plan: Any) -> int:
    combined = sync_and_writeback(client, plan, Journal(args.journal), model=args.model, force=args.force,
                                  max_concurrent=args.max_concurrent, show_progress=not args.quiet)
    print(combined.summary())
    _print_writeback_report(combined.writeback)
    return 0 if combined.ok else 1


def _print_writeback_report(report: Any) -> None:
    print(report["state"].value_counts().to_string())
    missed = report[report["binary_status"] != "written_back"]
    if len(missed):
        print(f"{len(missed)} assets NOT written back:")
        print_frame(missed[["asset", "state", "binary_status", "binary_reason"]])
    else:
        print(f"All {len(report)} binaries now carry the smart tags (written_back).")


def cmd_writeback(args: argparse.Namespace) -> int:
    client = client_for(args)
    journal = Journal(args.journal)
    sync_args = sync_arguments(args, client)
    if args.from_run:
        records = journal.read()
        assets = list(dict.fromkeys(r["asset"] for r in records
                                    if r.get("run") == args.from_run and r.get("event") == "applied"))
    else:
        assets = asset_paths(args, client, sync_args)
    print(f"Writeback workflow {args.model} for {len(assets)} assets, {args.max_concurrent} at a time")
    preflight = writeback_preflight(client, assets, args.model)
    print(preflight.summary())
    if not args.apply:
        print_frame(__import__("pandas").DataFrame({"asset": assets}))
        print("Dry run: no workflow was started. Add --apply to start them.")
        return 0
    check_preflight(preflight, force=args.force)
    run = args.from_run or new_run_id("writeback")
    report = run_writeback(client, assets, model=args.model, max_concurrent=args.max_concurrent, args=sync_args,
                           journal=journal, run=run, show_progress=not args.quiet)
    print(f"Journaled as run {run}")
    _print_writeback_report(report)
    return 0 if (report["binary_status"] == "written_back").all() else 1


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
    result = apply_plan(client, plan, journal, show_progress=not args.quiet)
    print(result.summary())
    return 0 if result.ok else 1
