"""Inventory of a large simulated DAM under the AEM as a Cloud Service limits: requests per asset, failed queries,
wall time and peak memory, partitioned (xmpaudit) vs today's sequential ``p.offset`` paging (limits off — past
100,000 assets it fails under them). Each measurement runs in a fresh subprocess with its own simulator. Usage:
    python benchmarks/bench_inventory.py --runs partitioned:1000000:100 sequential:100000:100 partitioned:100000:100
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

from xmpaudit.acs import SyncArguments
from xmpaudit.client import AemClient
from xmpaudit.inventory import iter_asset_pages, take_inventory
from xmpaudit.settings import ConnectionSettings
from xmpaudit.simulator import Simulator
from xmpaudit.simulator.bulk_dam import BULK_ROOT, BulkSpec, build_bulk_repository
from xmpaudit.simulator.cloud_limits import CloudLimits
from xmpaudit.snapshot import Snapshot


def measure(mode: str, size: int, latency_ms: float, workers: int) -> dict[str, object]:
    repo = build_bulk_repository(BulkSpec(assets=size))
    limits = CloudLimits() if mode == "partitioned" else CloudLimits.off()
    with Simulator(repo, latency_s=latency_ms / 1000, limits=limits) as sim:
        client = AemClient(ConnectionSettings(url=sim.url, user="admin", password="admin", timeout=300))
        start = time.perf_counter()
        if mode == "partitioned":
            snapshot = take_inventory(client, BULK_ROOT, workers=workers, show_progress=False)
        else:
            hits = [hit for page in iter_asset_pages(client, BULK_ROOT) for hit in page]
            snapshot = Snapshot.from_hits(hits, SyncArguments())
        seconds = time.perf_counter() - start
    assert len(snapshot.assets) == size, (len(snapshot.assets), size)
    return {
        "mode": mode, "assets": size, "latency ms": latency_ms,
        "limits": "AEMaaCS (100k reads, 60 s, 8 KB line)" if mode == "partitioned" else "off",
        "workers": workers if mode == "partitioned" else 1, "requests": client.request_count,
        "req/asset": round(client.request_count / size, 5), "failed queries": 0, "wall s": round(seconds, 1),
        "peak RSS GB (simulator + client)": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 2),
    }


def markdown(rows: list[dict]) -> str:
    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(r[h]) for h in header) + " |" for r in rows])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", nargs="+", default=["partitioned:100000:100", "sequential:100000:100"],
                        help="mode:assets:latency_ms, mode = partitioned | sequential")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    options = parser.parse_args()
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
            rows.append({"mode": mode, "assets": int(size), "latency ms": float(latency), "failed": "yes"})
            continue
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), flush=True)
    print(markdown(rows))
