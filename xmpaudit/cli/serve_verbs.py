"""The verbs that start something: scheduled notebook reports, the simulator, JupyterLab, the app."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from xmpaudit.cli.alert_options import REPORT_SURFACE, alert_exit
from xmpaudit.cli.options import DEFAULT_NOTEBOOKS, connection_env, process_args_text
from xmpaudit.simulator.serve import serve_demo, start_demo
from xmpaudit.ui.app import AppSettings, start_app

REPORT_NOTEBOOK = "02_coverage_audit.ipynb"


def report_parameters(args: argparse.Namespace) -> dict[str, Any]:
    """What ``notebook-report`` injects into the audit notebook's parameters cell."""
    return {"ROOT": args.root, "PROCESS_ARGS": process_args_text(args), "JOURNAL": str(Path(args.journal).resolve()),
            "REFRESH": True, "SURFACE": REPORT_SURFACE}


def cmd_notebook_report(args: argparse.Namespace) -> int:
    """Run the audit notebook with papermill (parameters injected) and save it, plus HTML, for schedules."""
    import papermill

    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    started = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    os.environ.update(connection_env(args))  # the kernel papermill starts connects as this verb was told
    papermill.execute_notebook(str(Path(args.notebooks or DEFAULT_NOTEBOOKS) / REPORT_NOTEBOOK), str(output),
                               parameters=report_parameters(args), cwd=str(output.parent), progress_bar=not args.quiet,
                               kernel_name="python3")
    html_path = output.with_suffix(".html")
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--no-input", str(output),
                    "--output", html_path.name], check=True, capture_output=True)
    print(f"Executed notebook: {output}\nHTML report: {html_path}")
    return alert_exit(args, started)


def cmd_simulator(args: argparse.Namespace) -> int:
    return serve_demo(args)


def cmd_lab(args: argparse.Namespace) -> int:
    env = {**os.environ, **connection_env(args)}  # the notebooks' kernels connect as this verb was told
    simulator = None
    if not env.get("XMPAUDIT_URL") and not env.get("XMPAUDIT_PROFILE"):
        simulator = start_demo(args)
        env.update(XMPAUDIT_URL=simulator.url, XMPAUDIT_USER="admin", XMPAUDIT_PASSWORD="admin")
        print(f"Demo DAM simulator at {simulator.url}; notebooks will use it.", flush=True)
    notebooks = Path(args.notebooks or DEFAULT_NOTEBOOKS).resolve()
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

    env = {**os.environ, **connection_env(args)}
    simulator = None
    if not env.get("XMPAUDIT_URL") and not env.get("XMPAUDIT_PROFILE"):
        simulator = start_demo(args)
        env.update(XMPAUDIT_URL=simulator.url, XMPAUDIT_USER="admin", XMPAUDIT_PASSWORD="admin")
        print(f"Demo DAM simulator with {args.assets} assets at {simulator.url}", flush=True)
    settings = AppSettings(root=args.root, process_args=process_args_text(args) or "",
                           snapshot_dir=str(Path(args.snapshot_dir).resolve()) if args.snapshot_dir else "",
                           journal=str(Path(args.journal).resolve()), writeback_model=args.model,
                           max_age=args.max_age or "", refresh=args.refresh)

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
