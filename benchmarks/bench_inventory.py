"""Inventory of a large simulated DAM under the AEM as a Cloud Service limits: requests per asset, failed queries,
wall time and peak memory — partitioned (xmpaudit) vs today's sequential ``p.offset`` paging (limits off: past
100,000 assets it fails under them).

Each measurement runs in a fresh subprocess, and its simulator in another one (as a real AEM is another machine:
the client's and the server's work do not share one Python interpreter). Usage:
    python benchmarks/bench_inventory.py --runs partitioned:1000000:100 sequential:100000:100
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

from xmpaudit.aem.client import AemClient
from xmpaudit.aem.settings import ConnectionSettings
from xmpaudit.core.acs import SyncArguments
from xmpaudit.read.frames import FrameBuilder
from xmpaudit.read.inventory import take_inventory
from xmpaudit.read.path_reads import iter_asset_pages
from xmpaudit.read.snapshot import Snapshot
from xmpaudit.simulator import Simulator
from xmpaudit.simulator.bulk_dam import BULK_ROOT, BulkSpec, build_bulk_repository
from xmpaudit.simulator.cloud_limits import CloudLimits


def peak_rss_gb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 2)


def serve(size: int, latency_ms: float, limited: bool) -> None:
    """Run a simulator with ``size`` bulk assets until stdin closes; print its URL, then its peak RSS."""
    limits = CloudLimits() if limited else CloudLimits.off()
    with Simulator(build_bulk_repository(BulkSpec(assets=size)), latency_s=latency_ms / 1000, limits=limits) as sim:
        print(sim.url, flush=True)
        sys.stdin.read()
        print(json.dumps({"server RSS GB": peak_rss_gb(), "server requests": sim.stats.total,
                          "failed requests": sum(sim.stats.errors.values())}), flush=True)


def measure(mode: str, size: int, latency_ms: float, workers: int) -> dict[str, object]:
    limited = mode == "partitioned"
    server = subprocess.Popen([sys.executable, __file__, "--serve", f"{size}:{latency_ms}:{int(limited)}"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        url = server.stdout.readline().strip()  # type: ignore[union-attr]
        client = AemClient(ConnectionSettings(url=url, user="admin", password="admin", timeout=300))
        start = time.perf_counter()
        if limited:
            snapshot = take_inventory(client, BULK_ROOT, SyncArguments(), workers=workers, show_progress=False)
        else:  # as take_inventory did before partitioning: one FrameBuilder fed page by page
            builder = FrameBuilder(SyncArguments())
            for page in iter_asset_pages(client, BULK_ROOT):
                builder.add_hits(page)
            snapshot = Snapshot(*builder.build())
        seconds = time.perf_counter() - start
    finally:
        server_out, _ = server.communicate("", timeout=600)
    assert len(snapshot.assets) == size, (len(snapshot.assets), size)
    return {
        "mode": mode, "assets": size, "latency ms": latency_ms,
        "limits": "AEMaaCS (100k reads, 60 s, 8 KB line, forms)" if limited else "off",
        "workers": workers if limited else 1, "requests": client.request_count,
        "req/asset": round(client.request_count / size, 5), "wall s": round(seconds, 1),
        "client peak RSS GB": peak_rss_gb(), **json.loads(server_out.strip().splitlines()[-1]),
    }


def markdown(rows: list[dict]) -> str:
    header = list(dict.fromkeys(key for row in rows for key in row))
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(r.get(h, "")) for h in header) + " |" for r in rows])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", nargs="+", default=["partitioned:100000:100", "sequential:100000:100"],
                        help="mode:assets:latency_ms, mode = partitioned | sequential")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve:
        size, latency, limited = options.serve.split(":")
        serve(int(size), float(latency), limited == "1")
        sys.exit(0)
    if options.one:
        mode, size, latency = options.one.split(":")
        print(json.dumps(measure(mode, int(size), float(latency), options.workers)))
        sys.exit(0)
    rows = []
    for run in options.runs:
        done = subprocess.run([sys.executable, __file__, "--one", run, "--workers", str(options.workers)],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            mode, size, latency = run.split(":")
            print(f"{run} failed: {done.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
            rows.append({"mode": mode, "assets": int(size), "latency ms": float(latency), "failed requests": "run"})
            continue
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), flush=True)
    print(markdown(rows))
