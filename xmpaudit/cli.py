"""Command line: ``xmpaudit simulator`` serves the demo DAM; ``xmpaudit lab`` opens the notebooks on it."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def _start_simulator(args: argparse.Namespace):
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xmpaudit", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def simulator_options(p: argparse.ArgumentParser, port: int) -> None:
        p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
        p.add_argument("--port", type=int, default=port, help=f"simulator port (default {port}; 0 = any free)")
        p.add_argument("--assets", type=int, default=360, help="demo assets to generate (default 360)")
        p.add_argument("--seed", type=int, default=7, help="random seed of the demo DAM")
        p.add_argument("--workflow-seconds", type=float, default=0.5, help="how long a writeback workflow runs")

    sim = sub.add_parser("simulator", help="serve the demo DAM over HTTP (AEM-compatible endpoints)")
    simulator_options(sim, 4502)
    sim.set_defaults(func=cmd_simulator)
    lab = sub.add_parser("lab", help="open JupyterLab on the notebooks (against the demo DAM unless configured)")
    simulator_options(lab, 0)
    lab.add_argument("--notebooks", default=str(DEFAULT_NOTEBOOKS), help="notebook folder")
    lab.add_argument("--lab-port", type=int, default=8888, help="JupyterLab port")
    lab.add_argument("--no-browser", action="store_true", help="do not open a browser")
    lab.set_defaults(func=cmd_lab)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "assets", 1) < 0:
        print("--assets must be >= 0", file=sys.stderr)
        return 2
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
