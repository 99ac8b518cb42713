"""Requests per asset and assets/s for inventory and sync, xmpaudit vs the naive per-asset approach.

Both run in the same process against identical simulator DAMs. Usage:
    python benchmarks/bench_requests.py --sizes 1000 10000 [--out benchmarks/RESULTS.md]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import tempfile
import time
from pathlib import Path

from xmpaudit.aem.client import AemClient
from xmpaudit.aem.settings import ConnectionSettings
from xmpaudit.audit.compare import audit
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import AemNotFoundError
from xmpaudit.read.inventory import take_inventory
from xmpaudit.simulator import DemoSpec, Simulator, build_demo_repository
from xmpaudit.simulator.cloud_limits import CloudLimits
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import plan_sync

ROOT = "/content/dam/xmpaudit-demo"


def client_for(sim: Simulator) -> AemClient:
    return AemClient(ConnectionSettings(url=sim.url, user="admin", password="admin", timeout=300))


def naive_inventory(client: AemClient) -> int:
    """List paths page by page, then GET each asset's metadata subtree."""
    offset, paths = 0, []
    while True:
        page = client.get_json("/bin/querybuilder.json", {"path": ROOT, "type": "dam:Asset", "p.limit": "1000",
                                                          "p.offset": str(offset), "orderby": "path"})
        paths += [hit["path"] for hit in page["hits"]]
        offset += page["results"]
        if not page["more"]:
            break
    for path in paths:
        with contextlib.suppress(AemNotFoundError):  # assets without metadata answer 404
            client.get_json(f"{path}/jcr:content/metadata.2.json")
    return len(paths)


def naive_sync(client: AemClient, plan) -> None:
    """Per asset: read the node, import the new one, read it back."""
    for change in plan.changes:
        parent, _, name = change.node_path.rpartition("/")
        client.get_json(f"{parent}.1.json")
        client.sling_post(parent, [(":operation", "import"), (":contentType", "json"), (":name", name),
                                   (":replace", "true"), (":content", json.dumps(change.after))])
        client.get_json(f"{change.node_path}.1.json")


def measure(size: int, latency_ms: float = 0.0) -> list[dict[str, object]]:
    rows = []
    spec = DemoSpec(assets=size, real_images=False)
    latency = latency_ms / 1000
    # xmpaudit under the AEM as a Cloud Service limits (the simulator's default); the naive way without them
    with Simulator(build_demo_repository(spec), latency_s=latency) as ours, \
            Simulator(build_demo_repository(spec), latency_s=latency, limits=CloudLimits.off()) as naive:
        ours.json_max_results = naive.json_max_results = 1_000_000
        fast, slow = client_for(ours), client_for(naive)

        start = time.perf_counter()
        snapshot = take_inventory(fast, ROOT, SyncArguments(), show_progress=False)
        fast_s, fast_n = time.perf_counter() - start, fast.request_count
        start = time.perf_counter()
        naive_inventory(slow)
        slow_s, slow_n = time.perf_counter() - start, slow.request_count
        rows.append(row("inventory", size, size, fast_n, fast_s, slow_n, slow_s, latency_ms))

        fixable = audit(snapshot).fixable()
        fast.requests_sent.clear()
        start = time.perf_counter()
        plan = plan_sync(fast, fixable, SyncArguments())
        result = apply_plan(fast, plan, Journal(Path(tempfile.mkdtemp()) / "j.jsonl"), show_progress=False)
        fast_s, fast_n = time.perf_counter() - start, fast.request_count
        assert result.ok, result.summary()
        slow.requests_sent.clear()
        start = time.perf_counter()
        naive_sync(slow, plan)
        slow_s, slow_n = time.perf_counter() - start, slow.request_count
        rows.append(row("sync (preview+apply+verify)", size, len(plan), fast_n, fast_s, slow_n, slow_s, latency_ms))
    return rows


def row(step: str, size: int, assets: int, fast_n: int, fast_s: float, slow_n: int, slow_s: float,
        latency_ms: float) -> dict:
    return {
        "step": step, "DAM size": size, "latency": f"{latency_ms:g} ms", "assets": assets,
        "xmpaudit req/asset": round(fast_n / assets, 4), "naive req/asset": round(slow_n / assets, 2),
        "request ratio": f"{slow_n / max(fast_n, 1):.0f}×",
        "xmpaudit assets/s": round(assets / fast_s), "naive assets/s": round(assets / slow_s),
        "speed-up": f"{slow_s / fast_s:.1f}×",
    }


def markdown(rows: list[dict]) -> str:
    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(r[h]) for h in header) + " |" for r in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--latency-ms", type=float, nargs="+", default=[0.0],
                        help="simulated server latency per request (a real AEM is not on loopback)")
    parser.add_argument("--out", type=Path, help="write the markdown table to this file too")
    options = parser.parse_args()
    table = markdown([r for latency in options.latency_ms for size in options.sizes for r in measure(size, latency)])
    print(table)
    if options.out:
        options.out.write_text(table + "\n", encoding="utf-8")
