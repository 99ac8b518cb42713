"""Building frames from QueryBuilder hits: time and peak memory of ``FrameBuilder`` for N assets.

    python benchmarks/bench_frames.py --assets 1000000 --compare-with /work/main

Hits are generated page by page (1,000 per page, like the inventory's pages) and dropped after ``add_hits``, so
the peak RSS is the builder's own. Only the ``FrameBuilder(args).add_hits/build`` API is used, so
``--compare-with`` can run this same script against another checkout's code (its own subprocess).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from xmpaudit.core.acs import SyncArguments
from xmpaudit.read.frames import FrameBuilder

PAGE = 1000
VOCABULARY = [f"tag {i}" for i in range(400)]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def page_of_hits(first: int, count: int, rng: random.Random) -> list[dict[str, Any]]:
    """Full hits as QueryBuilder renders them: smart tags and, for most assets, an XMP array node."""
    hits = []
    for number in range(first, first + count):
        tags = [(rng.choice(VOCABULARY), round(rng.uniform(0.3, 1.0), 4)) for _ in range(rng.randint(0, 8))]
        metadata: dict[str, Any] = {
            "jcr:primaryType": "nt:unstructured", "dc:title": f"asset {number}",
            "predictedTags": {"jcr:primaryType": "nt:unstructured", **{
                str(i): {"jcr:primaryType": "nt:unstructured", "name": n, "confidence": c, "isCustom": False}
                for i, (n, c) in enumerate(tags)}},
        }
        if rng.random() < 0.75:
            metadata["dam:predictedTags"] = {
                "jcr:primaryType": "nt:unstructured", "xmpNodeType": "xmpArray", "xmpArrayType": "rdf:Seq",
                "xmpArraySize": len(tags), **{
                    str(i): {"jcr:primaryType": "nt:unstructured", "xmpNodeType": "xmpStruct",
                             "dam:predictedTagName": n, "dam:predictedTagConfidence": c}
                    for i, (n, c) in enumerate(tags, start=1)}}
        hits.append({"jcr:path": f"/content/dam/bench/f{number % 500:03d}/asset-{number:07d}.jpg",
                     "jcr:primaryType": "dam:Asset",
                     "jcr:content": {"jcr:primaryType": "dam:AssetContent", "jcr:lastModified": "Wed Nov 25 2026",
                                     "metadata": metadata}})
    return hits


def measure(assets: int) -> dict[str, float]:
    rng = random.Random(1)
    base = peak_rss_mb()
    builder = FrameBuilder(SyncArguments())
    generating = adding = 0.0
    for first in range(0, assets, PAGE):
        start = time.perf_counter()
        hits = page_of_hits(first, min(PAGE, assets - first), rng)
        generating += time.perf_counter() - start
        start = time.perf_counter()
        builder.add_hits(hits)
        adding += time.perf_counter() - start
        del hits
    start = time.perf_counter()
    frames = builder.build()
    built = time.perf_counter() - start
    frame_mb = sum(int(f.memory_usage(deep=True).sum()) for f in frames) / 2**20
    return {"add_hits_s": adding, "build_s": built, "generate_s": generating, "base_mb": base,
            "peak_mb": peak_rss_mb(), "frames_mb_deep": frame_mb, "rows": float(len(frames[1]))}


def _run(assets: int, checkout: Path | None) -> dict[str, float]:
    env = dict(os.environ)
    if checkout is not None:
        env["PYTHONPATH"] = str(checkout)
    out = subprocess.run([sys.executable, __file__, "--child", str(assets)], capture_output=True, text=True,
                         env=env, cwd=checkout, check=False)
    if out.returncode:
        raise SystemExit(f"benchmark child failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--compare-with", type=Path, help="another checkout whose FrameBuilder to measure too")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        print(json.dumps(measure(options.child)))
        return
    print("| code | assets | smart tag rows | add_hits (s) | build (s) | peak RSS above start (MB) |")
    print("|---|---|---|---|---|---|")
    runs = [("this", None)] + ([(str(options.compare_with), options.compare_with)] if options.compare_with else [])
    for label, checkout in runs:
        result = _run(options.assets, checkout)
        print(f"| {label} | {options.assets:,} | {int(result['rows']):,} | {result['add_hits_s']:.1f} "
              f"| {result['build_s']:.1f} | {result['peak_mb'] - result['base_mb']:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
