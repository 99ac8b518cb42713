"""Sync end to end on the simulator and on real Sling: exactly the ACS node, and undo restores byte for byte."""

from __future__ import annotations

import json

import pytest

from tests.contract.test_sling_contract import import_json, raw_get
from xmpaudit.core.acs import SyncArguments, expected_xmp_node
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import plan_sync
from xmpaudit.write.undo import plan_undo

pytestmark = pytest.mark.contract


def asset(asset_type: str, tags: list[tuple[str, str, object]] | None, xmp: dict | None = None,
          metadata: bool = True) -> dict:
    """Asset content: ``tags`` are (child node name, tag name, confidence)."""
    meta: dict = {"jcr:primaryType": "nt:unstructured", "dc:title": "x"}
    if tags is not None:
        meta["predictedTags"] = {"jcr:primaryType": "nt:unstructured", **{
            node: {"jcr:primaryType": "nt:unstructured", "name": name, "confidence": conf, "isCustom": False}
            for node, name, conf in tags}}
    if xmp is not None:
        meta["dam:predictedTags"] = xmp
    content = {"jcr:primaryType": "nt:unstructured"}
    if metadata:
        content["metadata"] = meta
    return {"jcr:primaryType": asset_type, "jcr:content": content}


def test_sync_then_undo_on_both_backends(backend, client, root, tmp_path):
    asset_type = "dam:Asset" if backend.name == "simulator" else "nt:unstructured"  # plain Sling has no dam types
    stale = {"jcr:primaryType": "nt:unstructured", "xmpNodeType": "xmpArray", "xmpArrayType": "rdf:Seq",
             "xmpArraySize": 5, "0": {"jcr:primaryType": "nt:unstructured", "dam:predictedTagName": "old",
                                      "dam:predictedTagConfidence": 0.1, "note": "kept?"}}
    assets = {
        "missing ü.jpg": asset(asset_type, [("z", "sky", 0.91), ("a", "tree", 1.0), ("m", "dog", "0.5")]),
        "stale #1.jpg": asset(asset_type, [("0", "cat", 0.7), ("1", "low", 0.05)], stale),
        "orphan.png": asset(asset_type, None, stale),
        "no metadata.jpg": asset(asset_type, None, metadata=False),
    }
    for name, content in assets.items():
        import_json(client, root, name, content)
    before = raw_get(client, f"{root}.infinity.json").content

    args = SyncArguments(minimum_confidence=0.06)
    paths = [f"{root}/{name}" for name in assets]
    plan = plan_sync(client, paths, args)
    assert sorted(c.asset.rsplit("/", 1)[1] for c in plan.changes) == ["missing ü.jpg", "orphan.png", "stale #1.jpg"]
    assert plan.skipped["reason"].str.contains("no metadata node").all()
    journal = Journal(tmp_path / "journal.jsonl")
    result = apply_plan(client, plan, journal, show_progress=False)
    assert result.not_done()["asset"].tolist() == [f"{root}/no metadata.jpg"]  # selected, invalid: not done
    assert result.outcomes["verified"].sum() == 3 and not result.outcomes["repaired"].any()

    expected = {
        "missing ü.jpg": expected_xmp_node([("sky", 0.91), ("tree", 1.0), ("dog", 0.5)], args),
        "stale #1.jpg": expected_xmp_node([("cat", 0.7)], args),  # 'low' is below minimumConfidence
        "orphan.png": expected_xmp_node([], args),
    }
    for name, node in expected.items():
        path = f"{root}/{name}/jcr:content/metadata/dam:predictedTags"
        assert client.read_tree(path) == node
        text = raw_get(client, f"{path}.infinity.json").text
        assert f'"xmpArraySize":{node["xmpArraySize"]}' in text  # Long, not "3" or 3.0
        assert "note" not in text and '"0"' not in text  # delete-and-rebuild, nothing left over
    assert '"dam:predictedTagConfidence":1.0' in raw_get(
        client, f"{root}/missing ü.jpg/jcr:content/metadata/dam:predictedTags/2.json").text  # Double

    undo = plan_undo(client, journal)
    assert len(undo) == 3
    assert apply_plan(client, undo, journal, show_progress=False).ok
    assert raw_get(client, f"{root}.infinity.json").content == before  # byte for byte
    assert json.loads(before)  # and it is JSON
