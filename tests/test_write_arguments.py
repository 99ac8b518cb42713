"""A write refuses, in one line and before sending anything, when the ACS step's arguments in AEM changed since its
preview read them there (sync, sync by the CLI, writeback); arguments given explicitly and undo are not re-read."""

import pytest

import xmpaudit.cli.write_verbs as write_verbs
from tests.conftest import fixable
from tests.test_sync_outcomes import cli  # noqa: F401  (fixture)
from xmpaudit.aem.process_args import resolve_process_args
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import ConfigError
from xmpaudit.simulator.workflow_models import RUNTIME_MODELS, SYNC_MODEL_ID
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.plan import plan_sync
from xmpaudit.write.undo import plan_undo
from xmpaudit.write.writeback import run_writeback

pytestmark = pytest.mark.e2e
REFUSAL = "minimumConfidence is now 0.5 in the workflow model (the preview used 0.0): preview again"


def set_model_args(simulator, text: str) -> None:
    """Another administrator edits the runtime model's ACS step (as a Sling POST to the model would)."""
    def walk(node):
        if node.get("PROCESS_ARGS") is not None:
            node.set("PROCESS_ARGS", text)
        for child in list(node.children.values()):
            walk(child)

    with simulator.repo.lock:
        walk(simulator.repo.node(f"{RUNTIME_MODELS}/{SYNC_MODEL_ID}"))
        simulator.repo.changed()


def posts(simulator) -> list[str]:
    return [p for m, p in simulator.stats.log if m == "POST" and not p.startswith("/etc/")]


def previewed_from_aem(client):
    args, source = resolve_process_args(client, None)
    assert args.minimum_confidence == 0.0 and "from runtime model" in source
    plan = plan_sync(client, fixable(client)[:3], args)
    plan.arguments_from_aem = True
    return plan


def test_a_sync_previewed_at_0_is_refused_after_the_model_changed_to_0_5(simulator, client, journal):
    plan = previewed_from_aem(client)
    set_model_args(simulator, "minimumConfidence=0.5")
    simulator.stats.reset()
    with pytest.raises(ConfigError) as refused:
        apply_plan(client, plan, journal, show_progress=False)
    assert str(refused.value) == REFUSAL
    assert posts(simulator) == [] and journal.read() == []


def test_arguments_given_explicitly_are_not_read_again(simulator, client, journal):
    plan = plan_sync(client, fixable(client)[:3], SyncArguments())  # given: arguments_from_aem stays False
    set_model_args(simulator, "minimumConfidence=0.5")
    assert apply_plan(client, plan, journal, show_progress=False).ok


def test_undo_uses_the_journaled_runs_arguments_whatever_the_model_says_now(simulator, client, journal):
    synced = apply_plan(client, previewed_from_aem(client), journal, show_progress=False)
    set_model_args(simulator, "minimumConfidence=0.5")
    undo = plan_undo(client, journal, synced.run)
    assert undo.arguments.minimum_confidence == 0.0 and apply_plan(client, undo, journal, show_progress=False).ok


def test_a_writeback_whose_arguments_changed_starts_no_workflow(simulator, client, journal):
    assets = fixable(client)["path"][:2].tolist()
    set_model_args(simulator, "minimumConfidence=0.5")
    simulator.stats.reset()
    with pytest.raises(ConfigError, match=r"^minimumConfidence is now 0\.5"):
        run_writeback(client, assets, args=SyncArguments(), args_from_aem=True, show_progress=False)
    assert posts(simulator) == []


def test_the_cli_sync_refuses_in_one_line_exit_2(simulator, client, cli, monkeypatch):  # noqa: F811
    real_apply = write_verbs.apply_plan

    def model_changes_after_the_preview(*args, **kwargs):
        set_model_args(simulator, "minimumConfidence=0.5")
        simulator.stats.reset()
        return real_apply(*args, **kwargs)

    monkeypatch.setattr(write_verbs, "apply_plan", model_changes_after_the_preview)
    code, _, err = cli("sync", "--root", "/content/dam/xmpaudit-demo", "--apply")
    assert code == 2 and err.strip() == f"error: {REFUSAL}" and posts(simulator) == []
