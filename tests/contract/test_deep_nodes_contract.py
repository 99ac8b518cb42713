"""XMP nodes deeper than the reads' depth and Binary properties, on the simulator and on real Sling: how Sling shows
a Binary at every depth, how it refuses one given back as ``:name``, and a sync + undo that keeps every level and
never touches an asset holding a Binary."""

from __future__ import annotations

import pytest

from tests.contract.test_sling_contract import import_json, raw_get, raw_post
from tests.contract.test_sync_contract import asset
from xmpaudit.core.acs import SyncArguments
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import plan_sync
from xmpaudit.write.undo import plan_undo

pytestmark = pytest.mark.contract
TAGS = [("0", "sky", 0.9), ("1", "tree", 0.8)]
XMP = "jcr:content/metadata/dam:predictedTags"


def _item(**extra: object) -> dict:
    return {"jcr:primaryType": "nt:unstructured", "xmpNodeType": "xmpStruct", "dam:predictedTagName": "old",
            "dam:predictedTagConfidence": 0.5, **extra}


def _deep_xmp() -> dict:
    """A damaged array (size 7) whose item holds nodes down to five levels below it."""
    deepest = {"jcr:primaryType": "nt:unstructured", "d": True, "e": ["x", "y"]}
    deeper = {"jcr:primaryType": "nt:unstructured", "c": 3.5, "deepest": deepest}
    inner = {"jcr:primaryType": "nt:unstructured", "b": 2, "deeper": deeper}
    struct = {"jcr:primaryType": "nt:unstructured", "a": "1", "inner": inner}
    return {"jcr:primaryType": "nt:unstructured", "xmpNodeType": "xmpArray", "xmpArrayType": "rdf:Seq",
            "xmpArraySize": 7, "1": _item(struct=struct)}


def _asset_type(backend) -> str:
    return "dam:Asset" if backend.name == "simulator" else "nt:unstructured"  # plain Sling has no dam types


def test_a_binary_shows_as_its_length_in_bytes_at_every_depth(client, root):
    client.sling_post(f"{root}/b", [("./jcr:primaryType", "nt:unstructured"), ("./top", "héllo"),
                                    ("./top@TypeHint", "Binary"), ("./a/jcr:primaryType", "nt:unstructured"),
                                    ("./a/many", "ab"), ("./a/many", "cde"), ("./a/many@TypeHint", "Binary[]")])
    assert raw_get(client, f"{root}/b.0.json").json() == {"jcr:primaryType": "nt:unstructured", ":top": 6}
    for depth in ("1", "infinity"):
        tree = raw_get(client, f"{root}/b.{depth}.json").json()
        assert tree[":top"] == 6 and tree["a"] == {"jcr:primaryType": "nt:unstructured", ":many": [2, 3]}
    assert raw_get(client, f"{root}.2.json").json()["b"]["a"][":many"] == [2, 3]  # as a child, too
    assert raw_get(client, f"{root}/b.json").json() == {"jcr:primaryType": "nt:unstructured", ":top": 6}


def test_a_binary_given_back_by_its_json_name_is_refused_whole(client, root):
    modify = raw_post(client, f"{root}/m", [("./jcr:primaryType", "nt:unstructured"), ("./x/:bin", "5"),
                                            ("./k", "v")])
    assert modify.status_code == 500
    assert modify.json()["error"]["message"] == "Invalid name or path: :bin" and modify.json()["changes"] == []
    imported = raw_post(client, root, [(":operation", "import"), (":contentType", "json"), (":name", "i"),
                                       (":content", '{"jcr:primaryType":"nt:unstructured",":bin":5,"k":"v"}')])
    assert imported.status_code == 500 and "Invalid name or path: :bin" in imported.text
    assert raw_get(client, f"{root}/m.json").status_code == 404
    assert raw_get(client, f"{root}/i.json").status_code == 404


def test_sync_and_undo_keep_every_level_of_a_deep_node(backend, client, root, tmp_path):
    import_json(client, root, "deep.jpg", asset(_asset_type(backend), TAGS, _deep_xmp()))
    before = raw_get(client, f"{root}.infinity.json").content
    plan = plan_sync(client, [f"{root}/deep.jpg"], SyncArguments())
    assert plan.changes[0].before == _deep_xmp()  # read whole, whatever the reads' depth
    journal = Journal(tmp_path / "journal.jsonl")
    result = apply_plan(client, plan, journal, show_progress=False)
    assert result.ok, result.outcomes.to_dict("records")
    assert journal.intents(result.run)[0]["before"] == _deep_xmp()
    undo = apply_plan(client, plan_undo(client, journal), journal, show_progress=False)
    assert undo.ok, undo.outcomes.to_dict("records")
    assert raw_get(client, f"{root}.infinity.json").content == before  # byte for byte, every level


def test_an_asset_holding_a_binary_is_refused_and_keeps_it(backend, client, root, tmp_path):
    for name in ("binary.jpg", "plain.jpg"):
        import_json(client, root, name, asset(_asset_type(backend), TAGS, {**_deep_xmp(), "1": _item()}))
    client.sling_post(f"{root}/binary.jpg/{XMP}/1", [("thumb", "PNG\u00e9"), ("thumb@TypeHint", "Binary")])
    plan = plan_sync(client, [f"{root}/binary.jpg", f"{root}/plain.jpg"], SyncArguments())
    assert [c.asset for c in plan.changes] == [f"{root}/plain.jpg"]
    assert "binary property (1/thumb)" in plan.skipped.set_index("asset").loc[f"{root}/binary.jpg", "reason"]
    outcomes = apply_plan(client, plan, Journal(tmp_path / "j.jsonl"), show_progress=False).outcomes
    rows = outcomes.set_index("asset")
    assert rows.loc[f"{root}/plain.jpg", "verified"] and rows.loc[f"{root}/binary.jpg", "outcome"] == "skipped"
    assert raw_get(client, f"{root}/binary.jpg/{XMP}/1.json").json()[":thumb"] == 5
    assert raw_get(client, f"{root}/binary.jpg/{XMP}/1/thumb").content == "PNG\u00e9".encode()  # its content


def test_a_binary_property_at_sequence_name_is_in_the_way(backend, client, root):
    import_json(client, root, "slot.jpg", asset(_asset_type(backend), TAGS))
    client.sling_post(f"{root}/slot.jpg/jcr:content/metadata", [("dam:predictedTags", "abc"),
                                                                 ("dam:predictedTags@TypeHint", "Binary")])
    assert raw_get(client, f"{root}/slot.jpg/jcr:content/metadata.json").json()[":dam:predictedTags"] == 3
    plan = plan_sync(client, [f"{root}/slot.jpg"], SyncArguments())
    assert not plan.changes
    assert "is a property on this asset" in plan.skipped["reason"].iloc[0]
