"""The minimumConfidence what-if on N synthetic assets: one sort and a 101-threshold sweep vs full audits at a
threshold each, side by side in one run (the same snapshot, the same process).

    python benchmarks/bench_whatif.py --assets 1000000

The snapshot is bench_audit's (0-8 smart tags per asset, confidences 0.3-1.0; 40% in sync, 25% missing, 20% stale
confidences, 10% stale order, 5% orphan), built in memory. Measured: the audit at the step's threshold (0.5, which
the what-if starts from), ``ThresholdModel.build`` (sorting once), the sweep of 0, 0.01, … 1, and full audits at
three thresholds (their mean times 101 is what a sweep by audits would cost). The counts of the sweep at those
thresholds are checked against the audits.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from bench_audit import peak_rss_mb, synthetic_snapshot

from xmpaudit.audit.compare import audit
from xmpaudit.audit.whatif import SWEEP_COLUMNS, ThresholdModel, arguments_at, sweep_thresholds
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.statuses import NODE_IN_SYNC

CHECKED = (0.35, 0.62, 0.9)


def _timed(work: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    value = work()
    return value, time.perf_counter() - start


def measure(assets: int) -> dict[str, float]:
    snapshot = synthetic_snapshot(assets)
    args = SyncArguments(minimum_confidence=0.5)
    now, audit_s = _timed(lambda: audit(snapshot, args))
    model, build_s = _timed(lambda: ThresholdModel.build(now, snapshot.smart_tags))
    sweep, sweep_s = _timed(lambda: model.sweep(sweep_thresholds(CHECKED, model.current)))
    sweep = sweep.set_index("threshold")
    audits = []
    in_sync_now = now.assets["status"].isin(NODE_IN_SYNC).to_numpy()
    for threshold in CHECKED:
        result, seconds = _timed(lambda t=threshold: audit(snapshot, arguments_at(args, t)))
        audits.append(seconds)
        statuses = result.assets["status"]
        invalid = (statuses == "invalid").to_numpy()
        measured = {"tags_written": int(result.assets["expected_count"].to_numpy()[~invalid].sum()),
                    "in_sync_to_stale": int((in_sync_now & (statuses == "stale_xmp").to_numpy()).sum())}
        swept = {k: int(sweep.loc[threshold, k]) for k in measured}
        if swept != measured:
            raise SystemExit(f"sweep {swept} differs from the audit {measured} at {threshold}")
    one_audit = sum(audits) / len(audits)
    return {"assets": assets, "smart_tags": len(snapshot.smart_tags), "audit_s": audit_s, "build_s": build_s,
            "sweep_s": sweep_s, "thresholds": len(sweep), "one_audit_s": one_audit,
            "audits_101_s": one_audit * 101, "ratio": one_audit * 101 / (build_s + sweep_s),
            "peak_rss_mb": peak_rss_mb(), "columns": len(SWEEP_COLUMNS)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assets", type=int, nargs="+", default=[1_000_000])
    options = parser.parse_args()
    print("| assets | smart tags | audit at 0.5 (s) | sort once (s) | sweep of 0…1 (s) | one full audit (s) "
          "| 101 full audits (s, est.) | sweep faster by | peak RSS (MB) |\n|---|---|---|---|---|---|---|---|---|")
    for assets in options.assets:
        row = measure(assets)
        print(f"| {row['assets']:,} | {row['smart_tags']:,} | {row['audit_s']:.2f} | {row['build_s']:.2f} "
              f"| {row['sweep_s']:.2f} | {row['one_audit_s']:.2f} | {row['audits_101_s']:.0f} | {row['ratio']:.0f}x "
              f"| {row['peak_rss_mb']:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
