"""Process arguments read from the workflow models the simulator serves like AEM (runtime and design models)."""

import pytest

from tests.conftest import DEMO_ROOT, client_for
from xmpaudit.aem.process_args import discover_process_args, resolve_process_args
from xmpaudit.aem.workflow_models import ACS_SYNC_LABEL, read_launchers
from xmpaudit.cli.main import main
from xmpaudit.simulator import DemoSpec, Simulator, build_demo_repository
from xmpaudit.simulator.workflow_models import ACS_SYNC_PROCESS, WorkflowSetup

pytestmark = pytest.mark.e2e


def served(setup: WorkflowSetup) -> Simulator:
    return Simulator(build_demo_repository(DemoSpec(assets=30), workflows=setup), workflow_seconds=0.02)


def test_demo_models_are_discovered_runtime_first(demo_readonly):
    client = demo_readonly.client
    steps = discover_process_args(client)
    assert [(s.kind, s.model) for s in steps] == [
        ("runtime", "/var/workflow/models/smart-tags-to-xmp"),
        ("design", "/conf/global/settings/workflow/models/smart-tags-to-xmp")]
    assert all(s.process == ACS_SYNC_PROCESS and "minimumConfidence=0.0" in s.args for s in steps)
    assert steps[0].step == "/var/workflow/models/smart-tags-to-xmp/nodes/node1"
    args, source = resolve_process_args(client, None)
    assert args.minimum_confidence == 0.0 and "\n" not in source
    assert source == ("Process arguments: from runtime model 'Synchronize Smart Tags to XMP Metadata' "
                      "(/var/workflow/models/smart-tags-to-xmp) step 'Synchronize Smart Tags to XMP'")
    launchers = read_launchers(client)
    assert [(x.name, x.enabled, x.event_type) for x in launchers] == [("dam_xmp_writeback", False, 16)]


def test_given_arguments_win_and_none_found_means_defaults():
    with served(WorkflowSetup(sync_models={})) as sim, client_for(sim) as client:
        assert discover_process_args(client) == []
        args, source = resolve_process_args(client, None)
        assert args.minimum_confidence == 0.0
        assert source == f"Process arguments: the process defaults (no workflow model uses {ACS_SYNC_LABEL!r})"
        args, source = resolve_process_args(client, "minimumConfidence=0.3")
        assert args.minimum_confidence == 0.3 and source == "Process arguments: as given"


def test_a_minimum_confidence_the_process_cannot_read_is_named_wherever_it_comes_from(tmp_path, monkeypatch, capsys):
    with served(WorkflowSetup(sync_models={"typo": "minimumConfidence=0,5"})) as sim, client_for(sim) as client:
        args, source = resolve_process_args(client, None)
        assert args.minimum_confidence == 0.0  # as the process reads "0,5"
        assert source.splitlines()[1] == ("warning: minimumConfidence='0,5' is not a number the process reads: "
                                          "it uses 0.0")
        args, source = resolve_process_args(client, "minimumConfidence=1.5")
        assert source == ("Process arguments: as given\n"
                          "warning: minimumConfidence=1.5 is outside 0..1: the process uses 0.0")
        assert resolve_process_args(client, "minimumConfidence=NaN")[1].endswith("the process keeps no tag")
        assert resolve_process_args(client, "minimumConfidence=0.5d")[1] == "Process arguments: as given"
        monkeypatch.chdir(tmp_path)
        for key, value in {"XMPAUDIT_URL": sim.url, "XMPAUDIT_USER": "admin", "XMPAUDIT_PASSWORD": "admin"}.items():
            monkeypatch.setenv(key, value)
        assert main(["-q", "inventory", "--root", DEMO_ROOT, "--out", "snap", "--process-args",
                     "minimumConfidence=abc"]) == 0
        assert "warning: minimumConfidence='abc' is not a number the process reads" in capsys.readouterr().out


def test_models_that_disagree_give_a_warning_line():
    setup = WorkflowSetup(sync_models={"a-sync": "minimumConfidence=0.5", "b-sync": "minimumConfidence=0.7"},
                          sync_design_args={"a-sync": "minimumConfidence=0.9"})
    with served(setup) as sim, client_for(sim) as client:
        args, source = resolve_process_args(client, None)
    first, warning = source.splitlines()
    assert args.minimum_confidence == 0.5 and "/var/workflow/models/a-sync" in first
    assert warning.startswith("warning: workflow models disagree")
    assert "/var/workflow/models/b-sync" in warning and "'minimumConfidence=0.7'" in warning
    assert "design model" in warning and "'minimumConfidence=0.9'" in warning  # edited but not synced


def test_a_step_stored_with_the_process_label_is_found():
    with served(WorkflowSetup(sync_models={"by-label": "minimumConfidence=0.25"})) as sim:
        with sim.repo.lock:
            sim.repo.require("/var/workflow/models/by-label/nodes/node1/metaData").set("PROCESS", ACS_SYNC_LABEL)
            sim.repo.changed()
        with client_for(sim) as client:
            steps = discover_process_args(client)
            assert steps[0].process == ACS_SYNC_LABEL and steps[0].kind == "runtime"
            assert resolve_process_args(client, "")[0].minimum_confidence == 0.25


def test_cli_uses_the_discovered_arguments_and_prints_their_source(tmp_path, monkeypatch, capsys):
    with served(WorkflowSetup(sync_models={"strict": "minimumConfidence=0.95"})) as sim:
        monkeypatch.chdir(tmp_path)
        for key, value in {"XMPAUDIT_URL": sim.url, "XMPAUDIT_USER": "admin", "XMPAUDIT_PASSWORD": "admin"}.items():
            monkeypatch.setenv(key, value)
        assert main(["-q", "inventory", "--root", DEMO_ROOT, "--out", "snap"]) == 0
        out = capsys.readouterr().out
        assert "Process arguments: from runtime model" in out and "/var/workflow/models/strict" in out
        assert "minimumConfidence=0.95" in (tmp_path / "snap" / "snapshot.json").read_text()
        assert main(["-q", "inventory", "--root", DEMO_ROOT, "--out", "snap2", "--process-args",
                     "minimumConfidence=0.1"]) == 0
        assert "Process arguments" not in capsys.readouterr().out


def test_a_model_step_with_unusable_arguments_is_reported_not_fatal():
    setup = WorkflowSetup(sync_models={"a-good": "minimumConfidence=0.4", "b-bad": "sequenceName=a/b"})
    with served(setup) as sim, client_for(sim) as client:
        args, source = resolve_process_args(client, None)
    assert args.minimum_confidence == 0.4
    assert "b-bad" in source.splitlines()[1] and "not a valid JCR name" in source


def test_notebook_session_uses_the_discovered_arguments_and_shows_their_source(tmp_path):
    """What notebooks 01-03 and the app do with PROCESS_ARGS = "": the arguments come from the model in AEM."""
    from xmpaudit.workspace.session import open_session

    with served(WorkflowSetup(sync_models={"strict": "minimumConfidence=0.95"})) as sim, client_for(sim) as client:
        session = open_session(root=DEMO_ROOT, snapshot_dir=tmp_path / "snap", show_progress=False, client=client,
                               journal=tmp_path / "journal.jsonl")
        assert session.args.minimum_confidence == 0.95
        assert "Process arguments: from runtime model" in session.banner_text()
        assert "/var/workflow/models/strict" in session.banner_text()
        given = open_session(root=DEMO_ROOT, process_args="minimumConfidence=0.1", snapshot_dir=None,
                             show_progress=False, client=client, journal=tmp_path / "journal.jsonl")
        assert given.args.minimum_confidence == 0.1 and "as given" in given.banner_text()


def test_a_conf_design_model_hides_the_libs_model_of_the_same_id_and_libs_only_models_are_read():
    from xmpaudit.simulator.workflow_models import CONF_MODELS, DEFAULT_SYNC_ARGS, LIBS_MODELS, SYNC_MODEL_ID

    with served(WorkflowSetup()) as sim, client_for(sim) as client:
        page = client.read_tree(f"{CONF_MODELS}/{SYNC_MODEL_ID}")
        process = page["jcr:content"]["flow"]["process_0"]["metaData"]
        with sim.repo.lock:
            libs = sim.repo.ensure_node(LIBS_MODELS, "sling:Folder")
            for model_id, args in ((SYNC_MODEL_ID, "minimumConfidence=0.9"), ("libs-only", "minimumConfidence=0.4")):
                process["PROCESS_ARGS"] = args
                sim.repo.import_json(libs, model_id, page)
            sim.repo.changed()
        steps = discover_process_args(client)
        assert [(s.kind, s.model, s.args) for s in steps] == [
            ("runtime", f"/var/workflow/models/{SYNC_MODEL_ID}", DEFAULT_SYNC_ARGS),
            ("design", f"{CONF_MODELS}/{SYNC_MODEL_ID}", DEFAULT_SYNC_ARGS),
            ("design", f"{LIBS_MODELS}/libs-only", "minimumConfidence=0.4")]
        args, source = resolve_process_args(client, None)
        assert args.minimum_confidence == 0.0 and f"{LIBS_MODELS}/{SYNC_MODEL_ID}" not in source
