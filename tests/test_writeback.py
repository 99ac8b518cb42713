"""Writeback workflows against the simulator: pre-flight findings, concurrency limit, polling, at-most-once starts,
the binary proof, sync + writeback as one run, and the CLI's refusals."""

import io

import pytest
from PIL import Image

from tests.conftest import DEMO_ROOT, client_for
from xmpaudit.aem.workflows import list_models
from xmpaudit.audit.compare import audit
from xmpaudit.cli.main import main
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import ConfigError
from xmpaudit.core.locations import default_journal_path
from xmpaudit.read.inventory import take_inventory
from xmpaudit.simulator import DemoSpec, Simulator, build_demo_repository
from xmpaudit.simulator.workflow_models import WorkflowSetup, writeback_steps
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import plan_sync
from xmpaudit.write.sync_writeback import sync_and_writeback
from xmpaudit.write.writeback import run_writeback
from xmpaudit.write.writeback_preflight import writeback_preflight

pytestmark = pytest.mark.e2e


def original_bytes(client, asset):
    return client.request("GET", asset).content


def test_writeback_embeds_synced_tags_with_a_concurrency_limit(simulator, client, tmp_path):
    result = audit(take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False))
    missing = result.assets[(result.assets["status"] == "missing_xmp") & result.assets["name"].str.endswith(".jpg")]
    targets = missing["path"].tolist()[:6]
    plan = plan_sync(client, targets, SyncArguments())
    assert apply_plan(client, plan, Journal(tmp_path / "j.jsonl"), show_progress=False).ok
    simulator.workflow_seconds = 0.15
    report = run_writeback(client, targets, args=SyncArguments(), max_concurrent=2, poll_interval=0.05,
                           show_progress=False)
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
        assert run_writeback(client, [asset], args=SyncArguments(), poll_interval=0.02,
                             show_progress=False)["state"][0] == "COMPLETED"
    data = original_bytes(client, asset)
    assert data.count(b"XML:com.adobe.xmp") == 1
    Image.open(io.BytesIO(data)).verify()


def test_failures_are_rows_not_exceptions(simulator, client):
    result = audit(take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False))
    no_metadata = result.assets.loc[result.assets["reason"].str.contains("no metadata", na=False), "path"].iloc[0]
    broken = next(p for p in result.assets["path"]
                  if client.request("GET", p).content == b"not an image")
    report = run_writeback(client, [no_metadata, broken, f"{DEMO_ROOT}/gone.jpg"], args=SyncArguments(),
                           poll_interval=0.02,
                           show_progress=False).set_index("asset")
    assert report.loc[no_metadata, "state"] == "ABORTED" and "no metadata" in report.loc[no_metadata, "error"]
    assert report.loc[broken, "state"] == "ABORTED" and "not supported" in report.loc[broken, "error"]
    assert report.loc[f"{DEMO_ROOT}/gone.jpg", "state"] == "NOT_STARTED"
    assert "400" in report.loc[f"{DEMO_ROOT}/gone.jpg", "error"]


def test_unknown_model_and_timeout(simulator, client):
    assert "/var/workflow/models/dam-xmp-writeback" in list_models(client)
    with pytest.raises(ConfigError, match=r"does not exist.*dam-xmp-writeback"):
        run_writeback(client, [f"{DEMO_ROOT}/people/what?.jpg"], args=SyncArguments(),
                      model="/var/workflow/models/nope")
    simulator.workflow_seconds = 5
    report = run_writeback(client, [f"{DEMO_ROOT}/people/what?.jpg"], args=SyncArguments(), poll_interval=0.05,
                           timeout_s=0.2,
                           show_progress=False)
    assert report.loc[0, "state"] == "TIMEOUT" and "still RUNNING" in report.loc[0, "error"]


# -- pre-flight, proof, at-most-once, sync + writeback -------------------------------------------------------


def served(setup):
    return Simulator(build_demo_repository(DemoSpec(assets=40), workflows=setup), workflow_seconds=0.02)


def node_in_sync_jpgs(client, count=4):
    result = audit(take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False))
    assets = result.assets
    paths = assets.loc[(assets["status"] == "in_sync") & assets["name"].str.endswith(".jpg"), "path"]
    return [p for p in paths if original_bytes(client, p) != b"not an image"][:count]


def instances_for(sim, asset):
    root = sim.repo.node("/var/workflow/instances")
    found, stack = [], [root]
    while stack:
        node = stack.pop()
        payload = node.children.get("data", None)
        if node.primary_type == "cq:Workflow" and payload and payload.children["payload"].get("path") == asset:
            found.append(node)
        stack.extend(node.children.values())
    return found


def test_preflight_of_a_good_setup_is_ready_with_the_cloud_service_notes(client):
    preflight = writeback_preflight(client, node_in_sync_jpgs(client))
    assert preflight.ok and preflight.errors == [] and preflight.warnings == []
    assert preflight.steps[0].process == "com.day.cq.dam.core.process.XMPWritebackProcess"
    assert {"cloud_service", "createversion_user", "launcher_disabled"} <= preflight.codes
    text = preflight.summary()
    assert text.startswith("Writeback pre-flight for 4 assets with /var/workflow/models/dam-xmp-writeback: ready")
    assert "switched off" in text and "MSM inheritance" in text and "user id" in text
    assert "<li" in preflight._repr_html_()


@pytest.mark.parametrize(("setup", "level", "code", "words"), [
    (WorkflowSetup(writeback=None), "error", "model_missing", "does not exist"),
    (WorkflowSetup(writeback=writeback_steps()[1:]), "error", "step_missing", "no XMP Writeback process step"),
    (WorkflowSetup(writeback=writeback_steps("createversion:true")), "warning", "no_rendition_original",
     "will not reach the original binary"),
    (WorkflowSetup(writeback=writeback_steps("rendition:original")), "warning", "no_createversion",
     "without saving a version"),
    (WorkflowSetup(conf_launcher_enabled=True), "warning", "launcher_enabled", "writes each binary twice"),
])
def test_each_preflight_finding(setup, level, code, words):
    with served(setup) as sim, client_for(sim) as client:
        preflight = writeback_preflight(client, [f"{DEMO_ROOT}/people/what?.jpg"])
    found = [f for f in preflight.findings if f.code == code]
    assert len(found) == 1 and found[0].level == level and words in found[0].message
    assert preflight.ok == (level != "error")
    if code == "launcher_enabled":
        assert found[0].message.startswith("Launcher /conf/global/settings/workflow/launcher/config/dam_xmp_writeback")


def test_live_copies_are_found_with_batched_reads():
    with served(WorkflowSetup()) as probe, client_for(probe) as client:
        snapshot = take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False)
        assets = [p for p in audit(snapshot).assets["path"]][:12]
    live = (assets[2], assets[7])
    with served(WorkflowSetup(live_copies=live)) as sim, client_for(sim) as client:
        sim.stats.reset()
        preflight = writeback_preflight(client, [*assets, f"{DEMO_ROOT}/gone.jpg"])
        assert preflight.live_copies == list(live)
        warning = next(f for f in preflight.findings if f.code == "live_copies")
        assert warning.level == "warning" and "2 of the chosen assets are MSM live copies" in warning.message
        assert "gone.jpg" in next(f.message for f in preflight.findings if f.code == "missing_assets")
        # one query for all 13 assets; the Sling GETs are the model and the two launcher folders, not per asset
        assert sim.stats.by_endpoint["GET querybuilder"] == 1 and sim.stats.by_endpoint["GET sling"] <= 2
        assert sim.stats.by_endpoint["GET workflow"] <= 1


def test_binary_proof_after_writeback(client):
    assets = node_in_sync_jpgs(client, 3)
    report = run_writeback(client, [*assets, f"{DEMO_ROOT}/gone.jpg"], args=SyncArguments(), poll_interval=0.02,
                           show_progress=False)
    report = report.set_index("asset")
    assert (report.loc[assets, "binary_status"] == "written_back").all()
    assert (report.loc[assets, "binary_reason"] == "").all()
    assert report.loc[f"{DEMO_ROOT}/gone.jpg", "binary_status"] == "not_written_back"
    assert "NOT_STARTED" in report.loc[f"{DEMO_ROOT}/gone.jpg", "binary_reason"]


def test_without_rendition_original_the_proof_says_not_written_back():
    with served(WorkflowSetup(writeback=writeback_steps("createversion:true"))) as sim, client_for(sim) as client:
        assets = node_in_sync_jpgs(client, 2)
        report = run_writeback(client, assets, args=SyncArguments(), poll_interval=0.02, show_progress=False)
    assert report["state"].tolist() == ["COMPLETED"] * 2
    assert report["binary_status"].tolist() == ["not_written_back"] * 2
    assert report["binary_reason"].str.contains("no XMP packet|no smart tag array").all()


def test_a_start_whose_answer_is_lost_is_not_sent_again_and_its_instance_is_adopted(simulator):
    asset = f"{DEMO_ROOT}/people/what?.jpg"
    simulator.inject(method="POST", path_prefix="/etc/workflow/instances", kind="reset_after")
    with client_for(simulator, retries=0) as client:  # the client re-sends nothing itself (see the report)
        report = run_writeback(client, [asset], args=SyncArguments(), poll_interval=0.02, show_progress=False)
    assert report.loc[0, "state"] == "COMPLETED"
    assert simulator.stats.by_endpoint["POST workflow"] == 1
    instances = instances_for(simulator, asset)
    assert len(instances) == 1 and report.loc[0, "instance"].endswith("/" + instances[0].name)


def test_an_uncertain_start_without_an_instance_is_not_retried(simulator):
    asset = f"{DEMO_ROOT}/people/what?.jpg"
    simulator.inject(status=502, method="POST", path_prefix="/etc/workflow/instances")  # proxy: never reached AEM
    with client_for(simulator, retries=0) as client:
        report = run_writeback(client, [asset], args=SyncArguments(), poll_interval=0.02, show_progress=False)
    assert report.loc[0, "state"] == "NOT_STARTED" and "not started again" in report.loc[0, "error"]
    assert simulator.stats.by_endpoint["POST workflow"] == 1 and instances_for(simulator, asset) == []


def test_sync_and_writeback_is_one_journaled_run(simulator, client, tmp_path):
    result = audit(take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False))
    missing = result.assets[(result.assets["status"] == "missing_xmp") & result.assets["name"].str.endswith(".jpg")]
    plan = plan_sync(client, missing["path"].tolist()[:4], SyncArguments())
    journal = Journal(tmp_path / "j.jsonl")
    combined = sync_and_writeback(client, plan, journal, poll_interval=0.02, show_progress=False)
    assert combined.ok and len(combined.writeback) == 4
    assert (combined.writeback["binary_status"] == "written_back").all()
    records = journal.read()
    assert {r["run"] for r in records} == {combined.run}
    started = [r for r in records if r["event"] == "writeback_started"]
    assert sorted(r["asset"] for r in started) == sorted(c.asset for c in plan.changes)
    assert "writeback: 4 written_back" in combined.summary()


def test_sync_and_writeback_stops_before_writing_on_preflight_findings(tmp_path):
    with served(WorkflowSetup(conf_launcher_enabled=True)) as sim, client_for(sim) as client:
        result = audit(take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False))
        plan = plan_sync(client, result.assets.loc[result.assets["status"] == "missing_xmp", "path"].tolist()[:2],
                         SyncArguments())
        with pytest.raises(ConfigError, match=r"1 warnings.*--force"):
            sync_and_writeback(client, plan, Journal(tmp_path / "j.jsonl"), show_progress=False)
        assert sim.stats.by_endpoint["POST sling"] == 0 and not (tmp_path / "j.jsonl").exists()


def test_cli_refuses_on_errors_needs_force_for_warnings_and_exits_on_the_proof(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)

    def cli(sim, *argv):
        for key, value in {"XMPAUDIT_URL": sim.url, "XMPAUDIT_USER": "admin", "XMPAUDIT_PASSWORD": "admin"}.items():
            monkeypatch.setenv(key, value)
        return main(["-q", "writeback", "--root", DEMO_ROOT, "--status", "in_sync", *argv])

    with served(WorkflowSetup(writeback=writeback_steps()[1:])) as sim:
        assert cli(sim, "--apply", "--force") == 2
        assert "no XMP Writeback process step" in capsys.readouterr().err
        assert sim.stats.by_endpoint["POST workflow"] == 0
    with served(WorkflowSetup(writeback=writeback_steps("createversion:true"))) as sim:
        assert cli(sim) == 0
        assert "warning: Step 'XMP Writeback Process' has no rendition:original" in capsys.readouterr().out
        assert cli(sim, "--apply") == 2 and "--force" in capsys.readouterr().err
        assert sim.stats.by_endpoint["POST workflow"] == 0
        assert cli(sim, "--apply", "--force") == 1
        assert "NOT written back" in capsys.readouterr().out
    with served(WorkflowSetup()) as sim, client_for(sim) as client:
        assert cli(sim, "--apply") == 1  # the demo's broken binaries cannot be written
        assert "format not supported" in capsys.readouterr().out
        (tmp_path / "good.txt").write_text("\n".join(node_in_sync_jpgs(client, 3)))
        assert cli(sim, "--apply", "--assets-file", "good.txt") == 0
        assert "All 3 binaries now carry the smart tags (written_back)" in capsys.readouterr().out


def test_cli_sync_with_writeback(simulator, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for key, value in {"XMPAUDIT_URL": simulator.url, "XMPAUDIT_USER": "admin", "XMPAUDIT_PASSWORD": "admin"}.items():
        monkeypatch.setenv(key, value)
    assert main(["-q", "sync", "--status", "missing_xmp", "--writeback"]) == 0
    out = capsys.readouterr().out
    assert "Writeback pre-flight" in out and "and start the writeback" in out
    assert simulator.stats.by_endpoint["POST workflow"] == 0
    assert main(["-q", "sync", "--status", "missing_xmp", "--writeback", "--apply"]) == 0
    records = Journal(default_journal_path()).read()  # the per-user journal every surface shares
    runs = {r["run"] for r in records}
    assert len(runs) == 1 and any(r["event"] == "writeback_proof" for r in records)


def test_with_the_default_client_a_lost_start_answer_gives_one_instance(simulator, client):
    asset = f"{DEMO_ROOT}/people/what?.jpg"
    simulator.inject(method="POST", path_prefix="/etc/workflow/instances", kind="reset_after")
    report = run_writeback(client, [asset], args=SyncArguments(), poll_interval=0.02, show_progress=False)
    assert report.loc[0, "state"] == "COMPLETED" and len(instances_for(simulator, asset)) == 1
    assert simulator.stats.by_endpoint["POST workflow"] == 1
