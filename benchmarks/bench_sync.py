"""Sync requests per changed asset and wall time, three ways side by side:
- before: 50 assets per x-www-form-urlencoded POST, one batch at a time, every read a path-listing query;
- path reads: multipart/form-data batches, 4 requests in flight, every read a path-listing query;
- now (the defaults): as path reads, plus whole-folder pages (no paths in the URL) for the preview, guard and
  read-back wherever a folder's changed assets are dense, and batches filled across a folder's pages.

All use the same guarded apply (guard read, guarded POST, read-back, backup removal). "apply" counts the guard
reads, POSTs, read-back and backup removal; "with preview" adds the preview's reads. One simulator per measurement
(a second big simulator in the process distorts the figures through garbage collection). Usage:
    python benchmarks/bench_sync.py --sizes 10000 100000 --latency-ms 0 100
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from pathlib import Path

from xmpaudit.aem.client import AemClient
from xmpaudit.aem.settings import ConnectionSettings
from xmpaudit.audit.compare import audit
from xmpaudit.core.acs import SyncArguments
from xmpaudit.read.inventory import take_inventory
from xmpaudit.simulator import DemoSpec, Simulator, build_demo_repository
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import plan_sync

ROOT = "/content/dam/xmpaudit-demo"
MODES = {
    "before": {"batch_assets": 50, "multipart": False, "max_parallel": 1, "folder_pages": False},
    "path reads": {"batch_assets": 200, "folder_pages": False},
    "now": {},
}


def measure(size: int, latency_ms: float, mode: str) -> dict[str, object]:
    """Preview + apply + verify of every fixable asset of a fresh ``size``-asset demo DAM."""
    gc.collect()
    with Simulator(build_demo_repository(DemoSpec(assets=size, real_images=False))) as sim:
        sim.json_max_results = 1_000_000
        client = AemClient(ConnectionSettings(url=sim.url, user="admin", password="admin", timeout=600))
        fixable = audit(take_inventory(client, ROOT, SyncArguments(), show_progress=False)).fixable()
        sim.latency_s = latency_ms / 1000
        client.requests_sent.clear()
        start = time.perf_counter()
        plan = plan_sync(client, fixable, SyncArguments(), folder_pages=MODES[mode].get("folder_pages", True))
        preview = client.request_count
        result = apply_plan(client, plan, Journal(Path(tempfile.mkdtemp()) / "j.jsonl"), show_progress=False,
                            **MODES[mode])
        seconds = time.perf_counter() - start
        assert result.ok, result.summary()
        return {"mode": mode, "DAM size": size, "latency": f"{latency_ms:g} ms", "changed assets": len(plan),
                "preview requests": preview, "apply requests": result.requests,
                "apply req/changed": round(result.requests / len(plan), 4),
                "with preview req/changed": round(client.request_count / len(plan), 4),
                "wall s": round(seconds, 1)}


def table(rows: list[dict[str, object]]) -> str:
    """Markdown rows; each mode's request ratio and speed-up are against the "before" row of its group."""
    header = [*rows[0], "fewer requests", "speed-up"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for start in range(0, len(rows), len(MODES)):
        group = rows[start : start + len(MODES)]
        before = group[0]
        for row in group:
            requests = int(row["preview requests"]) + int(row["apply requests"])  # type: ignore[call-overload]
            before_requests = int(before["preview requests"]) + int(before["apply requests"])  # type: ignore[call-overload]
            ratio = f"{before_requests / max(requests, 1):.1f}×"
            speed = f"{float(before['wall s']) / max(float(row['wall s']), 0.05):.1f}×"  # type: ignore[arg-type]
            lines.append("| " + " | ".join(str(row[h]) for h in rows[0]) + f" | {ratio} | {speed} |")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--latency-ms", type=float, nargs="+", default=[0.0, 100.0],
                        help="simulated server latency per request (a real AEM is not on loopback)")
    parser.add_argument("--out", type=Path, help="write the markdown table to this file too")
    options = parser.parse_args()
    rows = [measure(size, latency, mode) for latency in options.latency_ms for size in options.sizes
            for mode in MODES]
    text = table(rows)
    print(text)
    if options.out:
        options.out.write_text(text + "\n", encoding="utf-8")
