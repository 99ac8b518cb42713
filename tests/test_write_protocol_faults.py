"""The write protocol under faults (simulator over HTTP): each fault at each step of each route (batch, own path,
import) never loses the node replaced — it stays in place, or in the run's backup reported and journaled as left,
until the new node reads back as planned — and undo then puts it back."""

import pytest

import xmpaudit.write.apply as apply_module
from tests.conftest import client_for
from tests.write_protocol_helpers import (
    FOLDER,
    assert_no_copy_lost,
    backups_of,
    metadata,
    refuse_imports_and_moves,
    route_plan,
    undo_recovers,
)
from xmpaudit.core.errors import AemError, AemUncertainOutcomeError
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.write_routes import BATCH, IMPORT, OWN_PATH

pytestmark = pytest.mark.e2e

FAULTS = {"500": {"status": 500}, "504": {"status": 504}, "reset before": {"kind": "reset_before"},
          "reset after": {"kind": "reset_after"}, "hang": {"kind": "hang", "delay_s": 2.0}}
STEPS = ["write", "import", "read back", "after the write"]


def arm(simulator, monkeypatch, asset: str, step: str, fault: dict) -> None:
    """Inject ``fault`` at ``step``: the write POST, the import POST (import route), every GET after the write
    (the read-back), or every POST after the write (backup removal, repair)."""
    if step == "write":  # a batch POSTs to the folder, the other routes to the asset's metadata node
        simulator.inject(method="POST", path_prefix=FOLDER, **fault)
        return
    if step == "import":
        simulator.inject(kind="pass", method="POST", path_prefix=FOLDER)  # the move aside goes through
        simulator.inject(method="POST", path_prefix=FOLDER, **fault)
        return
    real_post = apply_module.guarded_post

    def post_then_fault(*args, **kwargs):
        try:
            return real_post(*args, **kwargs)
        finally:
            method, prefix = ("GET", "") if step == "read back" else ("POST", asset)
            simulator.inject(method=method, path_prefix=prefix, times=1000, **fault)

    monkeypatch.setattr(apply_module, "guarded_post", post_then_fault)


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("way", [BATCH, OWN_PATH, IMPORT])
def test_no_fault_at_any_step_of_any_route_loses_the_node_replaced(simulator, journal, monkeypatch, way, step,
                                                                    fault):
    if step == "import" and way != IMPORT:
        pytest.skip("only the import route has an import step")
    with client_for(simulator, timeout=1.0, retries=1) as client:
        plan, change = route_plan(simulator, client, way)
        arm(simulator, monkeypatch, change.asset, step, FAULTS[fault])
        result = apply_plan(client, plan, journal, show_progress=False)
        assert_no_copy_lost(simulator, change, result, journal)
        monkeypatch.undo()
        undo_recovers(simulator, client, change, result.run, journal)


@pytest.mark.parametrize("refusal", [AemUncertainOutcomeError("POST: HTTP 504 from a gateway"),
                                     AemError("Sling POST failed with 500", status=500)])
def test_an_import_and_its_repair_both_refused_keep_the_node_replaced_and_undo_restores_it(simulator, client, journal,
                                                                                           monkeypatch, refusal):
    """#24 item 2: the import answered 504 (unprocessed) and the one repair import failed too."""
    plan, change = route_plan(simulator, client, IMPORT)
    real = client.sling_post

    def refuse_imports(path, data, **kwargs):
        if (":operation", "import") in list(data):
            raise refusal
        return real(path, data, **kwargs)

    monkeypatch.setattr(client, "sling_post", refuse_imports)
    result = apply_plan(client, plan, journal, show_progress=False)
    monkeypatch.undo()
    assert not result.ok
    assert_no_copy_lost(simulator, change, result, journal)
    name = change.node_path.rsplit("/", 1)[-1]
    assert metadata(simulator, change).get(name) == change.before or list(backups_of(simulator, change).values()) \
        == [change.before]
    undo_recovers(simulator, client, change, result.run, journal)


@pytest.mark.parametrize("fault", [f for f in FAULTS if f != "hang"])
def test_no_fault_on_a_cleanup_loses_the_node_a_backup_holds(simulator, journal, monkeypatch, fault):
    """Cleanup --run of a run whose failed import left the only copy of the node in its backup (its place
    empty: cleanup puts it back), with a fault on cleanup's POST: the node is in place or still in the backup,
    and what could not be done is reported left."""
    from xmpaudit.write.cleanup import apply_cleanup, journaled_backups

    with client_for(simulator, timeout=1.0, retries=1) as client:
        plan, change = route_plan(simulator, client, IMPORT)
        refuse_imports_and_moves(client, monkeypatch)
        result = apply_plan(client, plan, journal, show_progress=False)
        monkeypatch.undo()
        found = journaled_backups(client, journal, result.run)
        assert found.backups["action"].tolist() == ["put back"]
        simulator.inject(method="POST", path_prefix=FOLDER, times=1000, **FAULTS[fault])
        cleaned = apply_cleanup(client, found, journal)
        simulator.faults.clear()
        name = change.node_path.rsplit("/", 1)[-1]
        held = list(backups_of(simulator, change).values())
        assert metadata(simulator, change).get(name) == change.before or held == [change.before]
        assert not cleaned.ok  # every fault here fails the move or loses its answer: reported left
