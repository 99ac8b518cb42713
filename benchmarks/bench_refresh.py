"""Refresh after a sync, and opening a surface, on a large demo DAM — three ways side by side, one simulator each:
- full: ``NotebookSession.refresh(full=True)``, a new inventory;
- before: the incremental refresh as it was (a paths-only listing of every asset, and a last-modified scan with
  no upper bound, so demo assets dated ahead of the clock are all read again);
- now: ``NotebookSession.refresh()`` by the freshness rule (journaled assets, last-modified and created since,
  times ahead of the clock by more than a day left out; no listing).
Each simulator runs in its own process (as AEM is another machine: a repository of 1.4 million nodes in the
client's interpreter makes every full garbage collection of the client walk it, 4-5 s each). Each: open a
session (no snapshot yet: a full inventory), sync ``--changed`` fixable assets through the journal, then the
refresh of the mode; in the "now" simulator also a new session opened on the saved fresh snapshot (what a
second surface does). Usage:
    python benchmarks/bench_refresh.py --size 100000 --changed 1000
"""

from __future__ import annotations

import argparse
import functools
import gc
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta

import bench_memory  # its --serve runs the demo simulator in a process of its own

from xmpaudit.aem.client import AemClient
from xmpaudit.aem.settings import ConnectionSettings
from xmpaudit.read import incremental
from xmpaudit.workspace import session as session_module
from xmpaudit.workspace.session import open_session
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import plan_sync

ROOT = "/content/dam/xmpaudit-demo"


def _timed(client: AemClient, action) -> tuple[float, int, object]:
    requests, start = client.request_count, time.perf_counter()
    value = action()
    return round(time.perf_counter() - start, 1), client.request_count - requests, value


def measure(size: int, changed: int, mode: str) -> list[dict[str, object]]:
    """The rows of one simulator: open, sync, the mode's refresh (and for "now", a second surface opening)."""
    gc.collect()
    os.environ["XMPAUDIT_HOME"] = tempfile.mkdtemp(prefix="bench-refresh-")
    ahead, real_refresh = incremental.CLOCK_AHEAD, session_module.refresh_inventory
    rows = []
    server = subprocess.Popen([sys.executable, bench_memory.__file__, "--serve", str(size)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        url = server.stdout.readline().strip()  # type: ignore[union-attr]
        client = AemClient(ConnectionSettings(url=url, user="admin", password="admin", timeout=600))
        seconds, requests, session = _timed(client, lambda: open_session(
            root=ROOT, client=client, show_progress=False, max_age="1h", surface="benchmark"))
        rows.append({"mode": mode, "step": "open, no snapshot (full inventory)", "s": seconds, "requests": requests})
        chosen = session.audit().fixable().head(changed)
        seconds, requests, _ = _timed(client, lambda: apply_plan(
            client, plan_sync(client, chosen, session.args), Journal(session.journal), show_progress=False))
        rows.append({"mode": mode, "step": f"sync of {len(chosen):,} assets", "s": seconds, "requests": requests})
        if mode == "before":  # the old incremental read: a full listing, no bound on last-modified times
            incremental.CLOCK_AHEAD = timedelta(days=365_000)
            session_module.refresh_inventory = functools.partial(real_refresh, list_all=True)
        try:
            seconds, requests, _ = _timed(client, lambda: session.refresh(full=mode == "full"))
        finally:
            incremental.CLOCK_AHEAD, session_module.refresh_inventory = ahead, real_refresh
        rows.append({"mode": mode, "step": f"Refresh after the sync ({session.origin})", "s": seconds,
                     "requests": requests, "assets": len(session.snapshot.assets)})
        if mode == "now":
            seconds, requests, again = _timed(client, lambda: open_session(
                root=ROOT, client=client, show_progress=False, max_age="1h", surface="benchmark"))
            rows.append({"mode": mode, "step": f"open on the saved fresh snapshot ({again.origin})", "s": seconds,
                         "requests": requests})
    finally:
        server.communicate("", timeout=600)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--changed", type=int, default=1_000)
    parser.add_argument("--modes", nargs="+", default=["now", "before", "full"])
    options = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f}", flush=True)
    for mode in options.modes:
        for row in measure(options.size, options.changed, mode):
            print(" | ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
