"""The verbs that start something: scheduled notebook reports, the simulator, JupyterLab, the app."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from types import FrameType

from xmpaudit.cli.alert_options import REPORT_SURFACE, alert_exit
from xmpaudit.cli.demo_verbs import use_shared_demo
from xmpaudit.cli.options import DEFAULT_NOTEBOOKS, connection_env, process_args_text
from xmpaudit.cli.quiet_jupyter import QUIET_KERNEL, QUIET_LAB
from xmpaudit.core.errors import ConfigError
from xmpaudit.core.progress import bars_fit
from xmpaudit.core.returned_memory import kernel_environment
from xmpaudit.simulator.serve import serve_demo

REPORT_NOTEBOOK = "02_coverage_audit.ipynb"


def report_parameters(args: argparse.Namespace) -> dict[str, str | bool | None]:
    """What ``notebook-report`` injects into the audit notebook's parameters cell."""
    return {"ROOT": args.root, "PROCESS_ARGS": process_args_text(args), "JOURNAL": str(Path(args.journal).resolve()),
            "REFRESH": True, "SURFACE": REPORT_SURFACE}


def cmd_notebook_report(args: argparse.Namespace) -> int:
    """Run the audit notebook with papermill (parameters injected) and save it, plus HTML, for schedules."""
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    started = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    os.environ.update(connection_env(args))  # the kernel papermill starts connects as this verb was told
    _execute(report_notebook(args), output, report_parameters(args), progress_bar=not args.quiet and bars_fit())
    html_path = output.with_suffix(".html")
    done = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--no-input", str(output),
                           "--output", html_path.name], check=False, capture_output=True, text=True)
    if done.returncode:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise ConfigError(f"the executed notebook {output} could not be converted to HTML: {last}")
    print(f"Executed notebook: {output}\nHTML report: {html_path}")
    return alert_exit(args, started)


def report_notebook(args: argparse.Namespace) -> Path:
    """The audit notebook in --notebooks (else the kit's); one ConfigError when it is not there."""
    folder = Path(args.notebooks or DEFAULT_NOTEBOOKS).expanduser()
    if not folder.is_dir():
        raise ConfigError(f"--notebooks {folder}: no such folder")
    notebook = folder / REPORT_NOTEBOOK
    if not notebook.is_file():
        raise ConfigError(f"--notebooks {folder} holds no {REPORT_NOTEBOOK}")
    return notebook


def _execute(notebook: Path, output: Path, parameters: dict[str, str | bool | None], progress_bar: bool) -> None:
    """Run ``notebook`` with papermill into ``output``; a cell that fails (an unreachable AEM …) is one
    ConfigError naming the error and where the executed notebook is."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    try:
        papermill.execute_notebook(str(notebook), str(output), parameters=parameters, cwd=str(output.parent),
                                   progress_bar=progress_bar, kernel_name="python3",
                                   extra_arguments=QUIET_KERNEL)
    except PapermillExecutionError as exc:
        evalue = (exc.evalue or "").strip().splitlines()
        raise ConfigError(f"the audit notebook stopped in cell {exc.exec_count}: {exc.ename}: "
                          f"{evalue[0] if evalue else ''} (executed notebook: {output})") from None


def cmd_simulator(args: argparse.Namespace) -> int:
    return serve_demo(args)


def cmd_lab(args: argparse.Namespace) -> int:
    env = {**os.environ, **connection_env(args)}  # the notebooks' kernels connect as this verb was told
    notebooks = Path(args.notebooks or DEFAULT_NOTEBOOKS).resolve()
    if not notebooks.is_dir():
        print(f"Notebook folder {notebooks} does not exist", file=sys.stderr)
        return 2
    use_shared_demo(args, env)
    command = [sys.executable, "-m", "jupyter", "lab", f"--notebook-dir={notebooks}", f"--port={args.lab_port}",
               *QUIET_LAB]
    if args.no_browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers and CI machines often run as root
    try:
        return subprocess.call(command, env=kernel_environment(env))  # its kernels give freed memory back
    except KeyboardInterrupt:
        return 0


def cmd_app(args: argparse.Namespace) -> int:
    """Serve the headline and the fix panel as a dashboard without code (Voilà) on a loopback port."""
    import tempfile

    from xmpaudit.ui.app import AppSettings, start_app

    env = {**os.environ, **connection_env(args)}
    use_shared_demo(args, env)
    settings = AppSettings(root=args.root, process_args=process_args_text(args) or "",
                           snapshot_dir=str(Path(args.snapshot_dir).resolve()) if args.snapshot_dir else "",
                           journal=str(Path(args.journal).resolve()), writeback_model=args.model,
                           max_age=args.max_age or "", refresh=args.refresh)

    def stop(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)  # a terminated app stops its Voilà server
    with tempfile.TemporaryDirectory(prefix="xmpaudit-app-") as folder:
        try:
            process, url = start_app(Path(folder), settings, env, args.app_port, Path(folder) / "voila.log")
        except ConfigError as exc:  # Voilà did not start: one line (the log's last words in it)
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
