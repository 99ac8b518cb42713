"""Sync requests per changed asset and wall time: the previous batching (50 assets per x-www-form-urlencoded POST,
one batch at a time) vs today's defaults (multipart/form-data batches of up to 200 assets, 4 batches in flight).

Both use the same guarded apply (guard read, guarded POST, read-back, backup removal), so the ratio is what the
batching and parallelism buy. One simulator per measurement (a second big simulator in the process distorts the
figures through garbage collection). Usage:
    python benchmarks/bench_sync.py --sizes 10000 100000 --latency-ms 0 100
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from pathlib import Path

from xmpaudit.audit import audit
from xmpaudit.client import AemClient
from xmpaudit.inventory import take_inventory
from xmpaudit.journal import Journal
from xmpaudit.settings import ConnectionSettings
from xmpaudit.simulator import DemoSpec, Simulator, build_demo_repository
from xmpaudit.sync import apply_plan, plan_sync

ROOT = "/content/dam/xmpaudit-demo"
MODES = {
    "before (50/POST, urlencoded, sequential)": {"batch_assets": 50, "multipart": False, "max_parallel": 1},
    "now (multipart ≤200/POST, 4 in flight)": {},
}


def measure(size: int, latency_ms: float, mode: str) -> dict[str, object]:
    """Preview + apply + verify of every fixable asset of a fresh ``size``-asset demo DAM."""
    gc.collect()
    with Simulator(build_demo_repository(DemoSpec(assets=size, real_images=False))) as sim:
        sim.json_max_results = 1_000_000
        client = AemClient(ConnectionSettings(url=sim.url, user="admin", password="admin", timeout=600))
        fixable = audit(take_inventory(client, ROOT, show_progress=False)).fixable()
        sim.latency_s = latency_ms / 1000
        client.requests_sent.clear()
        start = time.perf_counter()
        plan = plan_sync(client, fixable)
        result = apply_plan(client, plan, Journal(Path(tempfile.mkdtemp()) / "j.jsonl"), show_progress=False,
                            **MODES[mode])
        seconds = time.perf_counter() - start
        assert result.ok, result.summary()
        return {"mode": mode, "DAM size": size, "latency": f"{latency_ms:g} ms", "changed assets": len(plan),
                "requests": client.request_count, "req/changed asset": round(client.request_count / len(plan), 4),
                "wall s": round(seconds, 1)}


def table(rows: list[dict[str, object]]) -> str:
    header = [*rows[0], "request ratio", "speed-up"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for before, now in zip(rows[::2], rows[1::2], strict=True):
        ratio = f"{int(before['requests']) / max(int(now['requests']), 1):.1f}×"  # type: ignore[call-overload]
        speed = f"{float(before['wall s']) / max(float(now['wall s']), 0.05):.1f}×"  # type: ignore[arg-type]
        lines.append("| " + " | ".join(str(before[h]) for h in rows[0]) + " | | |")
        lines.append("| " + " | ".join(str(now[h]) for h in rows[0]) + f" | {ratio} | {speed} |")
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
