"""The snapshot store: per AEM and DAM folder under the per-user data folder, the last few kept, written aside and
renamed into place; an explicit folder holds one snapshot."""

import pytest

from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import ConfigError, UsageError
from xmpaudit.read.snapshot import Snapshot
from xmpaudit.read.snapshot_store import SnapshotStore

SOURCE, ROOT = "http://aem.example:4502", "/content/dam/brand/shoes"


def snapshot(number: int) -> Snapshot:
    return Snapshot.from_hits([], SyncArguments(), source=SOURCE, root=ROOT, number=number)


def test_per_user_store_lives_under_the_data_home_one_folder_per_aem_and_root(xmpaudit_home):
    store = SnapshotStore.of(SOURCE, ROOT)
    assert store.folder.parent == xmpaudit_home / "snapshots"
    assert store.folder.name.startswith("aem.example-4502_brand-shoes_")
    assert SnapshotStore.of(SOURCE, "/content/dam/brand/hats").folder != store.folder
    assert SnapshotStore.of("http://other:4502", ROOT).folder != store.folder
    assert store.latest() is None and store.saved() == []


def test_keeps_the_newest_few_and_loads_the_latest(xmpaudit_home):
    store = SnapshotStore.of(SOURCE, ROOT, keep=3)
    folders = [store.save(snapshot(n)) for n in range(5)]
    assert store.saved() == folders[-3:] and not folders[0].exists()
    assert store.latest().meta["number"] == 4
    assert not [p for p in store.folder.iterdir() if p.name.endswith(".partial")]
    (store.folder / "99990101T000000.000000Z.partial").mkdir()  # a save cut short is never loaded
    assert store.latest().meta["number"] == 4


def test_explicit_folder_holds_one_snapshot(tmp_path):
    store = SnapshotStore.at(tmp_path / "snap")
    assert store.latest() is None
    store.save(snapshot(1))
    store.save(snapshot(2))
    assert store.saved() == [tmp_path / "snap"] and store.latest().meta["number"] == 2
    assert SnapshotStore.for_session(SOURCE, ROOT, tmp_path / "snap") == store
    assert SnapshotStore.for_session(SOURCE, ROOT, None) == SnapshotStore.of(SOURCE, ROOT)


def test_a_damaged_snapshot_is_one_clear_error(tmp_path):
    store = SnapshotStore.at(tmp_path / "snap")
    store.save(snapshot(1))
    (tmp_path / "snap" / "assets.parquet").write_text("torn")
    with pytest.raises(ConfigError, match=r"snap is damaged .*: take a new inventory"):
        store.latest()
    with pytest.raises(UsageError, match="keeps at least one snapshot"):
        SnapshotStore.of(SOURCE, ROOT, keep=0)
