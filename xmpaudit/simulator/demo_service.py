"""The per-user demo DAM's server process: serves a demo simulator, records itself (pid, URL, start time, assets)
in a JSON file, and exits when stopped or when that record no longer names it (stopped, reset or deleted)."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from xmpaudit.simulator.demo import DemoSpec, build_demo_repository
from xmpaudit.simulator.server import Simulator

WATCH_SECONDS = 0.5  # how often the server checks that its record still names it


def write_record(path: Path, record: dict[str, Any]) -> None:
    """Replace ``path`` with ``record`` at once (readers see the old file or the new one, never half of one)."""
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    partial.write_text(json.dumps(record, indent=1), encoding="utf-8")
    os.chmod(partial, 0o600)  # it holds the instance token that proves the server is this one
    os.replace(partial, path)


def names_me(path: Path) -> bool:
    """True while the record at ``path`` names this process."""
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid()
    except (OSError, ValueError, AttributeError):
        return False


def serve(record_path: Path, spec: DemoSpec, workflow_seconds: float) -> int:
    """Serve the demo DAM on a free loopback port until SIGTERM/SIGINT or until the record stops naming us."""
    instance = secrets.token_urlsafe(24)
    simulator = Simulator(build_demo_repository(spec), port=0, workflow_seconds=workflow_seconds)
    simulator.tokens.add(instance)
    simulator.start()
    write_record(record_path, {
        "pid": os.getpid(), "url": simulator.url, "started_at": datetime.now(timezone.utc).isoformat(
            timespec="seconds"), "assets": spec.assets, "seed": spec.seed, "workflow_seconds": workflow_seconds,
        "instance": instance})
    done = threading.Event()
    for name in ("SIGTERM", "SIGINT", "SIGBREAK"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), lambda *_: done.set())
    try:
        while not done.wait(WATCH_SECONDS) and names_me(record_path):
            pass
    finally:
        simulator.stop()
        if names_me(record_path):
            record_path.unlink(missing_ok=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m xmpaudit.simulator.demo_service", description=__doc__)
    parser.add_argument("--record", required=True, help="the record file (JSON) this server writes and watches")
    parser.add_argument("--assets", type=int, default=DemoSpec.assets)
    parser.add_argument("--seed", type=int, default=DemoSpec.seed)
    parser.add_argument("--workflow-seconds", type=float, default=0.05)
    args = parser.parse_args(argv)
    return serve(Path(args.record), DemoSpec(assets=args.assets, seed=args.seed), args.workflow_seconds)


if __name__ == "__main__":
    raise SystemExit(main())
