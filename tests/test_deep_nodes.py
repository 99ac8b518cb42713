"""XMP nodes of any depth and Binary properties (issue 24, items 5 and 6): a node deeper than the reads' depth is
read whole before it is compared, journaled and restored; one that cannot be read whole, or holds a Binary
property, is refused per asset in the preview and at the write's guard read."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import replace

import pytest

from tests.conftest import asset_hit, client_for, small_repository, xmp_node
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import AemHttpError
from xmpaudit.read.binary_properties import binary_properties, binary_reason
from xmpaudit.read.deep_nodes import complete_deep_nodes
from xmpaudit.read.folder_reads import read_assets
from xmpaudit.read.frames import SHAPE_BINARY, SLOT_PROPERTY, frames_from_hits
from xmpaudit.simulator import Simulator
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import blocked_slot, plan_sync
from xmpaudit.write.undo import plan_undo

pytestmark = pytest.mark.e2e
ROOT = "/content/dam/deep"
TAGS = [{"name": "sky", "confidence": 0.9}, {"name": "tree", "confidence": 0.8}]
NODE = "jcr:content/metadata/dam:predictedTags"


def deep_xmp() -> dict:
    """A damaged XMP node whose first item holds nodes four levels further down (below ``p.nodedepth=5``)."""
    node = xmp_node([("old", 0.5)])
    node["1"]["struct"] = {"jcr:primaryType": "nt:unstructured", "a": "1", "inner": {
        "jcr:primaryType": "nt:unstructured", "b": 2, "deeper": {
            "jcr:primaryType": "nt:unstructured", "c": 3.5, "deepest": {"jcr:primaryType": "nt:unstructured",
                                                                         "d": True}}}}
    return node


def plain_stale() -> dict:
    return xmp_node([("old", 0.5)], size=7)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    assets = {f"{ROOT}/deep.jpg": asset_hit(f"{ROOT}/deep.jpg", TAGS, deep_xmp()),
              f"{ROOT}/plain.jpg": asset_hit(f"{ROOT}/plain.jpg", TAGS, plain_stale())}
    with Simulator(small_repository(assets)) as simulator:
        yield simulator


def _tree(sim: Simulator, path: str) -> dict:
    return sim.repo.to_json(sim.repo.require(path), None)


def test_a_deep_node_is_synced_journaled_whole_and_undone_at_every_level(sim, sync_reads, tmp_path):
    deep = f"{ROOT}/deep.jpg/{NODE}"
    original = _tree(sim, deep)
    client = client_for(sim)
    plan = plan_sync(client, [f"{ROOT}/deep.jpg", f"{ROOT}/plain.jpg"], SyncArguments())
    change = next(c for c in plan.changes if c.asset == f"{ROOT}/deep.jpg")
    assert change.before == original  # the preview's "before" holds every level
    journal = Journal(tmp_path / "journal.jsonl")
    result = apply_plan(client, plan, journal, show_progress=False)
    assert result.ok, result.outcomes.to_dict("records")  # backup compared whole: no false conflict
    intent = next(r for r in journal.intents(result.run) if r["asset"] == f"{ROOT}/deep.jpg")
    assert intent["before"]["1"]["struct"]["inner"]["deeper"]["deepest"] == {"jcr:primaryType": "nt:unstructured",
                                                                            "d": True}
    undo = apply_plan(client, plan_undo(client, journal), journal, show_progress=False)
    assert undo.ok, undo.outcomes.to_dict("records")
    assert _tree(sim, deep) == original
    assert not [name for name in sim.repo.require(f"{ROOT}/deep.jpg/jcr:content/metadata").children
                if name.startswith("xmpaudit-backup-")]


def test_only_assets_with_nodes_at_the_cut_level_cost_a_read(sim):
    client = client_for(sim)
    sim.stats.reset()
    hits = read_assets(client, [f"{ROOT}/deep.jpg", f"{ROOT}/plain.jpg"], args=SyncArguments())
    assert sim.stats.by_endpoint["GET sling"] == 1  # the deep node, once, to its full depth
    assert "deepest" in json.dumps(hits[f"{ROOT}/deep.jpg"])
    assert complete_deep_nodes(client, list(hits.values()), SyncArguments()) == 1  # plain.jpg never


def test_the_demo_dam_reads_nothing_more(demo_readonly):
    from xmpaudit.read.inventory import take_inventory

    client = demo_readonly.client
    snapshot = take_inventory(client, demo_readonly.root, SyncArguments(), show_progress=False)
    demo_readonly.simulator.stats.reset()
    hits = read_assets(client, snapshot.assets["path"].tolist(), args=SyncArguments())
    assert len(hits) == len(snapshot.assets) > 100
    assert demo_readonly.simulator.stats.by_endpoint["GET sling"] == 0
    assert complete_deep_nodes(client, list(hits.values()), SyncArguments()) == 0


def test_a_node_that_cannot_be_read_whole_is_refused_with_the_reason(sim, monkeypatch, sync_reads):
    client = client_for(sim)
    real = client.read_tree

    def failing(path: str, depth: int | str = "infinity") -> dict:
        if depth == "infinity" and path.endswith("dam:predictedTags"):
            raise AemHttpError("GET failed with 500", status=500)
        return real(path, depth)

    monkeypatch.setattr(client, "read_tree", failing)
    plan = plan_sync(client, [f"{ROOT}/deep.jpg", f"{ROOT}/plain.jpg"], SyncArguments())
    assert [c.asset for c in plan.changes] == [f"{ROOT}/plain.jpg"]
    reason = plan.skipped.set_index("asset").loc[f"{ROOT}/deep.jpg", "reason"]
    assert "deeper than one read shows" in reason and "500" in reason


def _binary_repository(sim: Simulator) -> None:
    """Give deep.jpg's XMP node back its plain shape plus a Binary property in item 1 (as Sling stores one)."""
    item = sim.repo.require(f"{ROOT}/deep.jpg/{NODE}/1")
    item.children.clear()
    item.set("thumb", b"\x89PNG\x00\x01", "Binary")
    sim.repo.changed()


def test_a_binary_property_is_refused_in_the_preview_and_the_others_are_synced(sim, sync_reads, tmp_path):
    _binary_repository(sim)
    client = client_for(sim)
    plan = plan_sync(client, [f"{ROOT}/deep.jpg", f"{ROOT}/plain.jpg"], SyncArguments())
    assert [c.asset for c in plan.changes] == [f"{ROOT}/plain.jpg"]
    reason = plan.skipped.set_index("asset").loc[f"{ROOT}/deep.jpg", "reason"]
    assert "binary property (1/thumb)" in reason and "cannot restore" in reason
    result = apply_plan(client, plan, Journal(tmp_path / "j.jsonl"), show_progress=False)
    assert result.outcomes.set_index("asset").loc[f"{ROOT}/plain.jpg", "verified"]
    prop = sim.repo.require(f"{ROOT}/deep.jpg/{NODE}/1").properties["thumb"]
    assert (prop.type, prop.value) == ("Binary", b"\x89PNG\x00\x01")


def test_a_binary_added_after_the_preview_is_refused_at_the_guard_read(sim, sync_reads, tmp_path):
    client = client_for(sim)
    plan = plan_sync(client, [f"{ROOT}/plain.jpg"], SyncArguments())
    node = sim.repo.require(f"{ROOT}/plain.jpg/{NODE}")
    node.set("blob", b"abc", "Binary")  # stored beside what the preview read
    sim.repo.changed()
    changed = copy.deepcopy(plan.changes[0].before)
    changed[":blob"] = 3  # as if the preview had read it: only the guard read's own check can stop the write
    plan.changes[0] = replace(plan.changes[0], before=changed)
    result = apply_plan(client, plan, Journal(tmp_path / "j.jsonl"), show_progress=False)
    row = result.outcomes.set_index("asset").loc[f"{ROOT}/plain.jpg"]
    assert row["outcome"] == "skipped" and "binary property (blob)" in row["reason"]
    assert node.properties["blob"].value == b"abc"


def test_binary_properties_are_found_at_any_depth_and_marked_in_the_frames():
    node = xmp_node([("a", 0.5)])
    node["1"]["x"] = {"jcr:primaryType": "nt:unstructured", "y": {"jcr:primaryType": "nt:unstructured", ":z": 4}}
    assert binary_properties(node) == ["1/x/y/z"]
    flat = xmp_node([("a", 0.5)])
    flat[":raw"] = [1, 2]
    assert binary_properties(flat) == ["raw"]
    assert binary_reason(None, ["raw", "x"]).startswith("sequenceName=dam:predictedTags holds a binary property (raw "
                                                        "and 1 more) that xmpaudit cannot restore")
    assert "property that xmpaudit" in binary_reason(SyncArguments()) and binary_reason(None, []) == ""
    hits = [asset_hit("/a.jpg", TAGS, node), asset_hit("/b.jpg", TAGS, flat), asset_hit("/c.jpg", TAGS, xmp_node([]))]
    assets, _, _ = frames_from_hits(hits, SyncArguments())
    assert (assets["xmp_shape"].to_numpy() & SHAPE_BINARY).tolist() == [SHAPE_BINARY, SHAPE_BINARY, 0]


def test_a_binary_at_sequence_name_counts_as_a_property_there():
    hit = asset_hit("/a.jpg", TAGS)
    hit["jcr:content"]["metadata"][":dam:predictedTags"] = 3
    assets, _, _ = frames_from_hits([hit], SyncArguments())
    assert assets["xmp_node_type"].astype(str).tolist() == [SLOT_PROPERTY] and not assets["xmp_present"].iloc[0]
    assert "is a property on this asset" in blocked_slot(hit, SyncArguments())


def test_cleanup_journals_a_deep_backup_whole(sim, tmp_path):
    from xmpaudit.write.cleanup import apply_cleanup, find_backups

    metadata = sim.repo.require(f"{ROOT}/deep.jpg/jcr:content/metadata")
    metadata.children["xmpaudit-backup-abc123"] = metadata.children.pop("dam:predictedTags")  # left by a crash
    sim.repo.changed()
    client = client_for(sim)
    plan = find_backups(client, ROOT)
    assert plan.backups["node"].tolist() == [deep_xmp()]
    journal = Journal(tmp_path / "journal.jsonl")
    apply_cleanup(client, plan, journal)
    assert [r["before"] for r in journal.read() if r["event"] == "intent"] == [deep_xmp()]


def test_the_audit_shows_an_asset_holding_a_binary_as_invalid_with_the_reason():
    from tests.conftest import snapshot_from_hits
    from xmpaudit.audit.compare import audit

    node = xmp_node([("a", 0.5)])
    node[":raw"] = 12
    hits = [asset_hit("/a.jpg", TAGS, node), asset_hit("/b.jpg", TAGS, xmp_node([("a", 0.5)]))]
    result = audit(snapshot_from_hits(hits, SyncArguments()), SyncArguments())
    statuses = result.assets.set_index("path")["status"].astype(str)
    assert statuses.filter(like="a.jpg").tolist() == ["invalid"]
    reason = result.assets.set_index("path")["reason"].filter(like="a.jpg").iloc[0]
    assert "binary property" in reason and "cannot restore" in reason
    assert statuses.filter(like="b.jpg").tolist() != ["invalid"]
