"""Find the backup nodes sync runs left in AEM (under a folder, or the ones a run journaled) and remove them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from xmpaudit.aem.client import AemClient
from xmpaudit.core.progress import Progress
from xmpaudit.read.folder_reads import read_assets
from xmpaudit.read.hits import hit_metadata
from xmpaudit.read.path_reads import iter_asset_pages
from xmpaudit.write import journal as events
from xmpaudit.write.journal import Journal, new_run_id
from xmpaudit.write.plan import metadata_path
from xmpaudit.write.settle import remove_backups
from xmpaudit.write.sling_params import BACKUP_PREFIX

COLUMNS = ["asset", "backup", "items"]


@dataclass
class CleanupPlan:
    """The backup nodes found (one row each: asset, backup path, child count) and where they were looked for;
    ``theirs``: the journaled ones holding another writer's node a run could not put back."""

    where: str
    backups: pd.DataFrame
    theirs: frozenset[str] = frozenset()

    def __len__(self) -> int:
        return len(self.backups)

    def summary(self) -> str:
        return f"cleanup plan: {len(self)} backup nodes under {self.where}" if len(self) else \
            f"cleanup plan: no backup node under {self.where}"


@dataclass
class CleanupResult:
    """What the cleanup did: the run id, backups removed and the ones left (with the error)."""

    run: str
    removed: list[str]
    left: dict[str, str]

    @property
    def ok(self) -> bool:
        return not self.left

    def summary(self) -> str:
        text = f"cleanup run {self.run}: {len(self.removed)} backup nodes removed"
        return text + (f"; {len(self.left)} could NOT be removed" if self.left else "")


def backups_in(hit: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The backup nodes in one asset hit's metadata, by path."""
    metadata = hit_metadata(hit)
    if metadata is None:
        return {}
    base = metadata_path(hit["jcr:path"])
    return {f"{base}/{name}": node for name, node in metadata.items()
            if name.startswith(BACKUP_PREFIX) and isinstance(node, dict)}


def _plan(where: str, hits: Iterable[dict[str, Any]]) -> CleanupPlan:
    rows = [{"asset": hit["jcr:path"], "backup": path, "items": sum(isinstance(v, dict) for v in node.values()),
             "node": node} for hit in hits for path, node in backups_in(hit).items()]
    frame = pd.DataFrame(rows, columns=[*COLUMNS, "node"])
    return CleanupPlan(where, frame.sort_values("backup", ignore_index=True))


def find_backups(client: AemClient, root: str, *, show_progress: bool = False) -> CleanupPlan:
    """The backup nodes (named ``BACKUP_PREFIX…``) in the metadata of every asset under ``root``."""
    with Progress(None, f"Looking for backup nodes under {root}", show=show_progress) as progress:
        hits = [hit for page in iter_asset_pages(client, root, progress=progress) for hit in page]
    return _plan(root, hits)


def journaled_backups(client: AemClient, journal: Journal, run: str) -> CleanupPlan:
    """The backup nodes ``run`` journaled as left behind that are still there."""
    left = [r for r in journal.read() if r.get("run") == run and r.get("event") == events.BACKUP_LEFT]
    paths = {r["backup"] for r in left}
    assets = sorted({path.split("/jcr:content/metadata/", 1)[0] for path in paths})
    hits = read_assets(client, assets) if assets else {}
    plan = _plan(f"run {run}", hits.values())
    plan.backups = plan.backups[plan.backups["backup"].isin(paths)].reset_index(drop=True)
    plan.theirs = frozenset(r["backup"] for r in left if r.get("holds_theirs"))
    return plan


def apply_cleanup(client: AemClient, plan: CleanupPlan, journal: Journal, *, run: str | None = None
                  ) -> CleanupResult:
    """Remove the backups of ``plan``; each is journaled (its content first, so it can be put back by hand)."""
    run = run or new_run_id("cleanup")
    rows = plan.backups.to_dict("records")
    journal.append([{"run": run, "kind": "cleanup", "event": events.INTENT, "asset": r["asset"],
                     "node_path": r["backup"], "before": r["node"], "after": None} for r in rows])
    left = remove_backups(client, [r["backup"] for r in rows])
    removed = [r["backup"] for r in rows if r["backup"] not in left]
    journal.append([{"run": run, "kind": "cleanup", "event": events.BACKUP_LEFT if r["backup"] in left
                     else events.BACKUP_REMOVED, "asset": r["asset"], "node_path": r["backup"],
                     "backup": r["backup"], **({"error": left[r["backup"]]} if r["backup"] in left else {})}
                    for r in rows])
    return CleanupResult(run, removed, left)
