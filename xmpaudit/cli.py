"""Command line: inventory, audit reports, sync, writeback, undo, scheduled notebook reports, the simulator
and the notebooks. Every write is a dry run unless ``--apply`` is given."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

DEFAULT_NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
DEFAULT_JOURNAL = "journals/xmpaudit.jsonl"
DEFAULT_ROOT = "/content/dam/xmpaudit-demo"


# -- connection and shared options ----------------------------------------------------------------------


def _connection_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("AEM connection (default: XMPAUDIT_* variables, else the demo DAM)")
    group.add_argument("--url", help="AEM author URL")
    group.add_argument("--profile", help="profile name in ~/.config/xmpaudit/profiles.toml")
    group.add_argument("--user", help="user for basic auth (password from $XMPAUDIT_PASSWORD)")
    group.add_argument("--token-file", help="AEMaaCS local development token JSON")
    group.add_argument("--service-credentials", help="AEMaaCS service credentials JSON")
    group.add_argument("--process-args", default="",
                       help="the ACS step's arguments: key=value lines, or a file holding them")


MAX_PROCESS_ARGS_CHARS = 10_000


def require_root(client: Any, root: str) -> None:
    from .client import require_root as check

    check(client, root)


def _client(args: argparse.Namespace) -> Any:
    from .connection import connect

    password = os.environ.get("XMPAUDIT_PASSWORD") if args.user else None
    return connect(args.url, profile=args.profile, user=args.user, password=password, token_file=args.token_file,
                   service_credentials_file=args.service_credentials)


def _process_args_text(args: argparse.Namespace) -> str:
    """--process-args as text (read from the file it names, if it names one); "" when not given."""
    from .errors import ConfigError

    text = args.process_args or ""
    if len(text) > MAX_PROCESS_ARGS_CHARS:
        raise ConfigError(f"--process-args is {len(text)} characters long (at most {MAX_PROCESS_ARGS_CHARS})")
    try:
        if text and Path(text).is_file():
            text = Path(text).read_text(encoding="utf-8")
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(f"--process-args file cannot be read: {exc}") from None
    return text


def _sync_arguments(args: argparse.Namespace, client: Any = None) -> Any:
    """--process-args (text or a file) when given; else, with a client, the arguments of the workflow model
    that runs the ACS step (printing where they came from); else the process defaults."""
    from .acs import SyncArguments

    text = _process_args_text(args)
    if text or client is None:
        return SyncArguments.from_process_args(text)
    from .workflow_models import resolve_process_args

    sync_args, source = resolve_process_args(client, None)
    print(source)
    return sync_args


def _asset_paths(args: argparse.Namespace, client: Any, sync_args: Any) -> list[str]:
    """Assets named by --assets-file, else the assets under --root with one of --status."""
    if args.assets_file:
        lines = Path(args.assets_file).read_text(encoding="utf-8").splitlines()
        return [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    from .audit import audit
    from .inventory import take_inventory

    require_root(client, args.root)
    result = audit(take_inventory(client, args.root, sync_args, show_progress=not args.quiet), sync_args)
    wanted = [s.strip() for s in args.status.split(",") if s.strip()]
    return result.assets.loc[result.assets["status"].isin(wanted), "path"].tolist()


def _print_frame(frame: Any, limit: int = 30) -> None:
    import pandas as pd

    with pd.option_context("display.width", 200, "display.max_colwidth", 90):
        print(frame.head(limit).to_string(index=False))
        if len(frame) > limit:
            print(f"… {len(frame) - limit} more rows")


# -- verbs ------------------------------------------------------------------------------------------------


def _positive_int(text: str) -> int:
    """An argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def cmd_inventory(args: argparse.Namespace) -> int:
    from .errors import ConfigError
    from .incremental import incremental_since, refresh_inventory
    from .inventory import take_inventory
    from .journal import Journal
    from .snapshot import Snapshot

    previous = Snapshot.load(args.out) if args.incremental else None
    if previous is not None and previous.meta.get("root") != args.root:
        raise ConfigError(f"{args.out} holds an inventory of {previous.meta.get('root')}, not {args.root}")
    client = _client(args)
    require_root(client, args.root)
    sync_args = _sync_arguments(args, client)
    if previous is not None:
        since = incremental_since(previous)
        journal_path = Path(args.journal)
        written = Journal(journal_path).assets_since(args.root, since) if journal_path.exists() else []
        snapshot, changes = refresh_inventory(client, previous, sync_args, since=since, workers=args.workers,
                                              page_size=args.page_size, read_budget=args.read_limit // 2,
                                              show_progress=not args.quiet, also_read=written)
        print(f"Since the previous snapshot: {changes.summary()}")
    else:
        snapshot = take_inventory(client, args.root, sync_args, workers=args.workers, page_size=args.page_size,
                                  read_budget=args.read_limit // 2, checkpoint_dir=args.checkpoint,
                                  show_progress=not args.quiet)
    snapshot.save(args.out)
    print(f"{snapshot.summary()}\nSaved to {args.out}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from .audit import audit
    from .fixlist import export
    from .headline import summary
    from .inventory import take_inventory
    from .report import write_report
    from .session import previous_counts_in
    from .snapshot import Snapshot

    client = None
    if args.snapshot:
        snapshot = Snapshot.load(args.snapshot)
        sync_args = _sync_arguments(args) if args.process_args else snapshot.arguments
    else:
        client = _client(args)
        require_root(client, args.root)
        sync_args = _sync_arguments(args, client)
        snapshot = take_inventory(client, args.root, sync_args, show_progress=not args.quiet)
    result = audit(snapshot, sync_args)
    if args.binaries:
        from .binxmp import check_binaries

        result, _ = check_binaries(client or _client(args), result, sync_args, show_progress=not args.quiet)
    previous = previous_counts_in(args.snapshot, snapshot.meta) if args.snapshot else None
    print(summary(result, previous, snapshot.meta))
    for report in args.report:
        print(f"Report written to {write_report(result, snapshot, report, previous=previous)}")
    base_url = client.base_url if client is not None else snapshot.meta.get("source")
    for target in args.export:
        written = export(result, snapshot.smart_tags, target, client_base_url=base_url, previous=previous,
                         meta=snapshot.meta, tag_property=args.tag_property)
        print(f"Fix list exported to {written}")
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from .journal import Journal
    from .sync import apply_plan, plan_sync

    client = _client(args)
    sync_args = _sync_arguments(args, client)
    plan = plan_sync(client, _asset_paths(args, client, sync_args), sync_args)
    print(plan.summary())
    _print_frame(plan.to_frame())
    if args.show_diff:
        print(plan.diff_text(limit=args.show_diff))
    if len(plan.skipped):
        _print_frame(plan.skipped)
    if args.writeback:
        from .writeback import writeback_preflight

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
        _print_frame(failed)
    return 0 if result.ok else 1


def _sync_and_writeback(args: argparse.Namespace, client: Any, plan: Any) -> int:
    from .journal import Journal
    from .writeback import sync_and_writeback

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
        _print_frame(missed[["asset", "state", "binary_status", "binary_reason"]])
    else:
        print(f"All {len(report)} binaries now carry the smart tags (written_back).")


def cmd_writeback(args: argparse.Namespace) -> int:
    from .journal import Journal, new_run_id
    from .writeback import check_preflight, run_writeback, writeback_preflight

    client = _client(args)
    journal = Journal(args.journal)
    sync_args = _sync_arguments(args, client)
    if args.from_run:
        records = journal.read()
        assets = list(dict.fromkeys(r["asset"] for r in records
                                    if r.get("run") == args.from_run and r.get("event") == "applied"))
    else:
        assets = _asset_paths(args, client, sync_args)
    print(f"Writeback workflow {args.model} for {len(assets)} assets, {args.max_concurrent} at a time")
    preflight = writeback_preflight(client, assets, args.model)
    print(preflight.summary())
    if not args.apply:
        _print_frame(__import__("pandas").DataFrame({"asset": assets}))
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
    from .journal import Journal
    from .sync import apply_plan, plan_undo

    client = _client(args)
    journal = Journal(args.journal)
    plan = plan_undo(client, journal, args.run)
    print(f"Undo of {plan.undoes}: {plan.summary()}")
    _print_frame(plan.to_frame())
    if len(plan.skipped):
        _print_frame(plan.skipped)
    if not args.apply:
        print("Dry run: nothing was written. Add --apply to undo exactly this.")
        return 0
    result = apply_plan(client, plan, journal, show_progress=not args.quiet)
    print(result.summary())
    return 0 if result.ok else 1


def cmd_notebook_report(args: argparse.Namespace) -> int:
    """Run the audit notebook with papermill (parameters injected) and save it, plus HTML, for schedules."""
    import papermill

    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    parameters = {"ROOT": args.root, "PROFILE": args.profile, "PROCESS_ARGS": _process_args_text(args),
                  "SNAPSHOT_DIR": str(output.with_suffix("")) + "-snapshot", "REFRESH": True}
    papermill.execute_notebook(str(Path(args.notebooks) / "02_coverage_audit.ipynb"), str(output),
                               parameters=parameters, cwd=str(output.parent), progress_bar=not args.quiet,
                               kernel_name="python3")
    html_path = output.with_suffix(".html")
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--no-input", str(output),
                    "--output", html_path.name], check=True, capture_output=True)
    print(f"Executed notebook: {output}\nHTML report: {html_path}")
    return 0


def _start_simulator(args: argparse.Namespace) -> Any:
    from .simulator import DemoSpec, Simulator, build_demo_repository

    repo = build_demo_repository(DemoSpec(assets=args.assets, seed=args.seed))
    return Simulator(repo, host=args.host, port=args.port, workflow_seconds=args.workflow_seconds).start()


def cmd_simulator(args: argparse.Namespace) -> int:
    simulator = _start_simulator(args)
    print(f"xmpaudit simulator: {args.assets} demo assets at {simulator.url} (user admin/admin, token demo-token)")
    print(f"  export XMPAUDIT_URL={simulator.url} XMPAUDIT_USER=admin XMPAUDIT_PASSWORD=admin")
    print("Press Ctrl+C to stop.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        simulator.stop()
    return 0


def cmd_lab(args: argparse.Namespace) -> int:
    env = dict(os.environ)
    simulator = None
    if not env.get("XMPAUDIT_URL") and not env.get("XMPAUDIT_PROFILE"):
        simulator = _start_simulator(args)
        env.update(XMPAUDIT_URL=simulator.url, XMPAUDIT_USER="admin", XMPAUDIT_PASSWORD="admin")
        print(f"Demo DAM simulator at {simulator.url}; notebooks will use it.", flush=True)
    notebooks = Path(args.notebooks).resolve()
    if not notebooks.is_dir():
        print(f"Notebook folder {notebooks} does not exist", file=sys.stderr)
        return 2
    command = [sys.executable, "-m", "jupyter", "lab", f"--notebook-dir={notebooks}", f"--port={args.lab_port}"]
    if args.no_browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers and CI machines often run as root
    try:
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 0
    finally:
        if simulator is not None:
            simulator.stop()


def cmd_app(args: argparse.Namespace) -> int:
    """Serve the headline and the fix panel as a dashboard without code (Voilà) on a loopback port."""
    import tempfile

    from .app import AppSettings, start_app

    env = dict(os.environ)
    if args.url:
        env["XMPAUDIT_URL"] = args.url
        env.pop("XMPAUDIT_PROFILE", None)
    if args.profile:
        env["XMPAUDIT_PROFILE"] = args.profile
    if args.user:
        env["XMPAUDIT_USER"] = args.user
    simulator = None
    if not env.get("XMPAUDIT_URL") and not env.get("XMPAUDIT_PROFILE"):
        simulator = _start_simulator(args)
        env.update(XMPAUDIT_URL=simulator.url, XMPAUDIT_USER="admin", XMPAUDIT_PASSWORD="admin")
        print(f"Demo DAM simulator with {args.assets} assets at {simulator.url}", flush=True)
    settings = AppSettings(root=args.root, process_args=_sync_arguments(args).to_process_args(),
                           snapshot_dir=str(Path(args.snapshot_dir).resolve()) if args.snapshot_dir else "",
                           journal=str(Path(args.journal).resolve()), writeback_model=args.model)
    def stop(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)  # a terminated app stops its Voilà server and demo DAM too
    with tempfile.TemporaryDirectory(prefix="xmpaudit-app-") as folder:
        try:
            process, url = start_app(Path(folder), settings, env, args.app_port, Path(folder) / "voila.log")
        except RuntimeError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"xmpaudit app: {url}\nOpen it in a browser; press Ctrl+C to stop.", flush=True)
        try:
            return process.wait()
        except KeyboardInterrupt:
            return 0
        finally:
            process.terminate()
            process.wait(30)
            if simulator is not None:
                simulator.stop()


# -- parser -----------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xmpaudit", description=__doc__)
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    sub = parser.add_subparsers(dest="command", required=True)

    def simulator_options(p: argparse.ArgumentParser, port: int) -> None:
        p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
        p.add_argument("--port", type=int, default=port, help=f"simulator port (default {port}; 0 = any free)")
        p.add_argument("--assets", type=int, default=360, help="demo assets to generate (default 360)")
        p.add_argument("--seed", type=int, default=7, help="random seed of the demo DAM")
        p.add_argument("--workflow-seconds", type=float, default=0.5, help="how long a writeback workflow runs")

    def selection(p: argparse.ArgumentParser, default_status: str) -> None:
        p.add_argument("--root", default=DEFAULT_ROOT, help="DAM folder (default: the demo folder)")
        p.add_argument("--assets-file", help="file with one asset path per line (instead of --root/--status)")
        p.add_argument("--status", default=default_status, help=f"statuses to pick under --root ({default_status})")

    def writeback_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--model", default="/var/workflow/models/dam-xmp-writeback", help="writeback workflow model")
        p.add_argument("--max-concurrent", type=int, default=4, help="workflows at a time (4)")
        p.add_argument("--force", action="store_true", help="start the writeback despite pre-flight warnings")

    inventory = sub.add_parser("inventory", help="list assets with smart tags and XMP into a snapshot folder")
    _connection_options(inventory)
    inventory.add_argument("--root", default=DEFAULT_ROOT, help="DAM folder")
    inventory.add_argument("--out", default="snapshots/latest", help="snapshot folder")
    inventory.add_argument("--workers", type=_positive_int, default=4, help="QueryBuilder pages in flight (4)")
    inventory.add_argument("--page-size", type=_positive_int, default=1000, help="assets per QueryBuilder page (1000)")
    inventory.add_argument("--read-limit", type=_positive_int, default=100_000,
                           help="nodes AEM lets one query read (100,000 on AEM as a Cloud Service); queries read half")
    inventory.add_argument("--checkpoint", help="folder for finished partitions: run again to resume after a failure")
    inventory.add_argument("--incremental", action="store_true",
                           help="update the snapshot in --out: re-read only assets changed, added or deleted since")
    inventory.add_argument("--journal", default=DEFAULT_JOURNAL,
                           help=f"with --incremental, also re-read the assets this journal wrote ({DEFAULT_JOURNAL})")
    inventory.set_defaults(func=cmd_inventory)

    report = sub.add_parser("audit", help="audit a snapshot or a live DAM folder; write HTML/CSV/Excel reports")
    _connection_options(report)
    report.add_argument("--root", default=DEFAULT_ROOT, help="DAM folder (when no --snapshot)")
    report.add_argument("--snapshot", help="audit this snapshot folder offline")
    report.add_argument("--binaries", action="store_true", help="also read the binaries' XMP (written_back …)")
    report.add_argument("--report", action="append", default=[], help="report file: .html, .csv or .xlsx (repeat)")
    report.add_argument("--export", action="append", default=[],
                        help="fix list export: .csv (AEM metadata import), .txt (path list), .xlsx (one sheet per "
                             "view); repeat")
    report.add_argument("--tag-property", help="in the .csv export, also write the tag names into this "
                                               "multi-value String property (e.g. a custom keywords field)")
    report.set_defaults(func=cmd_audit)

    sync = sub.add_parser("sync", help="write the XMP node the ACS process would write (dry run unless --apply)")
    _connection_options(sync)
    selection(sync, "missing_xmp,stale_xmp,orphan_xmp")
    mode = sync.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="only show the plan (the default)")
    mode.add_argument("--apply", action="store_true", help="write exactly the plan shown")
    sync.add_argument("--show-diff", type=int, default=0, metavar="N", help="print the diffs of N assets")
    sync.add_argument("--journal", default=DEFAULT_JOURNAL, help=f"journal file ({DEFAULT_JOURNAL})")
    sync.add_argument("--writeback", action="store_true",
                      help="then start the XMP writeback for the assets written (one run, one journal run id)")
    writeback_options(sync)
    sync.set_defaults(func=cmd_sync)

    writeback = sub.add_parser("writeback", help="start the XMP writeback workflow (dry run unless --apply)")
    _connection_options(writeback)
    selection(writeback, "in_sync")
    writeback.add_argument("--from-run", help="the assets a journaled sync run applied")
    writeback.add_argument("--journal", default=DEFAULT_JOURNAL, help=f"journal file ({DEFAULT_JOURNAL})")
    writeback_options(writeback)
    writeback.add_argument("--apply", action="store_true", help="start the workflows")
    writeback.set_defaults(func=cmd_writeback)

    undo = sub.add_parser("undo", help="restore the nodes a journaled run changed (dry run unless --apply)")
    _connection_options(undo)
    undo.add_argument("--run", help="run id (default: the latest sync run)")
    undo.add_argument("--journal", default=DEFAULT_JOURNAL, help=f"journal file ({DEFAULT_JOURNAL})")
    undo.add_argument("--apply", action="store_true", help="write exactly the undo shown")
    undo.set_defaults(func=cmd_undo)

    scheduled = sub.add_parser("notebook-report", help="run the audit notebook with papermill (scheduled reports)")
    _connection_options(scheduled)
    scheduled.add_argument("--root", default=DEFAULT_ROOT, help="DAM folder")
    scheduled.add_argument("--output", default="reports/audit.ipynb", help="executed notebook (an .html beside it)")
    scheduled.add_argument("--notebooks", default=str(DEFAULT_NOTEBOOKS), help="notebook folder")
    scheduled.set_defaults(func=cmd_notebook_report)

    sim = sub.add_parser("simulator", help="serve the demo DAM over HTTP (AEM-compatible endpoints)")
    simulator_options(sim, 4502)
    sim.set_defaults(func=cmd_simulator)
    lab = sub.add_parser("lab", help="open JupyterLab on the notebooks (against the demo DAM unless configured)")
    simulator_options(lab, 0)
    lab.add_argument("--notebooks", default=str(DEFAULT_NOTEBOOKS), help="notebook folder")
    lab.add_argument("--lab-port", type=int, default=8888, help="JupyterLab port")
    lab.add_argument("--no-browser", action="store_true", help="do not open a browser")
    lab.set_defaults(func=cmd_lab)

    app = sub.add_parser("app", help="serve the headline and the fix panel as a dashboard (Voilà), no code shown")
    _connection_options(app)
    simulator_options(app, 0)
    app.add_argument("--root", default=DEFAULT_ROOT, help="DAM folder")
    app.add_argument("--app-port", type=int, default=0, help="dashboard port on 127.0.0.1 (default: any free)")
    app.add_argument("--snapshot-dir", default="", help="reuse the snapshot there when it is of this AEM and root")
    app.add_argument("--journal", default=DEFAULT_JOURNAL, help=f"journal file ({DEFAULT_JOURNAL})")
    app.add_argument("--model", default="/var/workflow/models/dam-xmp-writeback", help="writeback workflow model")
    app.set_defaults(func=cmd_app)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .errors import XmpAuditError

    args = build_parser().parse_args(argv)
    if getattr(args, "assets", 0) < 0:
        print("--assets must be >= 0", file=sys.stderr)
        return 2
    try:
        return int(args.func(args))
    except XmpAuditError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
