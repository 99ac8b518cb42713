"""Sling GETs cut by ``json.maximumresults`` are detected and read another way, never taken as a node without
children: the client's tree reads, the number-type check (AEM), the plain-Sling asset reads, and a sync over them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
import requests

from tests.conftest import asset_hit, client_for, every, small_repository, xmp_node
from xmpaudit.aem.responses import parse_json
from xmpaudit.audit.compare import audit
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import AemHttpError, AemResponseError
from xmpaudit.read.frames import frames_from_hits
from xmpaudit.read.inventory import take_inventory
from xmpaudit.read.path_reads import fetch_assets
from xmpaudit.simulator import Repository, Simulator
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.plan import plan_sync

pytestmark = pytest.mark.e2e
ROOT = "/content/dam/cut"
MAX_RESULTS = 200
MANY = [(f"tag {i}", 1.0 if i % 2 else 0.5) for i in range(300)]


def _tags(tags: list[tuple[str, float]]) -> list[dict[str, object]]:
    return [{"name": name, "confidence": confidence} for name, confidence in tags]


@pytest.fixture
def cut() -> Iterator[Simulator]:
    """Assets with 300 smart tags (one with the XMP node in sync, one without), json.maximumresults 200."""
    assets = {
        f"{ROOT}/synced.jpg": asset_hit(f"{ROOT}/synced.jpg", _tags(MANY), xmp_node(MANY)),
        f"{ROOT}/missing.jpg": asset_hit(f"{ROOT}/missing.jpg", _tags(MANY)),
    }
    repo = small_repository(assets)
    for path in assets:
        repo.node(path).set("jcr:created", datetime(2026, 1, 1, tzinfo=timezone.utc))
    repo.changed()
    with Simulator(repo, json_max_results=MAX_RESULTS) as sim:
        yield sim


def _wide_repository(children: int) -> Repository:
    repo = Repository()
    wide = repo.ensure_node("/content/wide", "nt:unstructured")
    wide.set("title", "wide")
    for number in range(children):
        child = wide.add_child(f"c{number}", "nt:unstructured")
        child.set("n", number)
        child.add_child("leaf", "nt:unstructured").set("k", f"v{number}")
    return repo


@pytest.mark.parametrize(("children", "depth"), [(5000, "infinity"), (600, 3), (600, 2)])
def test_a_wide_node_is_read_exactly(children, depth):
    with Simulator(_wide_repository(children), json_max_results=MAX_RESULTS) as sim:
        answer = requests.get(f"{sim.url}/content/wide.{depth}.json", auth=("admin", "admin"), timeout=30)
        assert answer.status_code == 300 and answer.json() == ["/content/wide.0.json"]
        with client_for(sim) as client:
            node = client.read_tree("/content/wide", depth)
        sim.json_max_results = 10**9
        with client_for(sim) as client:
            assert node == client.read_tree("/content/wide", depth)
    assert sum(isinstance(value, dict) for value in node.values()) == children
    last = children - 1
    assert node[f"c{last}"] == {"jcr:primaryType": "nt:unstructured", "n": last,
                                "leaf": {"jcr:primaryType": "nt:unstructured", "k": f"v{last}"}}


def test_one_level_is_never_cut_and_a_cut_one_level_read_is_an_error(cut):
    """Sling always lists all of a node's children (``.1.json``); a server cutting even that is an error."""
    with client_for(cut) as client:
        tags = client.read_tree(f"{ROOT}/synced.jpg/jcr:content/metadata/predictedTags", 1)
        assert sum(isinstance(value, dict) for value in tags.values()) == 300
        cut.inject(status=300, times=1, method="GET", path_prefix=f"{ROOT}/synced.jpg/jcr:content/metadata.1.json")
        with pytest.raises(AemHttpError, match="300"):
            client.read_tree(f"{ROOT}/synced.jpg/jcr:content/metadata", 1)


def test_whole_number_confidences_confirmed_by_a_cut_sling_get_keep_every_item(cut):
    """On AEM a whole-number XMP confidence is read again with a Sling GET; cut, it must not empty the node."""
    cut.querybuilder_doubles_without_point = True
    with client_for(cut) as client:
        snapshot = take_inventory(client, ROOT, SyncArguments(), show_progress=False)
    result = audit(snapshot)
    statuses = dict(zip(result.assets["path"].astype(str), result.assets["status"].astype(str), strict=True))
    assert statuses == {f"{ROOT}/synced.jpg": "in_sync", f"{ROOT}/missing.jpg": "missing_xmp"}
    assert (snapshot.xmp_tags["asset"].astype(str) == f"{ROOT}/synced.jpg").sum() == 300


def test_plain_sling_reads_every_tag_and_sync_writes_them_all(cut, journal):
    """Without QueryBuilder (plain Sling) every asset is read with Sling GETs: 300 tags, not an untagged asset."""
    cut.inject(status=404, times=10**6, method="GET", path_prefix="/bin/querybuilder")
    paths = [f"{ROOT}/synced.jpg", f"{ROOT}/missing.jpg"]
    with client_for(cut) as client:
        hits = fetch_assets(client, paths)
        args = SyncArguments()
        _, smart_tags, xmp_tags = frames_from_hits(list(hits.values()), args)
        assert (smart_tags["asset"].astype(str) == f"{ROOT}/missing.jpg").sum() == 300
        assert (xmp_tags["asset"].astype(str) == f"{ROOT}/synced.jpg").sum() == 300
        plan = plan_sync(client, paths, args, folder_pages=False)
        assert [change.asset for change in plan.changes] == [f"{ROOT}/missing.jpg"]
        result = apply_plan(client, plan, journal, show_progress=False)
        applied = result.outcomes[result.outcomes["outcome"] == "applied"]  # synced.jpg: skipped, nothing to do
        assert result.ok and list(applied["asset"]) == [f"{ROOT}/missing.jpg"] and every(applied["verified"])
    written = cut.repo.node(f"{ROOT}/missing.jpg/jcr:content/metadata/dam:predictedTags")
    assert written.get("xmpArraySize") == 300 and len(written.children) == 300


def test_json_nested_too_deeply_is_one_clear_error():
    response = requests.Response()
    response.status_code = 200
    response._content = b"[" * 100_000 + b"]" * 100_000
    response.url = "http://aem.example/bin/querybuilder.json"
    response.request = requests.Request("GET", response.url).prepare()
    with pytest.raises(AemResponseError, match="nested too deeply"):
        parse_json(response)
    response._content = json.dumps({"hits": []}).encode()
    assert parse_json(response) == {"hits": []}
