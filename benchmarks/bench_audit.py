"""Audit diff time and peak memory on synthetic frames of N assets (default 1,000,000).

    python benchmarks/bench_audit.py --assets 1000000

Frames are generated with numpy in the shape the inventory produces (about 5 smart tags per asset, every audit
case present), then ``audit()`` runs on them. Peak memory is the process's peak resident set size (ru_maxrss)
before and after the audit: pandas' Arrow-backed strings are not visible to tracemalloc.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd

from xmpaudit.acs import SyncArguments
from xmpaudit.audit import audit
from xmpaudit.frames import ASSET_COLUMNS, SMART_TAG_COLUMNS, XMP_TAG_COLUMNS
from xmpaudit.snapshot import Snapshot

VOCABULARY = np.array([f"tag {i}" for i in range(400)], dtype=object)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic_snapshot(assets: int, seed: int = 1) -> Snapshot:
    rng = np.random.default_rng(seed)
    paths = np.array([f"/content/dam/bench/f{i % 500:03d}/asset-{i:07d}.jpg" for i in range(assets)], dtype=object)
    folders = np.array([p.rsplit("/", 1)[0] for p in paths], dtype=object)
    tag_counts = rng.integers(0, 9, assets)  # 0..8 smart tags
    case = rng.choice(5, assets, p=[0.4, 0.25, 0.2, 0.1, 0.05])  # in sync, missing, stale conf, stale order, orphan
    owner = np.repeat(np.arange(assets), tag_counts)
    order = np.concatenate([np.arange(n) for n in tag_counts]) if assets else np.array([], dtype=int)
    names = VOCABULARY[rng.integers(0, len(VOCABULARY), len(owner))]
    confidence = rng.uniform(0.3, 1.0, len(owner)).round(4)
    smart_tags = pd.DataFrame({"asset": paths[owner], "order": order, "node_name": order.astype(str), "name": names,
                               "confidence": confidence, "confidence_problem": None,
                               "is_custom": rng.random(len(owner)) < 0.1})
    has_xmp = np.isin(case, [0, 2, 3, 4])
    xmp_owner_mask = has_xmp[owner]
    xmp = smart_tags.loc[xmp_owner_mask, ["asset", "order", "name", "confidence"]].copy()
    stale_conf = (case == 2)[owner][xmp_owner_mask]
    xmp.loc[stale_conf, "confidence"] = (xmp.loc[stale_conf, "confidence"] * 0.8).round(4)
    stale_order = (case == 3)[owner][xmp_owner_mask]
    xmp["index"] = xmp["order"] + 1
    xmp.loc[stale_order, "index"] = xmp.loc[stale_order].groupby("asset")["order"].transform("max").to_numpy() - \
        xmp.loc[stale_order, "order"].to_numpy() + 1
    orphan_assets = np.flatnonzero(case == 4)
    orphans = pd.DataFrame({"asset": paths[orphan_assets], "index": 1, "name": "old tag", "confidence": 0.5})
    xmp = pd.concat([xmp.drop(columns="order"), orphans], ignore_index=True).sort_values(["asset", "index"])
    xmp["node_name"] = xmp["index"].astype(str)
    xmp["item_node_type"] = "xmpStruct"
    orphan_mask = case == 4
    smart_counts = np.where(orphan_mask, 0, tag_counts)
    smart_tags = smart_tags[~orphan_mask[owner]]
    xmp_items = np.where(has_xmp, np.where(orphan_mask, 1, tag_counts), 0)
    frame = pd.DataFrame({
        "path": paths, "folder": folders, "name": [p.rsplit("/", 1)[1] for p in paths], "has_metadata": True,
        "smart_tag_count": smart_counts, "xmp_present": has_xmp,
        "xmp_node_type": np.where(has_xmp, "xmpArray", None), "xmp_array_type": np.where(has_xmp, "rdf:Seq", None),
        "xmp_array_size": np.where(has_xmp, xmp_items, 0), "xmp_item_count": np.where(has_xmp, xmp_items, 0),
        "last_modified": None,
    })
    frame["xmp_array_size"] = frame["xmp_array_size"].where(has_xmp)
    frame["xmp_item_count"] = frame["xmp_item_count"].where(has_xmp)
    return Snapshot(frame.astype(ASSET_COLUMNS), smart_tags[list(SMART_TAG_COLUMNS)].astype(SMART_TAG_COLUMNS),
                    xmp[list(XMP_TAG_COLUMNS)].astype(XMP_TAG_COLUMNS),
                    {"arguments": SyncArguments().to_process_args()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--assets", type=int, default=1_000_000)
    options = parser.parse_args()
    start = time.perf_counter()
    snapshot = synthetic_snapshot(options.assets)
    built = time.perf_counter() - start
    before = peak_rss_mb()
    start = time.perf_counter()
    result = audit(snapshot)
    elapsed = time.perf_counter() - start
    after = peak_rss_mb()
    counts = result.counts()
    print(f"| assets | smart tags | XMP tags | frames built (s) | audit (s) | assets/s | peak RSS before audit (MB) "
          f"| peak RSS after audit (MB) |\n|---|---|---|---|---|---|---|---|\n"
          f"| {options.assets:,} | {len(snapshot.smart_tags):,} | {len(snapshot.xmp_tags):,} | {built:.1f} "
          f"| {elapsed:.1f} | {options.assets / elapsed:,.0f} | {before:,.0f} | {after:,.0f} |")
    print("\nstatuses:", ", ".join(f"{k} {v:,}" for k, v in counts.items() if v))


if __name__ == "__main__":
    main()
