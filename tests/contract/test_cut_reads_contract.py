"""Reads past ``json.maximumresults`` on the simulator and on real Sling: the same 300 answers, and the client reads
such nodes exactly (a node with 5,000 children; an asset with 300 smart tags read, synced and verified)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import every
from tests.contract.conftest import MAX_RESULTS
from tests.contract.test_sling_contract import import_json, raw_get
from tests.contract.test_sync_contract import asset
from xmpaudit.core.acs import SyncArguments, expected_xmp_node
from xmpaudit.read.frames import frames_from_hits
from xmpaudit.read.path_reads import fetch_assets
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import plan_sync

pytestmark = pytest.mark.contract
UNSTRUCTURED = {"jcr:primaryType": "nt:unstructured"}


def wide(children: int, leaves: bool = True) -> dict:
    """A node with ``children`` children, each with a property and (``leaves``) one child of its own."""
    node = {**UNSTRUCTURED, "title": "wide"}
    for number in range(children):
        child = {**UNSTRUCTURED, "n": number}
        if leaves:
            child["leaf"] = {**UNSTRUCTURED, "k": f"v{number}"}
        node[f"c{number}"] = child
    return node


def status_and_body(client, path: str) -> tuple[int, object]:
    answer = raw_get(client, path)
    return answer.status_code, answer.json()


def test_cut_answers_match_sling(client, root):
    """``.1.json`` always lists every child; deeper reads over the limit answer 300 with the shallower URLs,
    counting nodes level by level (never a silently shortened node)."""
    import_json(client, root, "over", wide(MAX_RESULTS + 100))
    import_json(client, root, "deeper", wide(MAX_RESULTS // 2 + 1))
    over, deeper = f"{root}/over", f"{root}/deeper"
    assert raw_get(client, f"{over}.0.json").status_code == 200
    code, body = status_and_body(client, f"{over}.1.json")
    assert code == 200 and sum(isinstance(v, dict) for v in body.values()) == MAX_RESULTS + 100
    for selector in ("2", "3", "infinity"):
        assert status_and_body(client, f"{over}.{selector}.json") == (300, [f"{over}.0.json"])
        assert status_and_body(client, f"{deeper}.{selector}.json") == (300, [f"{deeper}.1.json",
                                                                              f"{deeper}.0.json"])


def test_the_limit_counts_nodes_below_the_one_read(client, root):
    import_json(client, root, "fits", wide(MAX_RESULTS // 2))  # exactly MAX_RESULTS nodes below it
    import_json(client, root, "one more", {**wide(MAX_RESULTS // 2), "extra": dict(UNSTRUCTURED)})
    assert raw_get(client, f"{root}/fits.infinity.json").status_code == 200
    assert status_and_body(client, f"{root}/one more.infinity.json") == (300, [f"{root}/one more.1.json",
                                                                              f"{root}/one more.0.json"])


def test_a_node_with_5000_children_is_read_exactly(client, root):
    client.sling_post(root, [(":operation", "import"), (":contentType", "json"), (":name", "wide"),
                             (":content", json.dumps(wide(5000)))], multipart=True)  # past the form-size limit
    node = client.read_tree(f"{root}/wide")
    assert sum(isinstance(value, dict) for value in node.values()) == 5000
    assert node["c4999"] == {**UNSTRUCTURED, "n": 4999, "leaf": {**UNSTRUCTURED, "k": "v4999"}}
    assert node["c0"]["leaf"] == {**UNSTRUCTURED, "k": "v0"}


def test_an_asset_with_300_smart_tags_is_read_synced_and_verified(backend, client, root, tmp_path):
    """Read by Sling GETs (plain Sling has no QueryBuilder; the simulator's is turned off): 300 tags, not an
    untagged asset, and the sync writes and verifies all 300 items."""
    if backend.simulator is not None:
        fault = backend.simulator.inject(status=404, times=10**6, method="GET", path_prefix="/bin/querybuilder")
    asset_type = "dam:Asset" if backend.name == "simulator" else "nt:unstructured"
    tags = [(f"t{i}", f"tag {i}", 0.5 if i % 2 else 1.0) for i in range(300)]
    import_json(client, root, "many.jpg", asset(asset_type, tags))
    path = f"{root}/many.jpg"
    args = SyncArguments()
    try:
        _, smart_tags, _ = frames_from_hits(list(fetch_assets(client, [path]).values()), args)
        assert len(smart_tags) == 300
        plan = plan_sync(client, [path], args, folder_pages=False)
        assert len(plan.changes) == 1
        result = apply_plan(client, plan, Journal(tmp_path / "journal.jsonl"), show_progress=False)
        assert result.ok and every(result.outcomes["verified"])
        expected = expected_xmp_node([(name, confidence) for _, name, confidence in tags], args)
        assert client.read_tree(f"{path}/jcr:content/metadata/dam:predictedTags") == expected
    finally:
        if backend.simulator is not None:
            fault.times = 0
