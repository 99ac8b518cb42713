"""Requests per write step when some XMP nodes are deeper than the reads' depth (read/deep_nodes.py): identical demo
DAMs, one simulator each, side by side in one run; only the deep assets may cost more. Usage:
    python benchmarks/bench_deep_reads.py --assets 10000 --deep 0 10 100
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from xmpaudit.aem.client import AemClient
from xmpaudit.aem.settings import ConnectionSettings
from xmpaudit.audit.compare import audit
from xmpaudit.core.acs import SyncArguments
from xmpaudit.read.inventory import take_inventory
from xmpaudit.simulator import DemoSpec, Simulator, build_demo_repository
from xmpaudit.simulator.repository import Repository
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import plan_sync
from xmpaudit.write.undo import plan_undo

ROOT = "/content/dam/xmpaudit-demo"
STEPS = ("preview", "sync", "undo preview", "undo")


def deepen(repo: Repository, paths: list[str]) -> None:
    """Give each asset's XMP node an item holding nodes three levels further down (past ``p.nodedepth=5``)."""
    for path in paths:
        slot = repo.ensure_node(f"{path}/jcr:content/metadata/dam:predictedTags/1")
        slot.add_child("struct").add_child("inner").add_child("deeper").set("kept", "yes")
    repo.changed()


def measure(assets: int, deep: int) -> dict[str, object]:
    with Simulator(build_demo_repository(DemoSpec(assets=assets, real_images=False))) as sim:
        client = AemClient(ConnectionSettings(url=sim.url, user="admin", password="admin", timeout=300))
        inventory = take_inventory(client, ROOT, SyncArguments(), show_progress=False)
        with_xmp = inventory.assets.query("xmp_present")["path"]
        deepen(sim.repo, with_xmp.astype(str).tolist()[:deep])
        fixable = audit(take_inventory(client, ROOT, SyncArguments(), show_progress=False)).fixable()
        journal = Journal(Path(tempfile.mkdtemp()) / "journal.jsonl")
        counts: dict[str, object] = {"DAM size": assets, "deep XMP nodes": deep}
        for step in STEPS:
            before = client.request_count
            if step == "preview":
                plan = plan_sync(client, fixable, SyncArguments())
            elif step == "sync":
                assert apply_plan(client, plan, journal, show_progress=False).ok
            elif step == "undo preview":
                undo = plan_undo(client, journal)
            else:
                assert apply_plan(client, undo, journal, show_progress=False).ok
            counts[step] = client.request_count - before
        counts["assets written"] = len(plan)
        return counts


def markdown(rows: list[dict[str, object]]) -> str:
    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(r[h]) for h in header) + " |" for r in rows])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--deep", type=int, nargs="+", default=[0, 10, 100])
    options = parser.parse_args()
    print(markdown([measure(options.assets, deep) for deep in options.deep]))
