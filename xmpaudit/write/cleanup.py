"""Find the backup nodes sync runs left in AEM (under a folder, or the ones a run journaled) and remove them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from xmpaudit.aem.client import AemClient
from xmpaudit.core.errors import AemNotFoundError, ConfigError
from xmpaudit.core.jcrpath import validate_path
from xmpaudit.core.progress import Progress
from xmpaudit.read.folder_reads import read_assets
from xmpaudit.read.hits import hit_metadata, metadata_child
from xmpaudit.read.path_reads import iter_asset_pages
from xmpaudit.write import journal as events
from xmpaudit.write.journal import Journal, new_run_id
from xmpaudit.write.lease import live_leases
from xmpaudit.write.plan import metadata_path
from xmpaudit.write.settle import put_back_backup, remove_backups
from xmpaudit.write.sling_params import BACKUP_PREFIX

COLUMNS = ["asset", "backup", "items", "action"]
REMOVE = "remove"
PUT_BACK = "put back"  # nothing is in the node's place: the backup is the only copy, it goes back
IN_FLIGHT = "kept: its run may still be in flight"
THEIRS = "holds another writer's node (journaled)"


@dataclass
class CleanupPlan:
    """The backup nodes found (one row each: asset, backup path, child count, action: remove, put back, or kept
    because its run may be in flight; ``holds``: another writer's node) and where they were looked for;
    ``theirs``: the journaled ones holding another writer's node a run could not put back."""

    where: str
    backups: pd.DataFrame
    theirs: frozenset[str] = frozenset()

    def __len__(self) -> int:
        return len(self.backups)

    def summary(self) -> str:
        if not len(self):
            return f"cleanup plan: no backup node under {self.where}"
        kept = int((self.backups["action"] == IN_FLIGHT).sum())
        text = f"cleanup plan: {len(self)} backup nodes under {self.where}"
        return text + (f" ({kept} kept: their run may still be in flight)" if kept else "")


@dataclass
class CleanupResult:
    """What the cleanup did: the run id, backups removed (or put back in place) and the ones left (with why)."""

    run: str
    removed: list[str]
    left: dict[str, str]

    @property
    def ok(self) -> bool:
        return not self.left

    def summary(self) -> str:
        text = f"cleanup run {self.run}: {len(self.removed)} backup nodes removed or put back"
        return text + (f"; {len(self.left)} could NOT be removed" if self.left else "")


def backups_in(hit: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The backup nodes in one asset hit's metadata, by path."""
    metadata = hit_metadata(hit)
    if metadata is None:
        return {}
    base = metadata_path(hit["jcr:path"])
    return {f"{base}/{name}": node for name, node in metadata.items()
            if name.startswith(BACKUP_PREFIX) and isinstance(node, dict)}


@dataclass(frozen=True)
class _Known:
    """What the journal and AEM's leases say about backups: the node each would go back to, which hold another
    writer's node, and which runs may be in flight."""

    node_paths: dict[str, str]
    theirs: frozenset[str]
    in_flight: frozenset[str]


def _known(client: AemClient, journal: Journal | None) -> _Known:
    records = journal.read() if journal is not None else []
    node_paths = {r["backup"]: r["node_path"] for r in records if r.get("event") == events.INTENT and r.get("backup")}
    theirs = frozenset(r["backup"] for r in records if r.get("event") == events.BACKUP_LEFT and r.get("holds_theirs"))
    return _Known(node_paths, theirs, frozenset(live_leases(client)))


def _row(hit: dict[str, Any], backup: str, node: dict[str, Any], known: _Known) -> dict[str, Any]:
    name = known.node_paths.get(backup, "").rsplit("/", 1)[-1]
    in_place = metadata_child(hit, name) if name else None
    key = backup.rsplit("/", 1)[-1].removeprefix(BACKUP_PREFIX)
    action = IN_FLIGHT if key in known.in_flight else PUT_BACK if name and in_place is None else REMOVE
    return {"asset": hit["jcr:path"], "backup": backup, "items": sum(isinstance(v, dict) for v in node.values()),
            "action": action, "holds": THEIRS if backup in known.theirs else "", "node": node,
            "node_path": known.node_paths.get(backup, ""), "in_place": in_place}


def _plan(where: str, hits: Iterable[dict[str, Any]], known: _Known) -> CleanupPlan:
    rows = [_row(hit, path, node, known) for hit in hits for path, node in backups_in(hit).items()]
    frame = pd.DataFrame(rows, columns=[*COLUMNS, "holds", "node", "node_path", "in_place"])
    return CleanupPlan(where, frame.sort_values("backup", ignore_index=True), known.theirs)


def find_backups(client: AemClient, root: str, *, show_progress: bool = False,
                 journal: Journal | None = None) -> CleanupPlan:
    """The backup nodes (named ``BACKUP_PREFIX…``) in the metadata of every asset under ``root`` (a folder that
    does not exist is refused); ``journal`` tells which hold another writer's node and where each goes back."""
    try:
        client.get_json(f"{validate_path(root)}.json")
    except AemNotFoundError:
        raise ConfigError(f"{root} does not exist on {client.base_url}: no backup node to look for") from None
    with Progress(None, f"Looking for backup nodes under {root}", show=show_progress) as progress:
        hits = [hit for page in iter_asset_pages(client, root, progress=progress) for hit in page]
    return _plan(root, hits, _known(client, journal))


def journaled_backups(client: AemClient, journal: Journal, run: str) -> CleanupPlan:
    """The backup nodes of ``run`` still in AEM: the ones it journaled as left and every one its intents name
    (a run that crashed journaled only its intents, each with the backup path, before moving anything)."""
    if not run.strip():
        raise ConfigError("No run id given (an empty --run): name the run (its id is in the journal: "
                          "Journal(path).runs())")
    records = [r for r in journal.read() if r.get("run") == run]
    paths = {r["backup"] for r in records if r.get("event") in (events.BACKUP_LEFT, events.INTENT) and r.get("backup")}
    assets = sorted({path.split("/jcr:content/metadata/", 1)[0] for path in paths})
    hits = read_assets(client, assets) if assets else {}
    plan = _plan(f"run {run}", hits.values(), _known(client, journal))
    plan.backups = plan.backups[plan.backups["backup"].isin(paths)].reset_index(drop=True)
    return plan


def apply_cleanup(client: AemClient, plan: CleanupPlan, journal: Journal, *, run: str | None = None
                  ) -> CleanupResult:
    """Remove the backups of ``plan`` (each journaled, its content first, so it can be put back by hand); a
    backup whose node has nothing in its place goes back there instead; a run in flight's backups are left."""
    run = run or new_run_id("cleanup")
    frame = plan.backups
    rows = frame[frame["action"] != IN_FLIGHT].to_dict("records")
    journal.append([{"run": run, "kind": "cleanup", "event": events.INTENT, "asset": r["asset"],
                     "node_path": r["backup"], "before": r["node"], "after": None} for r in rows])
    left = {r["backup"]: IN_FLIGHT for r in frame[frame["action"] == IN_FLIGHT].to_dict("records")}
    for r in rows:
        if r["action"] == PUT_BACK:
            error = put_back_backup(client, r["backup"], r["node_path"])
            if error:
                left[r["backup"]] = error
    left.update(remove_backups(client, [r["backup"] for r in rows if r["action"] == REMOVE]))
    journal.append([{"run": run, "kind": "cleanup", "event": events.BACKUP_LEFT if r["backup"] in left
                     else events.BACKUP_PUT_BACK if r["action"] == PUT_BACK else events.BACKUP_REMOVED,
                     "asset": r["asset"], "node_path": r["backup"], "backup": r["backup"],
                     **({"error": left[r["backup"]]} if r["backup"] in left else {})} for r in rows])
    return CleanupResult(run, [r["backup"] for r in rows if r["backup"] not in left], left)
