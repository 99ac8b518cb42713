"""Guarded sync writes on the simulator and on real Sling: the Sling features they rely on (``@MoveFrom``,
``:operation=move``, the changes Sling reports) behave alike, ghosts do not stay, other writers' edits are kept."""

from __future__ import annotations

import pytest

import xmpaudit.write.apply as sync
from tests.contract.test_sling_contract import import_json, raw_get
from tests.contract.test_sync_contract import asset
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import ConfigError
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import plan_sync
from xmpaudit.write.sling_params import BACKUP_PREFIX

pytestmark = pytest.mark.contract

STALE = {"jcr:primaryType": "nt:unstructured", "xmpNodeType": "xmpArray", "xmpArrayType": "rdf:Seq",
         "xmpArraySize": 1, "1": {"jcr:primaryType": "nt:unstructured", "dam:predictedTagName": "old",
                                  "dam:predictedTagConfidence": 0.1}}


def asset_type(backend) -> str:
    return "dam:Asset" if backend.name == "simulator" else "nt:unstructured"  # plain Sling has no dam types


def changes(body: dict) -> tuple[set[str], list[list[str]]]:
    created = {c["argument"] for c in body["changes"] if c["type"] == "created"}
    moved = [c["argument"] for c in body["changes"] if c["type"] == "moved"]
    return created, moved


def test_move_from_captures_the_node_in_the_same_post(client, root):
    import_json(client, root, "a", {"jcr:primaryType": "nt:unstructured", "x": {
        "jcr:primaryType": "nt:unstructured", "v": "old", "n": {"jcr:primaryType": "nt:unstructured", "k": 1}}})
    body = client.sling_post(root, [("./a/x.bak@MoveFrom", f"{root}/a/x"), ("./a/x/v", "new")])
    created, moved = changes(body)
    assert moved == [[f"{root}/a/x", f"{root}/a/x.bak"]] and created == {f"{root}/a/x"}
    tree = client.read_tree(f"{root}/a")
    assert tree["x.bak"] == {"jcr:primaryType": "nt:unstructured", "v": "old",
                             "n": {"jcr:primaryType": "nt:unstructured", "k": 1}}
    assert tree["x"] == {"jcr:primaryType": "nt:unstructured", "v": "new"}
    # onto an existing destination: Sling deletes it first
    body = client.sling_post(root, [("./a/x.bak@MoveFrom", f"{root}/a/x")])
    assert changes(body)[1] == [[f"{root}/a/x", f"{root}/a/x.bak"]]
    assert client.read_tree(f"{root}/a") == {"jcr:primaryType": "nt:unstructured",
                                             "x.bak": {"jcr:primaryType": "nt:unstructured", "v": "new"}}
    # :operation=move with :replace puts a node back in one step
    client.sling_post(root, [("./a/x/v", "ours")])
    body = client.sling_post(f"{root}/a/x.bak", [(":operation", "move"), (":dest", f"{root}/a/x"),
                                                  (":replace", "true")])
    assert changes(body)[1] == [[f"{root}/a/x.bak", f"{root}/a/x"]]
    assert client.read_tree(f"{root}/a") == {"jcr:primaryType": "nt:unstructured",
                                             "x": {"jcr:primaryType": "nt:unstructured", "v": "new"}}


def test_missing_move_source_is_skipped_and_created_parents_are_reported(client, root):
    body = client.sling_post(root, [("./gone/jcr:content/metadata/x.bak@MoveFrom",
                                      f"{root}/gone/jcr:content/metadata/x"),
                                     ("./gone/jcr:content/metadata/x/v", "new")])
    created, moved = changes(body)
    assert moved == [] and body["status.code"] == 200
    assert {f"{root}/gone", f"{root}/gone/jcr:content", f"{root}/gone/jcr:content/metadata"} <= created
    assert raw_get(client, f"{root}/gone.json").status_code == 200  # the ghost a plain POST leaves behind


def _run_with_race(monkeypatch, client, root, backend, tmp_path, race):
    """Sync three assets with ``race(first_change)`` happening between the check and the POST."""
    stale = asset(asset_type(backend), [("0", "cat", 0.7)], STALE)
    fresh = asset(asset_type(backend), [("0", "dog", 0.9)])
    for name, content in {"a.jpg": stale, "b.jpg": fresh, "c.jpg": stale}.items():
        import_json(client, root, name, content)
    plan = plan_sync(client, [f"{root}/{n}" for n in ("a.jpg", "b.jpg", "c.jpg")], SyncArguments())
    assert len(plan) == 3
    real_post = sync.guarded_post

    def racing_post(c, batch, run, **kw):
        race(batch)
        return real_post(c, batch, run, **kw)

    monkeypatch.setattr(sync, "guarded_post", racing_post)
    journal = Journal(tmp_path / "journal.jsonl")
    return plan, sync.apply_plan(client, plan, journal, show_progress=False), journal


def test_asset_deleted_before_the_post_does_not_come_back(backend, client, root, monkeypatch, tmp_path):
    victim = f"{root}/b.jpg"
    _plan, result, journal = _run_with_race(
        monkeypatch, client, root, backend, tmp_path,
        lambda batch: client.sling_post(victim, [(":operation", "delete")]))
    outcome = result.outcomes.set_index("asset")
    assert raw_get(client, f"{victim}.json").status_code == 404  # no ghost
    assert outcome.loc[victim, "outcome"] == "conflict"
    assert (outcome["outcome"] == "applied").sum() == 2 and outcome["verified"].sum() == 2
    assert [r["event"] for r in journal.read() if r["asset"] == victim] == ["intent", "ghost_removed"]


def test_other_writers_edit_before_the_post_is_kept(backend, client, root, monkeypatch, tmp_path):
    edited, created = f"{root}/a.jpg", f"{root}/b.jpg"

    def other_writer(batch):
        client.sling_post(f"{edited}/jcr:content/metadata/dam:predictedTags", [("./1/dam:predictedTagName", "theirs")])
        client.sling_post(f"{created}/jcr:content/metadata", [("./dam:predictedTags/note", "theirs too")])

    _plan, result, _ = _run_with_race(monkeypatch, client, root, backend, tmp_path, other_writer)
    outcome = result.outcomes.set_index("asset")
    assert outcome.loc[edited, "outcome"] == "conflict" and outcome.loc[created, "outcome"] == "conflict"
    assert outcome.loc[f"{root}/c.jpg", "outcome"] == "applied" and outcome.loc[f"{root}/c.jpg", "verified"]
    node = client.read_tree(f"{edited}/jcr:content/metadata/dam:predictedTags")
    assert node["1"]["dam:predictedTagName"] == "theirs" and node["xmpArraySize"] == 1  # their version, whole
    assert client.read_tree(f"{created}/jcr:content/metadata/dam:predictedTags") == {
        "jcr:primaryType": "nt:unstructured", "note": "theirs too"}
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        metadata = client.read_tree(f"{root}/{name}/jcr:content/metadata", 1)
        assert not [k for k in metadata if k.startswith(BACKUP_PREFIX)]  # no backups left


@pytest.mark.parametrize("sequence_name", ["predictedTags", "jcr:primaryType"])  # dc:title: see namespaces contract
def test_destructive_sequence_name_refused_with_nothing_written(backend, client, root, sequence_name):
    import_json(client, root, "a.jpg", asset(asset_type(backend), [("0", "cat", 0.7)]))
    before = raw_get(client, f"{root}.infinity.json").content
    with pytest.raises(ConfigError, match="Nothing was written"):
        plan_sync(client, [f"{root}/a.jpg"], SyncArguments(sequence_name=sequence_name))
    assert raw_get(client, f"{root}.infinity.json").content == before
