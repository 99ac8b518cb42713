"""Helpers for the write-protocol tests: one asset per route on the simulator, the protocol's invariants as
checks, and recovery by undo."""

from __future__ import annotations

from typing import Any

import pandas as pd

from tests.conftest import DEMO_ROOT, xmp_node
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import AemError
from xmpaudit.write.apply import ApplyResult, apply_plan
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import PlannedChange, SyncPlan, plan_sync
from xmpaudit.write.sling_params import BACKUP_PREFIX, backup_path
from xmpaudit.write.undo import plan_undo
from xmpaudit.write.write_routes import BATCH, IMPORT, OWN_PATH, route

FOLDER = f"{DEMO_ROOT}/protocol"
ODD = SyncArguments(sequence_name='odd"tags')  # a node name no multipart field name carries: the import route
OLD = xmp_node([("old one", 0.4), ("old two", 0.3)])
# route -> (asset name, arguments): one asset that travels that way
ROUTES = {BATCH: ("plain.jpg", SyncArguments()), OWN_PATH: ('say "cheese".jpg', SyncArguments()),
          IMPORT: ("big.jpg", ODD)}


def add_asset(simulator, name: str, args: SyncArguments, xmp: dict[str, Any] | None = OLD) -> str:
    """An asset with two smart tags and (by default) an out-of-date XMP node at ``args``' sequence name."""
    meta: dict[str, Any] = {"jcr:primaryType": "nt:unstructured", "predictedTags": {
        "jcr:primaryType": "nt:unstructured",
        "0": {"jcr:primaryType": "nt:unstructured", "name": "dog", "confidence": 0.9, "isCustom": False},
        "1": {"jcr:primaryType": "nt:unstructured", "name": "cat", "confidence": 0.8, "isCustom": False}}}
    if xmp is not None:
        meta[args.sequence_name] = xmp
    content = {"jcr:primaryType": "dam:Asset",
               "jcr:content": {"jcr:primaryType": "dam:AssetContent", "metadata": meta}}
    repo = simulator.repo
    with repo.lock:
        repo.import_json(repo.ensure_node(FOLDER, "sling:Folder"), name, content)
        repo.changed()
    return f"{FOLDER}/{name}"


def route_plan(simulator, client, way: str) -> tuple[SyncPlan, PlannedChange]:
    """A sync plan of one asset that travels ``way`` (its node replaced: the write makes a backup)."""
    name, args = ROUTES[way]
    path = add_asset(simulator, name, args)
    plan = plan_sync(client, [path], args)
    assert len(plan.changes) == 1 and route(plan.changes[0], multipart=True) == way
    return plan, plan.changes[0]


def metadata(simulator, change: PlannedChange) -> dict[str, Any]:
    repo = simulator.repo
    with repo.lock:
        return repo.to_json(repo.node(change.node_path.rsplit("/", 1)[0]), None)


def backups_of(simulator, change: PlannedChange) -> dict[str, Any]:
    return {k: v for k, v in metadata(simulator, change).items() if k.startswith(BACKUP_PREFIX)}


def verified(row: Any) -> bool:
    return row["verified"] is not pd.NA and bool(row["verified"])


def assert_no_copy_lost(simulator, change: PlannedChange, result: ApplyResult, journal: Journal) -> None:
    """The protocol's promise after any run: the node replaced is in place, or in this run's backup which the row
    reports and the journal names as left; it is gone only when the new node reads back as planned and verified."""
    in_place = metadata(simulator, change).get(change.node_path.rsplit("/", 1)[-1])
    backup = backup_path(change, result.run)
    held = backups_of(simulator, change).get(backup.rsplit("/", 1)[-1])
    row = result.outcomes.set_index("asset").loc[change.asset]
    if held is not None:
        assert held == change.before
        assert row["backup_left"] == backup and backup in result.backups_left and not result.ok
        assert any(r["event"] == "backup_left" and r.get("backup") == backup and r["run"] == result.run
                   for r in journal.read())
    elif in_place != change.before:
        assert in_place == change.after and verified(row) and row["outcome"] == "applied"
    if row["outcome"] == "applied" and verified(row):
        assert in_place == change.after


def undo_recovers(simulator, client, change: PlannedChange, run: str, journal: Journal) -> None:
    """Undo of ``run`` leaves the node replaced in place and no backup node behind."""
    simulator.faults.clear()
    undone = apply_plan(client, plan_undo(client, journal, run), journal, show_progress=False)
    assert metadata(simulator, change).get(change.node_path.rsplit("/", 1)[-1]) == change.before, undone.outcomes
    assert backups_of(simulator, change) == {}


def refuse_imports_and_moves(client, monkeypatch) -> None:
    """From now on (until ``monkeypatch.undo()``) every import and move POST of ``client`` fails with a 500: the
    import route's write fails and so does putting the node back."""
    real = client.sling_post

    def refusing(path, data, **kwargs):
        form = list(data)
        if (":operation", "import") in form or (":operation", "move") in form:
            raise AemError("Sling POST failed with 500", status=500)
        return real(path, data, **kwargs)

    monkeypatch.setattr(client, "sling_post", refusing)
