"""Whole-number Doubles that QueryBuilder may print as integers (``1.0`` as ``1``): the audit, sync and verify still
see the JCR type, confirmed with a Sling GET, and a real Long confidence still reads as types-stale."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

from tests.conftest import asset_hit, client_for, small_repository, xmp_node
from xmpaudit.audit.compare import audit
from xmpaudit.core.acs import SyncArguments
from xmpaudit.read import number_types
from xmpaudit.read.folder_reads import read_assets
from xmpaudit.read.inventory import take_inventory
from xmpaudit.simulator import Simulator
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.plan import plan_sync

pytestmark = pytest.mark.e2e
ROOT = "/content/dam/numbers"
WHOLE = [("studio", 1.0), ("white background", 0.0)]


def _tags(tags):
    return [{"name": name, "confidence": confidence} for name, confidence in tags]


def _long_confidence_node():
    node = xmp_node(WHOLE)
    node["1"]["dam:predictedTagConfidence"] = 1  # a Long: the ACS process writes a Double
    return node


@pytest.fixture(params=[True, False], ids=["doubles-without-point", "doubles-with-point"])
def numbers(request) -> Iterator[Simulator]:
    assets = {
        f"{ROOT}/in-sync.jpg": asset_hit(f"{ROOT}/in-sync.jpg", _tags(WHOLE), xmp_node(WHOLE)),
        f"{ROOT}/missing.jpg": asset_hit(f"{ROOT}/missing.jpg", _tags(WHOLE)),
        f"{ROOT}/long.jpg": asset_hit(f"{ROOT}/long.jpg", _tags(WHOLE), _long_confidence_node()),
    }
    assets.update({f"{ROOT}/more-{n:02d}.jpg": asset_hit(f"{ROOT}/more-{n:02d}.jpg", _tags(WHOLE), xmp_node(WHOLE))
                   for n in range(60)})  # enough for the folder to be read by pages
    repo = small_repository(assets)
    for path in assets:
        repo.node(path).set("jcr:created", datetime(2026, 1, 1, tzinfo=timezone.utc))
    repo.changed()
    with Simulator(repo) as sim:
        sim.querybuilder_doubles_without_point = request.param
        yield sim


def statuses(sim: Simulator) -> dict[str, str]:
    with client_for(sim) as client:
        result = audit(take_inventory(client, ROOT, SyncArguments(), show_progress=False))
    return dict(zip(result.assets["path"].astype(str), result.assets["status"].astype(str), strict=True))


def test_whole_number_doubles_read_as_doubles_and_a_long_stays_stale(numbers):
    found = statuses(numbers)
    assert found[f"{ROOT}/in-sync.jpg"] == "in_sync" and found[f"{ROOT}/more-00.jpg"] == "in_sync"
    assert found[f"{ROOT}/missing.jpg"] == "missing_xmp"
    assert found[f"{ROOT}/long.jpg"] == "stale_xmp"


def test_the_check_is_what_keeps_them_in_sync(numbers, monkeypatch):
    monkeypatch.setattr(number_types, "integer_confidence", lambda hit, args: False)
    found = statuses(numbers)
    expected = "stale_xmp" if numbers.querybuilder_doubles_without_point else "in_sync"
    assert found[f"{ROOT}/in-sync.jpg"] == expected  # without it a printer dropping ".0" looks like a Long


def test_sync_writes_only_the_real_changes_and_verifies(numbers, journal):
    with client_for(numbers) as client:
        targets = [f"{ROOT}/in-sync.jpg", f"{ROOT}/missing.jpg", f"{ROOT}/long.jpg"] + [
            f"{ROOT}/more-{n:02d}.jpg" for n in range(60)]
        plan = plan_sync(client, targets, SyncArguments())
        assert sorted(c.asset for c in plan.changes) == [f"{ROOT}/long.jpg", f"{ROOT}/missing.jpg"]
        result = apply_plan(client, plan, journal, show_progress=False)
        written = result.outcomes[result.outcomes["outcome"] == "applied"]
        assert result.ok and written["verified"].sum() == len(written) == 2  # every written row verified, none NA
        assert client.read_tree(f"{ROOT}/long.jpg/jcr:content/metadata/dam:predictedTags/1")[
            "dam:predictedTagConfidence"] == 1.0
        hits = read_assets(client, targets, args=plan.arguments)
    assert set(statuses(numbers).values()) == {"in_sync"}
    assert hits[f"{ROOT}/missing.jpg"]["jcr:content"]["metadata"]["dam:predictedTags"]["1"][
        "dam:predictedTagConfidence"].__class__ is float


def test_no_extra_reads_where_confidences_are_not_whole_numbers(numbers):
    for name in list(numbers.repo.node(ROOT).children):
        for number in ("1", "2"):
            item = numbers.repo.node(f"{ROOT}/{name}/jcr:content/metadata/dam:predictedTags/{number}")
            if item is not None:
                item.set("dam:predictedTagConfidence", 0.75)
    numbers.repo.changed()
    numbers.stats.reset()
    statuses(numbers)
    assert not [p for method, p in numbers.stats.log if method == "GET" and p.endswith(".json")
                and not p.startswith("/bin/querybuilder")]


@pytest.mark.parametrize("big", [2**64, 10**400, -(2**70)])
def test_integers_wider_than_a_long_are_read_without_overflow(big):
    """No JCR Long holds them: the size counts as wrongly typed (stale), a confidence is read as its digits."""
    from xmpaudit.core.acs import SyncArguments
    from xmpaudit.read.snapshot import Snapshot

    node = xmp_node([("a", 0.5)])
    node["xmpArraySize"] = big
    node["1"]["dam:predictedTagConfidence"] = big
    snapshot = Snapshot.from_hits([asset_hit(f"{ROOT}/big.jpg", [{"name": "x", "confidence": big}], node)],
                                  SyncArguments())
    assert snapshot.assets["xmp_array_size"].isna().all()
    assert snapshot.smart_tags["confidence"].iloc[0] == float(str(big))  # Double.parseDouble: 1e400 is Infinity
    assert audit(snapshot).assets["status"].astype(str).tolist() == ["stale_xmp"]
