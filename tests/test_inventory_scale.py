"""Inventory under AEM as a Cloud Service limits: partitions that never trip the read limit, pages in flight,
checkpoints and resume, bounded paging, duplicates, incremental re-inventory — and the simulator's limits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pandas as pd
import pytest
import requests

from tests.conftest import client_for
from xmpaudit.aem.querybuilder import PagingError
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import AemHttpError
from xmpaudit.read.incremental import refresh_inventory
from xmpaudit.read.inventory import take_inventory
from xmpaudit.read.path_reads import fetch_assets, iter_asset_pages
from xmpaudit.read.snapshot import Snapshot
from xmpaudit.simulator import Simulator
from xmpaudit.simulator.bulk_dam import BULK_ROOT, BulkSpec, add_asset, build_bulk_repository, metadata_node
from xmpaudit.simulator.cloud_limits import JETTY_FORM_BYTES, JETTY_FORM_KEYS, CloudLimits

READ_LIMIT = 500  # the simulator's stand-in for AEM's 100,000

pytestmark = pytest.mark.e2e

SMALL = {"page_size": 100, "read_budget": 250, "partition_assets": 400}


def small_limits(**changes: Any) -> CloudLimits:
    return CloudLimits(query_read_limit=READ_LIMIT, **changes)


def plain_snapshot(sim: Simulator, root: str = BULK_ROOT) -> Snapshot:
    """Today's sequential offset paging with the limits off: the reference result."""
    limits, sim.limits = sim.limits, CloudLimits.off()
    try:
        with client_for(sim) as client:
            hits = [hit for page in iter_asset_pages(client, root) for hit in page]
    finally:
        sim.limits = limits
    return Snapshot.from_hits(hits, SyncArguments())


def canonical(snapshot: Snapshot) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The frames in path order, integer asset ids (if the frames use them) replaced by paths."""
    id_column = next((c for c in ("asset_id", "id") if c in snapshot.assets.columns), None)
    paths = dict(zip(snapshot.assets[id_column], snapshot.assets["path"], strict=True)) if id_column else {}

    def tidy(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        if paths and "asset" in frame.columns and pd.api.types.is_integer_dtype(frame["asset"].dtype):
            frame = frame.assign(asset=frame["asset"].map(paths))
        frame = frame.drop(columns=[id_column] if id_column in frame.columns else [])
        categories = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
        frame = frame.astype(dict.fromkeys(categories, "string"))  # categories differ between snapshots
        return frame.sort_values(keys, kind="stable").reset_index(drop=True)

    return (tidy(snapshot.assets, ["path"]), tidy(snapshot.smart_tags, ["asset", "order"]),
            tidy(snapshot.xmp_tags, ["asset", "index"]))


def assert_same(left: Snapshot, right: Snapshot) -> None:
    for a, b in zip(canonical(left), canonical(right), strict=True):
        pd.testing.assert_frame_equal(a, b)


@pytest.fixture
def bulk() -> Iterator[Simulator]:
    with Simulator(build_bulk_repository(BulkSpec(assets=3000, per_folder=1300, per_second=3)),
                   limits=small_limits()) as sim:
        yield sim


def test_folder_larger_than_the_read_limit_is_inventoried_without_a_failed_query(bulk):
    with client_for(bulk) as client, pytest.raises(AemHttpError, match="HTTP 500"):
        for _ in iter_asset_pages(client, BULK_ROOT, page_size=100):  # today's offset paging trips the limit
            pass
    bulk.stats.reset()
    with client_for(bulk) as client:
        kinds = count_kinds(client)
        snapshot = take_inventory(client, BULK_ROOT, SyncArguments(), workers=4, show_progress=False, **SMALL)
    assert not bulk.stats.errors  # no failed query (nor any other error answer)
    assert len(snapshot.assets) == 3000 and snapshot.assets["path"].is_unique
    windows = snapshot.meta["partitions"]
    assert 3000 / 125 <= windows <= 2 * 3000 / 125  # each window holds at most half the read budget
    assert kinds["page"] <= 3000 / 100 + windows  # pages, plus at most one short page per window
    assert kinds["count"] <= 200  # finding the windows: 4-way splits from 1970..3000 down to 24+ windows
    assert_same(snapshot, plain_snapshot(bulk))


def test_windows_stay_under_the_limit_where_aem_sorts_in_memory(bulk):
    bulk.limits = small_limits(ordered_index=False)  # every ordered query reads all rows it matches
    with client_for(bulk) as client:
        response = client.session.get(bulk.url + "/bin/querybuilder.json",
                                      params={"path": BULK_ROOT, "type": "dam:Asset", "p.limit": "10",
                                              "orderby": "@jcr:created", "p.guessTotal": "true"})
        assert response.status_code == 500  # even a first page of 10 reads all 3000 to sort them
        bulk.stats.reset()
        snapshot = take_inventory(client, BULK_ROOT, SyncArguments(), workers=4, show_progress=False, **SMALL)
        assert not bulk.stats.errors
    assert_same(snapshot, plain_snapshot(bulk))


def test_pages_stay_within_the_budget_even_when_many_assets_share_a_second():
    repo = build_bulk_repository(BulkSpec(assets=900, per_folder=900, per_second=150))
    with Simulator(repo, limits=small_limits()) as sim, client_for(sim) as client:
        snapshot = take_inventory(client, BULK_ROOT, SyncArguments(), workers=2, show_progress=False, **SMALL)
        assert not sim.stats.errors
        assert_same(snapshot, plain_snapshot(sim))


def test_throttled_requests_wait_for_retry_after_and_finish(bulk):
    bulk.limits = small_limits(max_in_flight=1, retry_after_s=0)
    with client_for(bulk) as client:
        snapshot = take_inventory(client, BULK_ROOT, SyncArguments(), workers=4, show_progress=False, **SMALL)
    assert len(snapshot.assets) == 3000


def count_kinds(client: Any) -> dict[str, int]:
    """Counts the client's QueryBuilder requests: pages of hits (ordered) and counts (unordered)."""
    kinds = {"page": 0, "count": 0}
    inner = client.get_json

    def counting(path: str, params: Any = None) -> Any:
        kinds["page" if "orderby" in (params or {}) else "count"] += 1
        return inner(path, params)

    client.get_json = counting
    return kinds


class FailAfter:
    """Wraps client.get_json: pages of hits after the first ``n`` fail like a dropped connection."""

    def __init__(self, client: Any, n: int) -> None:
        self.calls, self.n, self.inner = 0, n, client.get_json
        client.get_json = self

    def __call__(self, path: str, params: Any = None) -> Any:
        self.calls += "orderby" in (params or {})
        if self.calls > self.n:
            raise AemHttpError("injected failure", status=503)
        return self.inner(path, params)


def test_interrupted_inventory_resumes_without_rereading_finished_partitions(bulk, tmp_path):
    with client_for(bulk) as client:
        full = take_inventory(client, BULK_ROOT, SyncArguments(), workers=1, show_progress=False, **SMALL)
    with client_for(bulk) as client:
        FailAfter(client, 15)
        with pytest.raises(AemHttpError, match="injected"):
            take_inventory(client, BULK_ROOT, SyncArguments(), workers=2,
                           checkpoint_dir=tmp_path, show_progress=False, **SMALL)
    state = (tmp_path / "inventory-state.json").read_text()
    assert '"finished"' in state and "part-" in state
    with client_for(bulk) as client:
        resumed = take_inventory(client, BULK_ROOT, SyncArguments(), workers=2,
                                 checkpoint_dir=tmp_path, show_progress=False,
                                 **SMALL)
        second_run = client.request_count
    pages = full.meta["requests"] - second_run  # the counts are repeated, finished partitions are not read again
    assert pages >= 8
    assert_same(resumed, full)
    with client_for(bulk) as client:  # a completed inventory is not "resumed": the next one reads everything
        again = take_inventory(client, BULK_ROOT, SyncArguments(), workers=2,
                               checkpoint_dir=tmp_path, show_progress=False, **SMALL)
        assert client.request_count >= 3000 / SMALL["page_size"]
    assert_same(again, full)


def test_endless_more_true_stops_with_an_error(bulk):
    with client_for(bulk) as client:
        hit = fetch_assets(client, [f"{BULK_ROOT}/folder-00000/asset-00000000.jpg"]).popitem()[1]
        calls = []

        def lying(path: str, params: Any = None) -> Any:
            calls.append(params)
            return {"success": True, "results": 1, "total": 2, "more": True, "offset": int(params["p.offset"]),
                    "hits": [hit]}

        client.get_json = lying
        with pytest.raises(PagingError, match="more=true without new hits"):
            list(iter_asset_pages(client, BULK_ROOT))
        assert len(calls) == 2
        calls.clear()
        with pytest.raises(PagingError, match="more=true without new hits"):
            take_inventory(client, BULK_ROOT, SyncArguments(), workers=2, show_progress=False, **SMALL)
        assert len(calls) < 10


def test_a_server_repeating_offsets_is_stopped(bulk):
    with client_for(bulk) as client:
        inner = client.get_json
        client.get_json = lambda path, params=None: {**inner(path, {**params, "p.offset": "0"}), "offset": 0}
        with pytest.raises(PagingError, match="answered offset 0 when asked for 100"):
            list(iter_asset_pages(client, BULK_ROOT, page_size=100))


def test_duplicate_hits_across_pages_are_counted_once(bulk):
    def overlapping(client: Any) -> None:
        """Every page after the first starts three rows early, as when assets are added while paging."""
        inner = client.get_json

        def shifted(path: str, params: Any = None) -> Any:
            if int(params.get("p.offset", "0")) >= 3:
                body = inner(path, {**params, "p.offset": str(int(params["p.offset"]) - 3)})
                return {**body, "offset": int(params["p.offset"])}
            return inner(path, params)

        client.get_json = shifted

    bulk.limits = CloudLimits.off()  # today's offset paging needs the read limit off
    with client_for(bulk) as client:
        overlapping(client)
        sequential = Snapshot.from_hits([h for page in iter_asset_pages(client, BULK_ROOT, page_size=100)
                                         for h in page], SyncArguments())
    assert sequential.assets["path"].is_unique and len(sequential.assets) == 3000
    bulk.limits = small_limits()
    with client_for(bulk) as client:
        overlapping(client)
        partitioned = take_inventory(client, BULK_ROOT, SyncArguments(), workers=3, show_progress=False, **SMALL)
    assert partitioned.assets["path"].is_unique
    assert_same(partitioned, sequential)


def test_incremental_inventory_reads_only_changes_and_notices_deletions(bulk):
    with client_for(bulk) as client:
        before = take_inventory(client, BULK_ROOT, SyncArguments(), show_progress=False, **SMALL)
    now = datetime.now(timezone.utc)
    repo = bulk.repo
    with repo.lock:
        changed = f"{BULK_ROOT}/folder-00001/asset-00001500.jpg"  # AEM re-processed it: new tags, lastModified
        content = repo.require(f"{changed}/jcr:content")
        content.children["metadata"] = metadata_node([("rocket", 0.9)], args=SyncArguments(), with_xmp=False)
        content.set("jcr:lastModified", now)
        deleted = f"{BULK_ROOT}/folder-00000/asset-00000007.jpg"
        repo.remove(deleted)
        new_folder = repo.require(f"{BULK_ROOT}/folder-00002")
        add_asset(new_folder, "new.jpg", now, metadata_node([("comet", 0.5)], args=SyncArguments(), with_xmp=True))
        moved_in = add_asset(new_folder, "moved-in.jpg", now - timedelta(days=400),
                             metadata_node([("old", 0.4)], args=SyncArguments(), with_xmp=True))
        moved_in.children["jcr:content"].set("jcr:lastModified", now - timedelta(days=400))
        repo.changed()
    with client_for(bulk) as client:
        inner, full_hits = client.get_json, []

        def counting(path: str, params: Any = None) -> Any:
            body = inner(path, params)
            if params.get("p.hits") == "full":
                full_hits.extend(hit["jcr:path"] for hit in body["hits"])
            return body

        client.get_json = counting
        after, changes = refresh_inventory(client, before, SyncArguments(), page_size=SMALL["page_size"],
                                           read_budget=SMALL["read_budget"], show_progress=False)
        used = client.request_count
    assert changes.changed == [changed]
    assert sorted(changes.added) == [f"{BULK_ROOT}/folder-00002/moved-in.jpg", f"{BULK_ROOT}/folder-00002/new.jpg"]
    assert changes.deleted == [deleted]
    assert sorted(full_hits) == sorted([changed, *changes.added])  # full hits only for what changed
    assert used < before.meta["requests"] + 20  # paths-only listing pages (125 per page here) and the changes
    assert_same(after, plain_snapshot(bulk))


def test_incremental_inventory_rereads_an_asset_replaced_with_an_older_last_modified(bulk):
    """A package restore or a move with replace puts another node at the path: its jcr:lastModified may be older
    than the previous read, its jcr:created (and jcr:uuid on AEM) differ."""
    with client_for(bulk) as client:
        before = take_inventory(client, BULK_ROOT, SyncArguments(), show_progress=False, **SMALL)
    path = f"{BULK_ROOT}/folder-00000/asset-00000100.jpg"
    old = datetime(2001, 1, 1, tzinfo=timezone.utc)
    with bulk.repo.lock:
        bulk.repo.remove(path)
        folder = bulk.repo.require(f"{BULK_ROOT}/folder-00000")
        restored = add_asset(folder, "asset-00000100.jpg", old,
                             metadata_node([("restored", 0.7)], args=SyncArguments(), with_xmp=False))
        restored.children["jcr:content"].set("jcr:lastModified", old)
        bulk.repo.changed()
    with client_for(bulk) as client:
        after, changes = refresh_inventory(client, before, SyncArguments(), page_size=SMALL["page_size"],
                                           read_budget=SMALL["read_budget"], show_progress=False)
    assert changes.changed == [path] and changes.added == [] and changes.deleted == []
    tags = after.smart_tags[after.smart_tags["asset"].astype(str) == path]
    assert tags["name"].astype(str).tolist() == ["restored"]
    assert_same(after, plain_snapshot(bulk))


def test_simulator_answers_like_aem_when_a_query_reads_too_many_nodes(bulk):
    with client_for(bulk) as client:
        response = client.session.get(bulk.url + "/bin/querybuilder.json",
                                      params={"path": BULK_ROOT, "type": "dam:Asset", "p.limit": "10",
                                              "p.offset": "495", "p.guessTotal": "true"})
        assert response.status_code == 500
        assert "RuntimeNodeTraversalException: The query read or traversed more than 500 nodes" in response.text
        counted = client.session.get(bulk.url + "/bin/querybuilder.json",  # no p.guessTotal: counts every row
                                     params={"path": BULK_ROOT, "type": "dam:Asset", "p.limit": "1"})
        assert counted.status_code == 500


def test_simulator_request_line_form_and_time_limits(bulk):
    with client_for(bulk) as client:
        url = bulk.url + "/bin/querybuilder.json?path=" + "x" * 8200
        assert requests.get(url, auth=("admin", "admin"), timeout=10).status_code == 414
        token = client.csrf_token()
        headers = {"CSRF-Token": token}
        bulk.limits = small_limits(form_keys=JETTY_FORM_KEYS, form_bytes=JETTY_FORM_BYTES)  # off by default, as Sling
        too_many = [(f"k{i}", "v") for i in range(1001)]
        response = requests.post(bulk.url + BULK_ROOT, data=too_many, auth=("admin", "admin"), headers=headers,
                                 timeout=10)
        assert response.status_code == 400 and "Too many keys" in response.text
        too_big = [("k", "v" * 200_001)]
        response = requests.post(bulk.url + BULK_ROOT, data=too_big, auth=("admin", "admin"), headers=headers,
                                 timeout=10)
        assert response.status_code == 413
        bulk.limits = small_limits(request_seconds=0.05)
        bulk.latency_s = 0.1
        slow = requests.get(bulk.url + "/libs/granite/csrf/token.json", auth=("admin", "admin"), timeout=10)
        assert slow.status_code == 503


def test_fetch_assets_sizes_request_lines_by_bytes(bulk):
    repo = bulk.repo
    names = [f"{'long-name-' * 12}{i:03d}.jpg" for i in range(150)]
    with repo.lock:
        folder = repo.ensure_node(f"{BULK_ROOT}/folder with a rather long name ü/and another level", "sling:Folder")
        for name in names:
            add_asset(folder, name, datetime.now(timezone.utc),
                      metadata_node([("x", 0.5)], args=SyncArguments(), with_xmp=False))
        repo.changed()
    paths = [f"{BULK_ROOT}/folder with a rather long name ü/and another level/{n}" for n in names]
    with client_for(bulk) as client:
        sent = []
        inner = client.session.request

        def recording(method: str, url: str, **kwargs: Any) -> Any:
            response = inner(method, url, **kwargs)
            sent.append(len(f"{method} {response.request.path_url} HTTP/1.1"))
            return response

        client.session.request = recording
        found = fetch_assets(client, paths)
    assert sorted(found) == sorted(paths)
    assert len(sent) > 1 and max(sent) <= 7 * 1024


def test_cli_inventory_resumes_and_updates_incrementally(bulk, tmp_path, monkeypatch, capsys):
    from xmpaudit.cli.main import main

    for key, value in {"XMPAUDIT_URL": bulk.url, "XMPAUDIT_USER": "admin", "XMPAUDIT_PASSWORD": "admin"}.items():
        monkeypatch.setenv(key, value)
    out, parts = str(tmp_path / "snap"), str(tmp_path / "parts")
    assert main(["-q", "inventory", "--root", BULK_ROOT, "--out", out, "--workers", "2", "--checkpoint", parts,
                 "--page-size", "50", "--read-limit", "500"]) == 0
    assert "3,000 assets" in capsys.readouterr().out
    with bulk.repo.lock:
        bulk.repo.remove(f"{BULK_ROOT}/folder-00000/asset-00000001.jpg")
        bulk.repo.changed()
    assert main(["-q", "inventory", "--root", BULK_ROOT, "--out", out, "--incremental", "--page-size", "50",
                 "--read-limit", "500"]) == 0
    printed = capsys.readouterr().out
    assert "0 changed, 0 added, 1 deleted" in printed and "2,999 assets" in printed
    assert main(["-q", "inventory", "--root", "/content/dam/other", "--out", out, "--incremental"]) == 2
    assert "holds an inventory of /content/dam/bulk" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["-q", "inventory", "--workers", "0"])


def test_incremental_inventory_after_a_sync_rereads_what_the_journal_wrote(simulator, tmp_path, monkeypatch, capsys):
    import shutil

    from tests.conftest import DEMO_ROOT
    from xmpaudit.audit.compare import audit
    from xmpaudit.cli.main import main

    for key, value in {"XMPAUDIT_URL": simulator.url, "XMPAUDIT_USER": "admin", "XMPAUDIT_PASSWORD": "admin"}.items():
        monkeypatch.setenv(key, value)
    out, journal = tmp_path / "snap", tmp_path / "journal.jsonl"
    assert main(["-q", "inventory", "--root", DEMO_ROOT, "--out", str(out)]) == 0
    fixable = len(audit(Snapshot.load(out)).fixable())
    assert fixable and main(["-q", "sync", "--root", DEMO_ROOT, "--apply", "--journal", str(journal)]) == 0
    shutil.copytree(out, tmp_path / "copy")
    capsys.readouterr()
    # a Sling POST to the metadata leaves no last-modified time (as on real Sling): only the journal tells
    assert main(["-q", "inventory", "--root", DEMO_ROOT, "--out", str(tmp_path / "copy"), "--incremental",
                 "--journal", str(tmp_path / "no-journal.jsonl")]) == 0
    assert "0 changed" in capsys.readouterr().out
    assert len(audit(Snapshot.load(tmp_path / "copy")).fixable()) == fixable  # stale: what the option prevents
    assert main(["-q", "inventory", "--root", DEMO_ROOT, "--out", str(out), "--incremental",
                 "--journal", str(journal)]) == 0
    assert f"{fixable} changed, 0 added, 0 deleted" in capsys.readouterr().out
    assert audit(Snapshot.load(out)).fixable().empty
