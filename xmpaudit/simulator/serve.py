"""Serve the demo DAM from the command line (``python -m xmpaudit.simulator`` and ``xmpaudit simulator``)."""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xmpaudit.simulator.server import Simulator


def add_simulator_options(parser: argparse.ArgumentParser, port: int) -> None:
    """The options that choose the demo DAM and where it listens."""
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=port, help=f"simulator port (default {port}; 0 = any free)")
    parser.add_argument("--assets", type=int, default=360, help="demo assets to generate (default 360)")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the demo DAM")
    parser.add_argument("--workflow-seconds", type=float, default=0.5, help="how long a writeback workflow runs")


def start_demo(args: argparse.Namespace) -> Simulator:
    """A started simulator serving a demo DAM as ``args`` (see ``add_simulator_options``) describe."""
    from xmpaudit.simulator.demo import DemoSpec, build_demo_repository  # here: the CLI's --help needs only options
    from xmpaudit.simulator.server import Simulator

    repo = build_demo_repository(DemoSpec(assets=args.assets, seed=args.seed))
    return Simulator(repo, host=args.host, port=args.port, workflow_seconds=args.workflow_seconds).start()


def serve_demo(args: argparse.Namespace) -> int:
    """Serve the demo DAM until interrupted; prints the settings that point xmpaudit at it."""
    simulator = start_demo(args)
    print(f"xmpaudit simulator: {args.assets} demo assets at {simulator.url} (user admin/admin, token demo-token)")
    print(f"  export XMPAUDIT_URL={simulator.url} XMPAUDIT_USER=admin XMPAUDIT_PASSWORD=admin")
    print("Press Ctrl+C to stop.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        simulator.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m xmpaudit.simulator", description=__doc__)
    add_simulator_options(parser, 4502)
    args = parser.parse_args(argv)
    if args.assets < 0:
        parser.error("--assets must be >= 0")
    return serve_demo(args)
