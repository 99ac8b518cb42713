"""Audit time and peak memory on synthetic snapshots of N assets, each size measured in fresh subprocesses.

    python benchmarks/bench_audit.py --assets 1000000
    python benchmarks/bench_audit.py --assets 1000000 --compare-with /work/main   # old code, same machine, same run
    python benchmarks/bench_audit.py --assets 10000000 --partition-size 1000000   # also audit_partitions

Snapshots are generated with numpy in the shape the inventory produces (0-8 smart tags per asset; 40% in sync,
25% missing, 20% stale confidences, 10% stale order, 5% orphan), in partitions of ``--partition-size`` assets,
saved as Parquet. A fresh process then loads them (concatenating partitions with ``Snapshot.concat``) and runs
``audit()``; peak RSS is that process's ru_maxrss (load + audit), so generation does not count. With
``--partition-size`` smaller than N, ``audit_partitions`` is measured too (one partition in memory at a time).
``--compare-with`` runs the benchmark script of another checkout (e.g. the main branch) in its own subprocess.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from xmpaudit.audit.compare import audit
from xmpaudit.audit.partitions import audit_partitions
from xmpaudit.core.acs import SyncArguments
from xmpaudit.read.frames import ASSET_COLUMNS, SMART_TAG_COLUMNS, XMP_TAG_COLUMNS, path_dtype, typed
from xmpaudit.read.snapshot import Snapshot

VOCABULARY = pd.CategoricalDtype(pd.Index([f"tag {i}" for i in range(400)], dtype="string"))
MAX_TAGS = 8


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _within(counts: np.ndarray) -> np.ndarray:
    """0..count-1 for each group, concatenated."""
    total = int(counts.sum())
    return np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)


def synthetic_snapshot(assets: int, seed: int = 1, part: int = 0) -> Snapshot:
    """A snapshot of ``assets`` synthetic assets (paths unique per ``part``)."""
    rng = np.random.default_rng(seed + part)
    number = np.arange(assets)
    paths = np.array([f"/content/dam/bench/p{part:03d}/f{i % 500:03d}/asset-{i:07d}.jpg" for i in number], dtype=object)
    case = rng.choice(5, assets, p=[0.4, 0.25, 0.2, 0.1, 0.05])  # in sync, missing, stale conf, stale order, orphan
    tag_counts = np.where(case == 4, 0, rng.integers(0, MAX_TAGS + 1, assets))
    owner = np.repeat(number, tag_counts)
    order = _within(tag_counts)
    names = rng.integers(0, len(VOCABULARY.categories), len(owner))
    confidence = rng.uniform(0.3, 1.0, len(owner)).round(4)
    dtype = path_dtype(paths)
    position_names = pd.CategoricalDtype(pd.Index([str(i) for i in range(MAX_TAGS + 1)], dtype="string"))
    smart_tags = pd.DataFrame({
        "asset_id": owner.astype(np.int32), "order": order.astype(np.int32),
        "node_name": pd.Categorical.from_codes(order, dtype=position_names),
        "name": pd.Categorical.from_codes(names, dtype=VOCABULARY), "confidence": confidence,
        "confidence_problem": pd.Categorical.from_codes(np.full(len(owner), -1), categories=pd.Index([],
                                                                                                     dtype="string")),
        "is_custom": rng.random(len(owner)) < 0.1,
    })
    has_xmp = np.isin(case, [0, 2, 3, 4])
    xmp_counts = np.where(has_xmp, np.where(case == 4, 1, tag_counts), 0)
    xmp_owner = np.repeat(number, xmp_counts)
    within = _within(xmp_counts)
    starts = np.cumsum(tag_counts) - tag_counts
    reverse = case[xmp_owner] == 3
    source = starts[xmp_owner] + np.where(reverse, tag_counts[xmp_owner] - 1 - within, within)
    orphan = case[xmp_owner] == 4
    source = np.where(orphan, 0, source)
    xmp_names = np.where(orphan, 0, names[source] if len(names) else 0)
    xmp_confidence = np.where(orphan, 0.5, confidence[source] if len(confidence) else 0.5)
    stale = case[xmp_owner] == 2
    xmp_confidence = np.where(stale, (xmp_confidence * 0.8).round(4), xmp_confidence)
    xmp_tags = pd.DataFrame({
        "asset_id": xmp_owner.astype(np.int32), "index": (within + 1).astype(np.int32),
        "node_name": pd.Categorical.from_codes(within + 1, dtype=position_names),
        "name": pd.Categorical.from_codes(xmp_names, dtype=VOCABULARY), "confidence": xmp_confidence,
        "item_node_type": pd.Categorical.from_codes(np.zeros(len(xmp_owner), dtype=np.int8),
                                                    categories=pd.Index(["xmpStruct"], dtype="string")),
        "item_shape": np.zeros(len(xmp_owner), dtype=np.uint8),
    })
    folders = np.array([p.rsplit("/", 1)[0] for p in paths[:500]], dtype=object)
    frame = pd.DataFrame({
        "asset_id": number.astype(np.int32), "path": paths,
        "folder": pd.Categorical(folders[number % 500]), "name": [p.rsplit("/", 1)[1] for p in paths],
        "has_metadata": True, "smart_tag_count": tag_counts, "xmp_present": has_xmp,
        "xmp_node_type": pd.Categorical(np.where(has_xmp, "xmpArray", None)),
        "xmp_array_type": pd.Categorical(np.where(has_xmp, "rdf:Seq", None)),
        "xmp_array_size": pd.array(np.where(has_xmp, xmp_counts, 0), dtype="Int64"),
        "xmp_item_count": pd.array(np.where(has_xmp, xmp_counts, 0), dtype="Int32"),
        "xmp_shape": np.zeros(assets, dtype=np.uint8), "last_modified": None,
    })
    frame["xmp_array_size"] = frame["xmp_array_size"].where(has_xmp)
    frame["xmp_item_count"] = frame["xmp_item_count"].where(has_xmp)
    return Snapshot(typed(frame, ASSET_COLUMNS), typed(smart_tags, SMART_TAG_COLUMNS, dtype),
                    typed(xmp_tags, XMP_TAG_COLUMNS, dtype), {"arguments": SyncArguments().to_process_args()})


def generate(folder: Path, assets: int, partition_size: int) -> dict[str, float]:
    """Write the synthetic snapshot of ``assets`` assets as partitions ``part-NNN`` under ``folder``."""
    start = time.perf_counter()
    for part, first in enumerate(range(0, assets, partition_size)):
        synthetic_snapshot(min(partition_size, assets - first), part=part).save(folder / f"part-{part:03d}")
    return {"generated_s": time.perf_counter() - start}


def frames_mb(snapshot: Snapshot) -> float:
    """Memory of the three frames, counting the paths that the ``asset`` columns share only once."""
    total = int(snapshot.assets.memory_usage(deep=True).sum())
    for frame in (snapshot.smart_tags, snapshot.xmp_tags):
        total += int(frame.drop(columns="asset").memory_usage(deep=True).sum()) + frame["asset"].array.codes.nbytes
    return total / 2**20


def measure_whole(folder: Path) -> dict[str, float | str]:
    """Load every partition into one snapshot, then audit it (this process's peak RSS is the figure)."""
    base = peak_rss_mb()
    start = time.perf_counter()
    parts = [Snapshot.load(p) for p in sorted(folder.glob("part-*"))]
    snapshot = parts[0] if len(parts) == 1 else Snapshot.concat(parts)
    del parts
    loaded = time.perf_counter() - start
    rss_loaded = peak_rss_mb()
    frame_mb = frames_mb(snapshot)
    start = time.perf_counter()
    result = audit(snapshot)
    audited = time.perf_counter() - start
    start = time.perf_counter()
    coverage = result.coverage()
    covered = time.perf_counter() - start
    counts = result.counts()
    return {"assets": len(snapshot.assets), "smart_tags": len(snapshot.smart_tags), "xmp_tags": len(snapshot.xmp_tags),
            "load_s": loaded, "audit_s": audited, "coverage_s": covered, "frames_mb": frame_mb,
            "base_rss_mb": base, "peak_rss_loaded_mb": rss_loaded, "peak_rss_mb": peak_rss_mb(),
            "folders": len(coverage), "statuses": ", ".join(f"{k} {v:,}" for k, v in counts.items() if v)}


def measure_partitions(folder: Path) -> dict[str, float | str]:
    start = time.perf_counter()
    combined = audit_partitions(folder, keep_fixable=False)
    elapsed = time.perf_counter() - start
    counts = combined.counts()
    return {"partitions": len(combined.partitions), "audit_partitions_s": elapsed, "peak_rss_mb": peak_rss_mb(),
            "statuses": ", ".join(f"{k} {v:,}" for k, v in counts.items() if v)}


def _child(*arguments: str) -> dict[str, float | str]:
    out = subprocess.run([sys.executable, __file__, *arguments], capture_output=True, text=True, check=False)
    if out.returncode:
        raise SystemExit(f"benchmark child {arguments} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare_with(checkout: Path, assets: int) -> dict[str, float]:
    """Run another checkout's own bench_audit.py (its own code and generator) and read its table row."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    out = subprocess.run([sys.executable, str(checkout / "benchmarks" / "bench_audit.py"), "--assets", str(assets)],
                         capture_output=True, text=True, check=False, cwd=checkout, env=env)
    if out.returncode:
        raise SystemExit(f"{checkout}'s benchmark failed:\n{out.stderr[-3000:]}")
    row = next(line for line in out.stdout.splitlines() if re.match(r"\| [\d,]+ \|", line))
    cells = [c.strip().replace(",", "") for c in row.strip("|").split("|")]
    return {"audit_s": float(cells[4]), "peak_rss_before_mb": float(cells[6]), "peak_rss_mb": float(cells[7])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assets", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--partition-size", type=int, default=None, help="assets per Parquet partition")
    parser.add_argument("--compare-with", type=Path, help="another checkout whose bench_audit.py to run (old code)")
    parser.add_argument("--workdir", type=Path, help="where to write the synthetic snapshots (default: a temp dir)")
    parser.add_argument("--child", nargs=2, metavar=("TASK", "FOLDER"), help=argparse.SUPPRESS)
    parser.add_argument("--child-assets", type=int, default=0, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        task, folder = options.child[0], Path(options.child[1])
        if task == "generate":
            print(json.dumps(generate(folder, options.child_assets, options.partition_size)))
        else:
            print(json.dumps(measure_whole(folder) if task == "whole" else measure_partitions(folder)))
        return
    print("| assets | smart tags | XMP tags | frames in memory (MB) | load (s) | audit (s) | assets/s "
          "| peak RSS after load (MB) | peak RSS load + audit (MB) |\n|---|---|---|---|---|---|---|---|---|")
    notes = []
    for assets in options.assets:
        partition = options.partition_size or assets
        root = Path(tempfile.mkdtemp(prefix="bench-audit-", dir=options.workdir))
        try:
            generated = _child("--child", "generate", str(root), "--child-assets", str(assets), "--partition-size",
                               str(partition))
            whole = _child("--child", "whole", str(root))
            print(f"| {assets:,} | {whole['smart_tags']:,} | {whole['xmp_tags']:,} | {whole['frames_mb']:,.0f} "
                  f"| {whole['load_s']:.1f} | {whole['audit_s']:.2f} | {assets / whole['audit_s']:,.0f} "
                  f"| {whole['peak_rss_loaded_mb']:,.0f} | {whole['peak_rss_mb']:,.0f} |", flush=True)
            notes.append(f"{assets:,}: generated in {generated['generated_s']:.0f} s; coverage() "
                         f"{whole['coverage_s']:.2f} s; statuses: {whole['statuses']}")
            if partition < assets:
                parts = _child("--child", "partitions", str(root))
                notes.append(f"{assets:,} as {parts['partitions']} partitions with audit_partitions: "
                             f"{parts['audit_partitions_s']:.1f} s (load included), peak RSS "
                             f"{parts['peak_rss_mb']:,.0f} MB; statuses: {parts['statuses']}")
        finally:
            shutil.rmtree(root, ignore_errors=True)
        if options.compare_with:
            old = compare_with(options.compare_with, assets)
            notes.append(f"{assets:,} with {options.compare_with}'s code (its own generator, frames built in "
                         f"memory): audit {old['audit_s']:.1f} s, peak RSS {old['peak_rss_mb']:,.0f} MB "
                         f"({old['peak_rss_before_mb']:,.0f} MB before the audit) -> this code "
                         f"{old['audit_s'] / whole['audit_s']:.1f}x faster")
    print("\n" + "\n".join(f"- {n}" for n in notes))


if __name__ == "__main__":
    main()
