"""Kernel memory of the fix panel over a working session: the RSS after opening, after a Preview and Sync of 1,000
assets, and after each of five Refreshes, for the app's page (panel, headline, what-if, history) and notebook 03's
panel, beside one snapshot's size (its frames in memory), and the mean time of a Refresh. A session that keeps
nothing it replaced stays within one snapshot of where it started. ``--kernels kit plain``: a kernel as the kit
starts it (``core/returned_memory.KERNEL_ENVIRONMENT``: C malloc for Python and Arrow, a fixed mmap threshold) and
one without those settings, side by side; ``--code DIR`` measures another checkout (e.g. main) in the same run.

Each measurement runs in its own subprocess, the simulator in another one (as AEM is another machine). Usage:
    PYTHONPATH=. python benchmarks/bench_memory.py --assets 100000 --kernels kit plain --code /path/to/main
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = "/content/dam/xmpaudit-demo"
SYNCED = 1000
REFRESHES = 5


def rss_mb() -> int:
    """The process's resident memory now, after a full garbage collection."""
    gc.collect()
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    raise RuntimeError("no /proc/self/status: Linux only")


def serve(size: int) -> None:
    """Run a demo simulator of ``size`` assets until stdin closes; print its URL first."""
    from xmpaudit.simulator import DemoSpec, Simulator, build_demo_repository

    with Simulator(build_demo_repository(DemoSpec(assets=size, real_images=False))) as sim:
        sim.json_max_results = 1_000_000
        print(sim.url, flush=True)
        sys.stdin.read()


def snapshot_mb(snapshot: object) -> float:
    """The snapshot's frames in memory (deep)."""
    frames = [value for value in vars(snapshot).values() if hasattr(value, "memory_usage")]
    return round(sum(frame.memory_usage(deep=True).sum() for frame in frames) / 2**20, 1)


def notebook_panel(session: object) -> object:
    """Notebook 03's panel: on the session; a checkout without ``from_session`` made its own as 03 did then."""
    from xmpaudit.ui.panel import AuditPanel
    from xmpaudit.write.journal import Journal

    if hasattr(AuditPanel, "from_session"):
        return AuditPanel.from_session(session)
    return AuditPanel(session.client, session.audit(), Journal(session.journal), session.snapshot.smart_tags,
                      root=session.root)


def measure(surface: str, url: str) -> dict[str, object]:
    """Open ``surface`` (app or notebook) on the AEM at ``url``; Preview + Sync, then five Refreshes."""
    from xmpaudit.aem.client import AemClient
    from xmpaudit.aem.settings import ConnectionSettings
    from xmpaudit.ui.app import AppSettings, Dashboard
    from xmpaudit.workspace.session import open_session

    home = Path(tempfile.mkdtemp())
    os.environ["XMPAUDIT_HOME"] = str(home)
    client = AemClient(ConnectionSettings(url=url, user="admin", password="admin", timeout=600))
    session = open_session(root=ROOT, journal=home / "j.jsonl", show_progress=False, client=client)
    page = Dashboard(session, AppSettings(root=ROOT)) if surface == "app" else None
    panel = page.panel if page is not None else notebook_panel(session)
    done = page.wait if page is not None else (lambda: None)
    row = {"surface": surface, "assets": len(session.snapshot.assets), "snapshot MB": snapshot_mb(session.snapshot),
           "opened": rss_mb()}
    panel.select(panel.filtered().index[:SYNCED])
    panel.preview_button.click()
    panel.wait()
    panel.sync_button.click()
    panel.wait()
    done()
    row["preview + sync"] = rss_mb()
    seconds = 0.0
    for number in range(1, REFRESHES + 1):
        start = time.perf_counter()
        panel.refresh_button.click()
        panel.wait()
        done()
        seconds += time.perf_counter() - start
        assert panel.messages[-1].startswith("Refreshed"), panel.messages[-1]
        row[f"refresh {number}"] = rss_mb()
    row["refresh 1 → 5"] = f"{row[f'refresh {REFRESHES}'] - row['refresh 1']:+}"
    row["opened → refresh 5"] = f"{row[f'refresh {REFRESHES}'] - row['opened']:+}"
    row["mean Refresh s"] = round(seconds / REFRESHES, 1)
    return row


def kernel_env(kernel: str, code: str) -> dict[str, str]:
    """The measuring process's environment: ``kit`` as the kit starts its kernels, ``plain`` without those."""
    from xmpaudit.core.returned_memory import KERNEL_ENVIRONMENT  # this checkout's, also for another --code

    plain = {name: value for name, value in os.environ.items() if name not in KERNEL_ENVIRONMENT}
    return {**(KERNEL_ENVIRONMENT if kernel == "kit" else {}), **plain, "PYTHONPATH": code, "MPLBACKEND": "Agg"}


def run(surface: str, size: int, code: str, kernel: str) -> dict[str, object]:
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(size)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        url = server.stdout.readline().strip()  # type: ignore[union-attr]
        env = kernel_env(kernel, code)
        done = subprocess.run([sys.executable, __file__, "--one", surface, url], env=env, capture_output=True,
                              text=True, check=True)
    finally:
        server.communicate("", timeout=600)
    return {"code": code, "kernel": kernel, **json.loads(done.stdout.strip().splitlines()[-1])}


def markdown(rows: list[dict]) -> str:
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(f"{row.get(c, '')}" for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--surfaces", nargs="+", default=["app", "notebook"])
    parser.add_argument("--code", nargs="*", default=[], help="other checkouts to measure beside this one")
    parser.add_argument("--kernels", nargs="+", choices=["kit", "plain"], default=["kit", "plain"],
                        help="kit: a kernel as `xmpaudit lab`/`app` start it; plain: without its allocator settings")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve:
        serve(options.serve)
        return
    if options.one:
        print(json.dumps(measure(*options.one)))
        return
    here = str(Path(__file__).resolve().parent.parent)
    rows = []
    for surface in options.surfaces:
        for code in [here, *options.code]:
            for kernel in options.kernels:
                rows.append(run(surface, options.assets, code, kernel))
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)  # each as it is done: the runs are long
    print(markdown(rows))


if __name__ == "__main__":
    main()
