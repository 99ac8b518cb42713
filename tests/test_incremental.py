"""read/incremental.py: a re-inventory that reads only what changed, and refuses a snapshot of something else."""

from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import ConfigError
from xmpaudit.read.incremental import incremental_since, refresh_inventory
from xmpaudit.read.inventory import take_inventory


@pytest.fixture(scope="module")
def full(demo_readonly):
    return take_inventory(demo_readonly.client, demo_readonly.root, SyncArguments(), show_progress=False)


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=["asset_id"]).astype(str).sort_values(list(frame.columns.drop("asset_id"))) \
        .reset_index(drop=True)


def test_nothing_changed_gives_the_same_assets_with_few_requests(demo_readonly, full):
    refreshed, changes = refresh_inventory(demo_readonly.client, full, SyncArguments(), show_progress=False)
    for name in ("assets", "smart_tags", "xmp_tags"):
        pd.testing.assert_frame_equal(canonical(getattr(refreshed, name)), canonical(getattr(full, name)))
    assert (changes.added, changes.deleted) == ([], [])
    assert refreshed.meta["requests"] == changes.requests < len(full.assets) / 10


def test_also_read_rereads_exactly_the_named_assets(demo_readonly, full):
    wanted = full.assets["path"].astype(str).tolist()[:3]
    since = datetime.now(timezone.utc) + timedelta(days=1)  # nothing is newer: only also_read is read again
    refreshed, changes = refresh_inventory(demo_readonly.client, full, SyncArguments(), since=since, also_read=wanted,
                                           show_progress=False)
    assert changes.changed == sorted(wanted) and (changes.added, changes.deleted) == ([], [])
    assert sorted(refreshed.assets["path"].astype(str)) == sorted(full.assets["path"].astype(str))


def test_a_snapshot_of_another_aem_or_other_arguments_is_refused(demo_readonly, full):
    other = type(full)(full.assets, full.smart_tags, full.xmp_tags, {**full.meta, "source": "http://elsewhere"})
    with pytest.raises(ConfigError, match="another AEM"):
        refresh_inventory(demo_readonly.client, other, SyncArguments(), show_progress=False)
    with pytest.raises(ConfigError, match="other process arguments"):
        refresh_inventory(demo_readonly.client, full, SyncArguments(minimum_confidence=0.5), show_progress=False)


def test_changes_are_read_from_the_previous_snapshots_oldest_read_minus_a_margin(full):
    taken = datetime.fromisoformat(full.meta["oldest_read"])  # when its oldest part began to be read
    assert taken <= datetime.fromisoformat(full.meta["taken_at"])
    assert incremental_since(full) == taken - timedelta(minutes=10)
    assert incremental_since(full, timedelta(0)) == taken
    untimed = type(full)(full.assets, full.smart_tags, full.xmp_tags, {})
    with pytest.raises(ConfigError, match="no oldest_read or taken_at"):
        incremental_since(untimed)


def test_without_a_listing_it_reads_the_named_the_created_and_the_modified_and_drops_named_ones_gone(simulator):
    from datetime import datetime as moment

    from tests.conftest import client_for
    from xmpaudit.simulator.bulk_dam import add_asset, metadata_node

    client = client_for(simulator)
    before = take_inventory(client, "/content/dam/xmpaudit-demo", SyncArguments(), show_progress=False)
    paths = before.assets["path"].astype(str).tolist()
    named, gone, deleted_elsewhere = paths[:2], paths[2], paths[3]
    for path in (gone, deleted_elsewhere):
        client.post(path, {":operation": "delete"})
    repo = simulator.repo
    with repo.lock:
        folder = repo.node(paths[0].rsplit("/", 1)[0])
        added = add_asset(folder, "new-one.jpg", moment.now(timezone.utc), metadata_node([("new", 0.9)], False,
                                                                                         SyncArguments()))
        added.children["jcr:content"].set("jcr:lastModified", moment(2020, 1, 1, tzinfo=timezone.utc))  # as packaged
        repo.changed()
    requests = client.request_count
    refreshed, changes = refresh_inventory(client, before, SyncArguments(), also_read=[*named, gone], list_all=False,
                                           show_progress=False)
    now = set(refreshed.assets["path"].astype(str))
    assert f"{paths[0].rsplit('/', 1)[0]}/new-one.jpg" in now and gone not in now
    assert deleted_elsewhere in now  # a deletion nobody journaled waits for the next full read (facts.md)
    assert set(named) <= set(changes.changed) and changes.deleted == [gone]
    assert client.request_count - requests < 20  # no listing of every path
