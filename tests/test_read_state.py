"""Local read state: damaged checkpoints and snapshots give one clear line, parts are checked against the state
file, every part records when its read began and a snapshot is as fresh as its oldest part."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.conftest import client_for
from tests.test_inventory_scale import SMALL, FailAfter, small_limits
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.dates import parse_moment
from xmpaudit.core.errors import AemHttpError, ConfigError
from xmpaudit.read.checkpoints import STATE_FILE
from xmpaudit.read.incremental import incremental_since
from xmpaudit.read.inventory import take_inventory
from xmpaudit.read.snapshot import Snapshot
from xmpaudit.simulator import Simulator
from xmpaudit.simulator.bulk_dam import BULK_ROOT, BulkSpec, build_bulk_repository

pytestmark = pytest.mark.e2e


@pytest.fixture
def bulk() -> Iterator[Simulator]:
    with Simulator(build_bulk_repository(BulkSpec(assets=1500, per_folder=1300, per_second=3)),
                   limits=small_limits()) as sim:
        yield sim


@pytest.fixture
def interrupted(bulk: Simulator, tmp_path: Path) -> Path:
    """A checkpoint folder of an inventory that failed after some partitions were saved."""
    with client_for(bulk) as client:
        FailAfter(client, 10)
        with pytest.raises(AemHttpError, match="injected"):
            take_inventory(client, BULK_ROOT, SyncArguments(), workers=1,
                           checkpoint_dir=tmp_path, show_progress=False, **SMALL)
    assert len(_state(tmp_path)["finished"]) >= 2
    return tmp_path


def _state(folder: Path) -> dict:
    return json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))


def _resume(sim: Simulator, folder: Path) -> Snapshot:
    with client_for(sim) as client:
        return take_inventory(client, BULK_ROOT, SyncArguments(), workers=1,
                              checkpoint_dir=folder, show_progress=False, **SMALL)


STATES = {
    "truncated": lambda text: text[: len(text) // 2],
    "garbage": lambda text: "\x00\xff garbage {",
    "empty": lambda text: "",
    "a list": lambda text: "[]",
    "finished not a list": lambda text: json.dumps({**json.loads(text), "finished": "x"}),
    "a window without its part": lambda text: json.dumps(
        {**json.loads(text), "finished": [{k: v for k, v in f.items() if k != "part"}
                                          for f in json.loads(text)["finished"]]}),
    "a part outside its folder": lambda text: json.dumps(
        {**json.loads(text), "finished": [{**f, "part": "../../etc"} for f in json.loads(text)["finished"]]}),
}


@pytest.mark.parametrize("damage", list(STATES))
def test_a_damaged_state_file_is_one_clear_error(bulk, interrupted, damage):
    file = interrupted / STATE_FILE
    file.write_text(STATES[damage](file.read_text(encoding="utf-8")), encoding="latin-1")
    with pytest.raises(ConfigError, match=rf"Checkpoint state .*{STATE_FILE}.*delete") as caught:
        _resume(bulk, interrupted)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "meta garbage", "meta a list", "missing"])
def test_a_damaged_part_is_one_clear_error(bulk, interrupted, damage):
    part = interrupted / "parts" / _state(interrupted)["finished"][0]["part"]
    parquet = part / "xmp_tags.parquet"
    if damage == "truncated":
        parquet.write_bytes(parquet.read_bytes()[:100])
    elif damage == "garbage":
        parquet.write_bytes(b"PAR1 not really parquet PAR1")
    elif damage == "empty":
        parquet.write_bytes(b"")
    elif damage == "meta garbage":
        (part / "snapshot.json").write_text("{ nope", encoding="utf-8")
    elif damage == "meta a list":
        (part / "snapshot.json").write_text("[]", encoding="utf-8")
    else:
        parquet.unlink()
    with pytest.raises(ConfigError, match=rf"Checkpoint part {part.name}.*delete") as caught:
        _resume(bulk, interrupted)
    assert "\n" not in str(caught.value)


def test_a_part_replaced_by_another_windows_part_is_refused(bulk, interrupted):
    first, second = (interrupted / "parts" / f["part"] for f in _state(interrupted)["finished"][:2])
    shutil.rmtree(first)
    shutil.copytree(second, first)
    with pytest.raises(ConfigError, match="holds window"):
        _resume(bulk, interrupted)


def test_a_part_with_another_asset_count_than_recorded_is_refused(bulk, interrupted):
    state = _state(interrupted)
    part = interrupted / "parts" / state["finished"][0]["part"]
    meta = json.loads((part / "snapshot.json").read_text(encoding="utf-8"))
    meta.pop("window")  # a part from before windows were recorded: its count is still checked
    (part / "snapshot.json").write_text(json.dumps(meta), encoding="utf-8")
    state["finished"][0]["assets"] += 39
    (interrupted / STATE_FILE).write_text(json.dumps(state), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"holds \d+ assets, not \d+ as"):
        _resume(bulk, interrupted)


@pytest.mark.parametrize("damage", ["meta garbage", "meta empty", "meta a list", "assets truncated",
                                    "tags point nowhere", "a folder is a file"])
def test_a_damaged_saved_snapshot_is_one_clear_error(bulk, tmp_path, damage):
    with client_for(bulk) as client:
        snapshot = take_inventory(client, BULK_ROOT, SyncArguments(), show_progress=False, **SMALL)
    folder = snapshot.save(tmp_path / "saved")
    if damage == "meta garbage":
        (folder / "snapshot.json").write_bytes(b"\xff\xfe garbage")
    elif damage == "meta empty":
        (folder / "snapshot.json").write_text("", encoding="utf-8")
    elif damage == "meta a list":
        (folder / "snapshot.json").write_text("[1, 2]", encoding="utf-8")
    elif damage == "assets truncated":
        data = (folder / "assets.parquet").read_bytes()
        (folder / "assets.parquet").write_bytes(data[: len(data) // 2])
    elif damage == "tags point nowhere":
        tags = snapshot.xmp_tags.copy()
        tags["asset_id"] = tags["asset_id"] + len(snapshot.assets)
        Snapshot(snapshot.assets, snapshot.smart_tags, tags, snapshot.meta).save(folder)
    else:
        shutil.rmtree(folder)
        folder.write_text("not a folder", encoding="utf-8")
    with pytest.raises(ConfigError, match=str(folder.name)) as caught:
        Snapshot.load(folder)
    assert "\n" not in str(caught.value)


def test_a_snapshot_is_as_fresh_as_its_oldest_part(bulk, interrupted):
    kept = min(parse_moment(f["read_started"]) for f in _state(interrupted)["finished"])
    resumed_at = datetime.now(timezone.utc)
    resumed = _resume(bulk, interrupted)
    assert parse_moment(resumed.meta["oldest_read"]) == kept < resumed_at
    assert parse_moment(resumed.meta["taken_at"]) == kept  # stamped as old as the oldest row it holds
    with client_for(bulk) as client:
        fresh = take_inventory(client, BULK_ROOT, SyncArguments(), show_progress=False, **SMALL)
    assert parse_moment(fresh.meta["oldest_read"]) <= parse_moment(fresh.meta["taken_at"])
    assert incremental_since(fresh) == parse_moment(fresh.meta["oldest_read"]) - timedelta(minutes=10)


def test_a_resumed_inventory_rereads_what_changed_in_its_kept_parts(bulk, interrupted):
    part = Snapshot.load(interrupted / "parts" / _state(interrupted)["finished"][0]["part"])
    asset = str(part.assets["path"].iloc[0])
    with client_for(bulk) as client:  # re-tagged after its partition was read
        client.sling_post(f"{asset}/jcr:content", [
            ("./jcr:lastModified", datetime.now(timezone.utc).isoformat()), ("./jcr:lastModified@TypeHint", "Date"),
            ("./metadata/predictedTags/fresh/name", "fresh tag"),
            ("./metadata/predictedTags/fresh/confidence", "0.9"),
            ("./metadata/predictedTags/fresh/confidence@TypeHint", "Double")])
    resumed = _resume(bulk, interrupted)
    tags = resumed.smart_tags[resumed.smart_tags["asset"].astype(str) == asset]
    assert "fresh tag" in set(tags["name"].astype(str))
    assert resumed.assets["path"].astype(str).tolist().count(asset) == 1
    assert len(resumed.assets) == 1500


def test_a_resumed_snapshot_is_stamped_before_a_write_its_kept_rows_do_not_show(bulk, interrupted):
    part = Snapshot.load(interrupted / "parts" / _state(interrupted)["finished"][0]["part"])
    asset = str(part.assets["path"].iloc[0])
    with client_for(bulk) as client:  # a sync's POST: jcr:lastModified stays as it was, so the resume cannot see it
        client.sling_post(f"{asset}/jcr:content/metadata", [("./dam:predictedTags/xmpNodeType", "xmpArray")])
    written_at = datetime.now(timezone.utc)
    resumed = _resume(bulk, interrupted)
    row = resumed.assets[resumed.assets["path"].astype(str) == asset]
    assert not row["xmp_present"].iloc[0]  # the kept row, from before the write
    kept = min(parse_moment(f["read_started"]) for f in _state(interrupted)["finished"])
    assert parse_moment(resumed.meta["taken_at"]) == kept <= written_at  # not the resume's end
