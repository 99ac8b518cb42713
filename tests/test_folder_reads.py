"""Reading many named assets by whole-folder pages: the same hits as path queries, no paths in the URL where a folder
is dense, path queries for the rest, and nothing missed under failures, concurrent inserts and Cloud limits."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.conftest import DEMO_ROOT, client_for
from xmpaudit.aem.client import AemClient
from xmpaudit.audit.compare import audit
from xmpaudit.core.acs import SyncArguments
from xmpaudit.read import folder_reads
from xmpaudit.read.folder_reads import read_assets, read_by_folder_pages
from xmpaudit.read.inventory import take_inventory
from xmpaudit.read.path_reads import fetch_assets
from xmpaudit.simulator import DemoSpec, Simulator, build_demo_repository
from xmpaudit.simulator.bulk_dam import BASE_TIME, BULK_ROOT, BulkSpec, add_asset, build_bulk_repository, metadata_node
from xmpaudit.simulator.cloud_limits import CloudLimits
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import plan_sync

pytestmark = pytest.mark.e2e
FOLDER = f"{BULK_ROOT}/folder-00000"


@pytest.fixture
def bulk() -> Iterator[Simulator]:
    """Two folders of 600 assets (by name order: asset-00000000 … asset-00001199)."""
    with Simulator(build_bulk_repository(BulkSpec(assets=1200, per_folder=600))) as sim:
        yield sim


def recording(client: AemClient) -> list[dict[str, str]]:
    """The parameters of every GET ``client`` sends from now on."""
    sent: list[dict[str, str]] = []
    original = client.get_json

    def get_json(path: str, params: Any = None, **kwargs: Any) -> Any:
        sent.append(dict(params or {}))
        return original(path, params, **kwargs)

    client.get_json = get_json  # type: ignore[method-assign]
    return sent


def names(first: int, last: int, folder: str = FOLDER) -> list[str]:
    return [f"{folder}/asset-{i:08d}.jpg" for i in range(first, last)]


def listed_paths(params: dict[str, str]) -> list[str]:
    return [value for key, value in params.items() if key.endswith("_path")]


def test_dense_folders_are_read_by_pages_with_the_same_hits_as_path_queries(bulk):
    wanted = names(0, 600, FOLDER)[::2] + names(600, 1200, f"{BULK_ROOT}/folder-00001")[1::3]
    with client_for(bulk) as client:
        reference = fetch_assets(client, wanted)
        sent = recording(client)
        found = read_assets(client, wanted, workers=2)
    assert found == reference and len(found) == 500
    assert all(not listed_paths(params) and params["path.flat"] == "true" for params in sent)
    assert len(sent) == 2  # one page per folder of 600 (pages hold 1000)


def test_pages_of_a_folder_larger_than_a_page_are_read_in_parallel_and_complete(bulk):
    wanted = names(0, 600)[::3]
    with client_for(bulk) as client:
        seen: list[str] = []
        sent = recording(client)
        rest = read_by_folder_pages(client, wanted, lambda hits: seen.extend(h["jcr:path"] for h in hits),
                                    workers=3, page_size=70)
    assert rest == [] and sorted(seen) == sorted(wanted) and len(seen) == len(set(seen))
    assert sorted(int(p["p.offset"]) for p in sent) == list(range(0, 600, 70))
    assert sent[0]["p.guessTotal"] == str(1000 + 1)  # counted up to what may be read whole: 200 / 20%


def test_sparse_and_small_folders_are_read_by_path(bulk):
    sparse = names(0, 600)[::20]  # 30 of 600: too few, and under a fifth of the folder
    with client_for(bulk) as client:
        sent = recording(client)
        found = read_assets(client, sparse)
    assert sorted(found) == sparse
    assert all(listed_paths(params) for params in sent)


def test_a_folder_too_sparse_for_pages_costs_one_page_then_path_queries(bulk, monkeypatch):
    monkeypatch.setattr(folder_reads, "MIN_DENSITY", 0.5)
    wanted = names(0, 600)[::4]  # 150 of 600: a quarter
    with client_for(bulk) as client:
        sent = recording(client)
        found = read_assets(client, wanted)
    assert sorted(found) == wanted
    assert "path.flat" in sent[0] and all(listed_paths(params) for params in sent[1:])


def test_a_very_large_folder_is_read_by_path(bulk, monkeypatch):
    monkeypatch.setattr(folder_reads, "MAX_FOLDER_ASSETS", 500)
    wanted = names(0, 600)
    with client_for(bulk) as client:
        found = read_assets(client, wanted)
    assert sorted(found) == wanted


def test_deleted_assets_are_absent_and_confirmed_by_path(bulk):
    wanted = names(0, 600)[::2]
    gone = wanted[10:15]
    for path in gone:
        bulk.repo.remove(path)
    bulk.repo.changed()
    with client_for(bulk) as client:
        sent = recording(client)
        found = read_assets(client, wanted)
    assert sorted(found) == sorted(set(wanted) - set(gone))
    assert sorted(p for params in sent for p in listed_paths(params)) == sorted(gone)


def test_a_failing_page_falls_back_to_path_queries(bulk):
    wanted = names(0, 600)[::2]
    bulk.inject(status=500, times=1, method="GET", path_prefix="/bin/querybuilder")
    with client_for(bulk, retries=0) as client:
        found = read_assets(client, wanted)
        assert found == fetch_assets(client, wanted)


def test_assets_shifted_past_a_page_by_a_concurrent_insert_are_not_missed(bulk):
    wanted = names(0, 600)
    folder = bulk.repo.node(FOLDER)

    def insert_before_everything():  # another session uploads assets that sort first, between our pages
        for number in range(30):
            add_asset(folder, f"a-new-{number:03d}.jpg", BASE_TIME,
                      metadata_node([("new", 0.5)], args=SyncArguments(), with_xmp=False))
        bulk.repo.changed()

    seen: list[str] = []
    with client_for(bulk) as client:
        bulk.inject(kind="pass", method="GET", path_prefix="/bin/querybuilder", before=lambda: bulk.inject(
            kind="pass", method="GET", path_prefix="/bin/querybuilder", before=insert_before_everything))
        sent = recording(client)
        rest = read_by_folder_pages(client, wanted, lambda hits: seen.extend(h["jcr:path"] for h in hits),
                                    workers=1, page_size=100)
    assert rest == [] and sorted(seen) == wanted  # each once: the shifted ones came on one page further
    assert [int(p["p.offset"]) for p in sent] == [0, 100, 200, 300, 400, 500, 600]


def test_assets_moved_away_during_the_pages_are_left_to_path_reads(bulk):
    wanted = names(0, 600)
    moved = wanted[450:460]

    def move_away():
        target = bulk.repo.ensure_node(f"{BULK_ROOT}/elsewhere", "sling:Folder")
        for path in moved:
            target.children[path.rsplit("/", 1)[1]] = bulk.repo.node(path)
            bulk.repo.remove(path)
        bulk.repo.changed()

    seen: list[str] = []
    with client_for(bulk) as client:
        bulk.inject(kind="pass", method="GET", path_prefix="/bin/querybuilder", before=lambda: bulk.inject(
            kind="pass", method="GET", path_prefix="/bin/querybuilder", before=move_away))
        rest = read_by_folder_pages(client, wanted, lambda hits: seen.extend(h["jcr:path"] for h in hits),
                                    workers=1, page_size=100)
        assert set(rest) >= set(moved) and set(rest) | set(seen) == set(wanted) and not set(rest) & set(seen)
        assert sorted(read_assets(client, wanted)) == sorted(set(wanted) - set(moved))


def test_every_page_stays_under_the_read_limit_where_oak_sorts_in_memory():
    limits = CloudLimits(query_read_limit=1500, ordered_index=False)
    with Simulator(build_bulk_repository(BulkSpec(assets=2400, per_folder=1200)), limits=limits) as sim:
        wanted = names(0, 1200)[::2]
        with client_for(sim) as client:
            found = read_assets(client, wanted)
        assert sorted(found) == wanted and sim.stats.errors[500] == 0
        # a folder past the limit: its pages fail like AEM; the assets are still all read, by path
        sim.limits = CloudLimits(query_read_limit=1000, ordered_index=False)
        with client_for(sim, retries=0) as client:
            assert sorted(read_assets(client, wanted)) == wanted


def test_without_querybuilder_assets_are_read_one_by_one(bulk):
    wanted = names(0, 600)[:60]
    bulk.inject(status=404, times=10**6, method="GET", path_prefix="/bin/querybuilder")
    with client_for(bulk) as client:
        found = read_assets(client, wanted)
    assert sorted(found) == wanted
    assert bulk.stats.errors[404] == 1 + 1  # the first folder page, then the first path query: no more tries


@contextmanager
def demo(assets: int) -> Iterator[tuple[Simulator, AemClient]]:
    with Simulator(build_demo_repository(DemoSpec(assets=assets, real_images=False)), json_max_results=10**6) as sim, \
            client_for(sim) as client:
        yield sim, client


def test_sync_of_dense_folders_guards_and_verifies_with_folder_pages(tmp_path):
    with demo(2400) as (_sim, client):
        fixable = audit(take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False)).fixable()
        plan = plan_sync(client, fixable, SyncArguments())
        sent = recording(client)
        result = apply_plan(client, plan, Journal(tmp_path / "j.jsonl"), show_progress=False)
        assert result.ok and result.outcomes["verified"].sum() == len(result.outcomes) and len(plan) > 1000
        reads = [params for params in sent if "type" in params]
        assert reads and all("path.flat" in params and not listed_paths(params) for params in reads)
        folders = len({c.asset.rsplit("/", 1)[0] for c in plan.changes})
        assert len(reads) == 2 * folders  # the guard read and the read-back: one page per folder each
        after = audit(take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False))
        assert after.fixable().empty


def test_guard_page_catches_a_change_made_after_the_preview(tmp_path):
    with demo(800) as (sim, client):
        snapshot = take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False)
        plan = plan_sync(client, audit(snapshot).fixable(), SyncArguments())
        changed_per_folder = Counter(c.asset.rsplit("/", 1)[0] for c in plan.changes)
        folder, wanted = changed_per_folder.most_common(1)[0]
        assert wanted >= folder_reads.MIN_WANTED_PER_FOLDER  # a folder whose guard read is a page of it
        victim = next(c for c in plan.changes if c.before is not None and c.asset.rsplit("/", 1)[0] == folder)
        sim.repo.node(victim.node_path).set("xmpArraySize", 42)  # another writer, after the preview
        sim.repo.changed()
        sent = recording(client)
        result = apply_plan(client, plan, Journal(tmp_path / "j.jsonl"), show_progress=False)
        reads = [params for params in sent if "type" in params]
        assert not any(victim.asset in listed_paths(params) for params in reads)  # never read by path
        assert any(params.get("path") == folder and "path.flat" in params for params in reads)
        outcome = result.outcomes.set_index("asset").loc[victim.asset]
        assert outcome["outcome"] == "skipped" and "changed since the preview" in outcome["reason"]
        assert client.read_tree(victim.node_path)["xmpArraySize"] == 42
        assert (result.outcomes["outcome"] == "applied").sum() == len(plan) - 1
