"""Undo of selected rows uses the sync run that last wrote each row, also when a row was written by several runs:
the journal's answer, and the panel's Undo of such a row (against the simulator over HTTP)."""

from tests.conftest import DEMO_ROOT
from xmpaudit.audit.compare import audit
from xmpaudit.core.acs import SyncArguments
from xmpaudit.read.inventory import take_inventory
from xmpaudit.ui.panel import AuditPanel
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import current_node, plan_sync

ARGS = SyncArguments()


def intent(run: str, asset: str, kind: str = "sync") -> dict:
    return {"run": run, "kind": kind, "event": "intent", "asset": asset, "before": None, "after": {"x": 1.0},
            "node_path": f"{asset}/n"}


def test_the_last_sync_run_of_each_asset_is_the_latest_that_wrote_it(tmp_path):
    journal = Journal(tmp_path / "journal.jsonl")
    journal.append([intent("sync-1", "/a"), intent("sync-1", "/b")])
    journal.append([intent("sync-2", "/a")])
    journal.append([intent("undo-1", "/a", kind="undo") | {"undoes": "sync-2"}])  # undo runs are not sync runs
    assert journal.last_runs_of(["/a", "/b", "/never-written"]) == {"/a": "sync-2", "/b": "sync-1"}


def xmp_of(client, path):
    return current_node(client.get_json(f"{path}.infinity.json"), ARGS)


def test_panel_undo_of_a_row_written_by_two_runs_undoes_the_later_run(simulator, client, journal):
    assets = audit(take_inventory(client, DEMO_ROOT, ARGS, show_progress=False), ARGS).assets
    row = str(assets.loc[assets["status"] == "stale_xmp", "path"].iloc[0])
    first = apply_plan(client, plan_sync(client, [row], ARGS), journal, show_progress=False)
    client.post(f"{row}/jcr:content/metadata/{ARGS.sequence_name}", {":operation": "delete"})  # another tool
    second = apply_plan(client, plan_sync(client, [row], ARGS), journal, show_progress=False)
    assert first.ok and second.ok and first.run != second.run and xmp_of(client, row) is not None

    snapshot = take_inventory(client, DEMO_ROOT, ARGS, show_progress=False)
    panel = AuditPanel(client, audit(snapshot, ARGS), journal, snapshot.smart_tags, root=DEMO_ROOT, page_size=10)
    panel.select([row])
    panel.undo_button.click()
    panel.wait()
    assert panel.messages[-1].startswith(f"Undo preview of 1 selected row of {second.run}: undo plan: 1 ")
    panel.confirm_button.click()
    panel.wait()
    assert xmp_of(client, row) is None  # as the later run found it (deleted), not the stale node the first found
    assert journal.runs()["undoes"].dropna().tolist() == [second.run]
