"""Writeback workflows against the simulator: concurrency limit, polling, XMP embedded, failures reported."""

import io

import pytest
from PIL import Image

from tests.conftest import DEMO_ROOT
from xmpaudit.audit import audit
from xmpaudit.errors import ConfigError
from xmpaudit.inventory import take_inventory
from xmpaudit.journal import Journal
from xmpaudit.sync import apply_plan, plan_sync
from xmpaudit.writeback import list_models, run_writeback

pytestmark = pytest.mark.e2e


def original_bytes(client, asset):
    return client.request("GET", asset).content


def test_writeback_embeds_synced_tags_with_a_concurrency_limit(simulator, client, tmp_path):
    result = audit(take_inventory(client, DEMO_ROOT, show_progress=False))
    missing = result.assets[(result.assets["status"] == "missing_xmp") & result.assets["name"].str.endswith(".jpg")]
    targets = missing["path"].tolist()[:6]
    plan = plan_sync(client, targets)
    assert apply_plan(client, plan, Journal(tmp_path / "j.jsonl"), show_progress=False).ok
    simulator.workflow_seconds = 0.15
    report = run_writeback(client, targets, max_concurrent=2, poll_interval=0.05, show_progress=False)
    assert report["state"].tolist() == ["COMPLETED"] * 6 and (report["error"] == "").all()
    assert simulator.stats.max_running_workflows == 2
    for change in plan.changes:
        data = original_bytes(client, change.asset)
        Image.open(io.BytesIO(data)).verify()  # still a valid JPEG
        packet = data[data.index(b"<x:xmpmeta"):data.index(b"</x:xmpmeta>")].decode()
        names = [v["dam:predictedTagName"] for v in change.after.values() if isinstance(v, dict)]
        positions = [packet.index(f"<dam:predictedTagName>{n}</dam:predictedTagName>") for n in names]
        assert positions == sorted(positions) and "<dam:predictedTags><rdf:Seq>" in packet


def test_png_writeback_and_repeated_writeback_replaces_packet(client):
    asset = f"{DEMO_ROOT}/products/shoes/café ñandú.png"
    for _ in range(2):
        assert run_writeback(client, [asset], poll_interval=0.02, show_progress=False)["state"][0] == "COMPLETED"
    data = original_bytes(client, asset)
    assert data.count(b"XML:com.adobe.xmp") == 1
    Image.open(io.BytesIO(data)).verify()


def test_failures_are_rows_not_exceptions(simulator, client):
    result = audit(take_inventory(client, DEMO_ROOT, show_progress=False))
    no_metadata = result.assets.loc[result.assets["reason"].str.contains("no metadata", na=False), "path"].iloc[0]
    broken = next(p for p in result.assets["path"]
                  if client.request("GET", p).content == b"not an image")
    report = run_writeback(client, [no_metadata, broken, f"{DEMO_ROOT}/gone.jpg"], poll_interval=0.02,
                           show_progress=False).set_index("asset")
    assert report.loc[no_metadata, "state"] == "ABORTED" and "no metadata" in report.loc[no_metadata, "error"]
    assert report.loc[broken, "state"] == "ABORTED" and "not supported" in report.loc[broken, "error"]
    assert report.loc[f"{DEMO_ROOT}/gone.jpg", "state"] == "NOT_STARTED"
    assert "400" in report.loc[f"{DEMO_ROOT}/gone.jpg", "error"]


def test_unknown_model_and_timeout(simulator, client):
    assert list_models(client) == ["/var/workflow/models/dam-xmp-writeback"]
    with pytest.raises(ConfigError, match=r"does not exist.*dam-xmp-writeback"):
        run_writeback(client, [f"{DEMO_ROOT}/people/what?.jpg"], model="/var/workflow/models/nope")
    simulator.workflow_seconds = 5
    report = run_writeback(client, [f"{DEMO_ROOT}/people/what?.jpg"], poll_interval=0.05, timeout_s=0.2,
                           show_progress=False)
    assert report.loc[0, "state"] == "TIMEOUT" and "still RUNNING" in report.loc[0, "error"]
