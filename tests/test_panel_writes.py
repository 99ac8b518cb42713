"""The panel's Writeback and Undo close the loop (driven like the browser would, against the simulator over
HTTP): a journaled writeback with per-row proof, pre-flight refusals, undo of the selected rows or a whole run."""

import pytest

import xmpaudit.ui.panel_writeback as panel_writeback
from tests.conftest import DEMO_ROOT, client_for
from xmpaudit.audit.compare import audit
from xmpaudit.core.acs import SyncArguments
from xmpaudit.read.inventory import take_inventory
from xmpaudit.simulator import DemoSpec, Simulator, build_demo_repository
from xmpaudit.simulator.workflow_models import WorkflowSetup
from xmpaudit.ui.panel import AuditPanel
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import current_node, plan_sync
from xmpaudit.write.undo import plan_undo

pytestmark = pytest.mark.e2e


def make_panel(client, journal, args=None):
    args = args or SyncArguments()
    snap = take_inventory(client, DEMO_ROOT, args, show_progress=False)
    return AuditPanel(client, audit(snap, args), journal, snap.smart_tags, root=DEMO_ROOT, page_size=10)


def xmp_of(client, path, args=None):
    return current_node(client.get_json(f"{path}.infinity.json"), args or SyncArguments())


def in_sync_jpgs(panel, good=True):
    """In-sync JPEGs whose original can (good) or cannot be written back (the demo's broken binaries)."""
    table = panel.table
    paths = table.index[(table["status"] == "in_sync") & table["name"].str.endswith(".jpg")]
    return [p for p in paths if (panel.client.request("GET", p).content != b"not an image") == good]


def test_panel_writeback_is_journaled_under_its_run_with_per_row_proof(simulator, client, journal, monkeypatch):
    panel = make_panel(client, journal)
    good, broken = in_sync_jpgs(panel)[:2], in_sync_jpgs(panel, good=False)[:1]
    assert len(good) == 2 and len(broken) == 1
    calls = []
    real = panel_writeback.run_writeback
    monkeypatch.setattr(panel_writeback, "run_writeback", lambda *a, **k: calls.append(k) or real(*a, **k))
    changes = []
    panel.on_change.append(lambda action, outcome: changes.append(action))
    panel.select(good + broken)
    panel.writeback_button.click()
    panel.wait()
    assert panel.confirm_button.description == "Confirm writeback (3)" and not panel.confirm_button.disabled
    assert "Acts on 3 assets" in panel.details.value and "the selected rows" in panel.details.value
    panel.confirm_button.click()
    panel.wait()
    run = calls[0]["run"]
    assert run.startswith("writeback-") and calls[0]["args"] is panel.args and calls[0]["journal"] is journal
    records = [r for r in journal.read() if r["run"] == run]
    assert {(r["event"], r["asset"]) for r in records if r["event"] == "writeback_proof"} == {
        ("writeback_proof", p) for p in good + broken}
    assert journal.runs().set_index("run").at[run, "kind"] == "writeback"
    assert set(panel.table.loc[good, "status"]) == {"written_back"}
    assert panel.table.at[broken[0], "status"] == "not_written_back"
    assert f"(writeback {run})" in panel.table.at[broken[0], "reason"]
    assert "format not supported" in panel.table.at[broken[0], "reason"]
    for status, box in panel.status_boxes.items():  # the filter "In sync and in the file" finds them
        box.value = status == "written_back"
    assert set(panel.filtered().index) == set(good)
    assert panel.messages[-1].startswith(f"Writeback run {run}: 2 completed, 1 failed; 2 files carry the tags")
    assert "Not in the file" in panel.details.value and changes == ["writeback"]


def test_writeback_proofs_outlive_a_refresh_until_the_node_changes(simulator, client, journal):
    panel = make_panel(client, journal)
    good = in_sync_jpgs(panel)[:2]
    panel.select(good)
    panel.writeback_button.click()
    panel.wait()
    panel.confirm_button.click()
    panel.wait()
    assert set(panel.table.loc[good, "status"]) == {"written_back"}
    panel.refresh_button.click()
    panel.wait()
    assert panel.messages[-1].startswith("Refreshed ")
    assert set(panel.table.loc[good, "status"]) == {"written_back"}  # the file still carries the node's tags
    changed = good[0]
    client.sling_post(f"{changed}/jcr:content/metadata/dam:predictedTags/1", {"dam:predictedTagName": "renamed"})
    panel.refresh_button.click()
    panel.wait()
    assert panel.table.at[changed, "status"] == "stale_xmp" and changed not in panel.proofs
    assert panel.table.at[good[1], "status"] == "written_back"


def test_a_preflight_error_blocks_confirm(simulator, client, journal):
    panel = make_panel(client, journal)
    panel.writeback_model = "/var/workflow/models/not-there"
    panel.select(in_sync_jpgs(panel)[:2])
    panel.writeback_button.click()
    panel.wait()
    assert panel.messages[-1].startswith("Writeback pre-flight failed: Workflow model /var/workflow/models/not-there")
    assert panel.messages[-1].endswith("Nothing started.")
    assert panel.confirm_button.layout.display == "none" and panel.pending is None
    panel.confirm_button.click()
    assert panel.messages[-1] == "Error: Nothing previewed to confirm"
    assert simulator.stats.by_endpoint["POST workflow"] == 0 and journal.read() == []


def test_preflight_warnings_need_the_tick_box(tmp_path):
    setup = WorkflowSetup(conf_launcher_enabled=True)
    with Simulator(build_demo_repository(DemoSpec(assets=40), workflows=setup), workflow_seconds=0.02) as sim, \
            client_for(sim) as client:
        panel = make_panel(client, Journal(tmp_path / "j.jsonl"))
        panel.select(in_sync_jpgs(panel)[:1])
        panel.writeback_button.click()
        panel.wait()
        assert panel.confirm_button.layout.display is None and panel.confirm_button.disabled
        assert panel.force_box.layout.display is None and "Tick the box" in panel.messages[-1]
        panel.confirm_button.click()  # the browser disables it; the handler refuses too, keeping the preview
        assert "1 warnings" in panel.messages[-1] and panel.pending is not None
        assert sim.stats.by_endpoint["POST workflow"] == 0
        panel.force_box.value = True
        assert not panel.confirm_button.disabled
        panel.confirm_button.click()
        panel.wait()
        assert sim.stats.by_endpoint["POST workflow"] == 1 and panel.messages[-1].startswith("Writeback run ")


def test_undo_of_one_selected_row_undoes_only_that_row(simulator, client, journal):
    panel = make_panel(client, journal)
    chosen = panel.filtered().index[:3].tolist()
    before = {p: xmp_of(client, p) for p in chosen}
    statuses = panel.table.loc[chosen, "status"].to_dict()
    actions = []
    panel.on_change.append(lambda action, _outcome: actions.append(action))  # how the app learns to re-audit
    panel.select(chosen)
    panel.preview_button.click()
    panel.wait()
    panel.sync_button.click()
    panel.wait()
    synced = {p: xmp_of(client, p) for p in chosen}
    run = journal.last_run("sync")
    assert panel.undo_scope.options[1][0] == f"whole run {run}"
    panel.select(chosen[:1])
    assert panel.undo_scope.value == "selected"
    panel.undo_button.click()
    panel.wait()
    assert panel.confirm_button.description == "Confirm undo (1)"
    assert panel.messages[-1].startswith(f"Undo preview of 1 selected row of {run}: ")
    assert f"What undoing run {run} does" in panel.details.value
    panel.confirm_button.click()
    panel.wait()
    assert xmp_of(client, chosen[0]) == before[chosen[0]]  # that row is back as before the sync
    assert panel.table.at[chosen[0], "status"] == statuses[chosen[0]]
    assert all(xmp_of(client, p) == synced[p] for p in chosen[1:])  # the rest stay synced
    assert set(panel.table.loc[chosen[1:], "status"]) <= {"in_sync", "no_smart_tags"}
    panel.undo_scope.value = "run"  # then the whole run: what is left of it
    panel.undo_button.click()
    panel.wait()
    assert panel.confirm_button.description == "Confirm undo (2)"
    assert "already as before the run" in panel.details.value
    panel.confirm_button.click()
    panel.wait()
    assert all(xmp_of(client, p) == before[p] for p in chosen)
    panel.refresh_button.click()
    panel.wait()
    assert actions == ["sync", "undo", "undo", "refresh"]


def test_undo_of_selected_rows_uses_the_sync_run_that_last_wrote_them(simulator, client, journal):
    panel = make_panel(client, journal)
    first, second = panel.filtered().index[:2].tolist(), panel.filtered().index[2:4].tolist()
    before = xmp_of(client, first[0])
    runs = []
    for rows in (first, second):
        panel.select(rows)
        panel.preview_button.click()
        panel.wait()
        panel.sync_button.click()
        panel.wait()
        runs.append(journal.last_run("sync"))
        panel.clear_selection()
    synced = xmp_of(client, second[0])
    panel.select(first[:1])  # a row of the earlier run
    panel.undo_button.click()
    panel.wait()
    assert panel.messages[-1].startswith(f"Undo preview of 1 selected row of {runs[0]}: undo plan: 1 ")
    panel.confirm_button.click()
    panel.wait()
    assert xmp_of(client, first[0]) == before and journal.runs()["undoes"].dropna().tolist() == [runs[0]]
    panel.clear_selection()
    panel.select([first[1], second[0]])  # rows of two runs: one run at a time
    panel.undo_button.click()
    panel.wait()
    assert panel.messages[-1].startswith("Error: The selected rows were last written by 2 sync runs (")
    assert f"{runs[0]}: 1 row" in panel.messages[-1] and f"{runs[1]}: 1 row" in panel.messages[-1]
    assert panel.pending is None and xmp_of(client, second[0]) == synced


def test_plan_undo_takes_the_runs_journaled_arguments_and_only_the_given_assets(simulator, client, journal):
    args = SyncArguments(minimum_confidence=0.5)
    fixable = audit(take_inventory(client, DEMO_ROOT, args, show_progress=False), args).fixable()
    paths = fixable["path"].tolist()[:3]
    applied = apply_plan(client, plan_sync(client, paths, args), journal, show_progress=False)
    assert applied.ok
    assert all(r["arguments"] == args.to_process_args() for r in journal.intents(applied.run))
    plan = plan_undo(client, journal, assets=[paths[0], f"{DEMO_ROOT}/not-in-the-run.jpg"])
    assert plan.arguments == args and plan.undoes == applied.run
    assert [c.asset for c in plan.changes] == [paths[0]]
    assert plan.skipped["reason"].tolist() == [f"not written by run {applied.run}; nothing to undo"]
    with pytest.raises(Exception, match="No assets chosen to undo"):
        plan_undo(client, journal, assets=[])


def test_writeback_rows_with_nothing_to_write_are_not_failures(simulator, client, journal, monkeypatch):
    """A row whose node had nothing to carry into the file (e.g. an orphan node removed) is counted as such and
    listed apart, not as a red failure (#22 item 7; the value is the write package's outcome string)."""
    panel = make_panel(client, journal)
    good = in_sync_jpgs(panel)[:1]
    orphan = panel.table.index[panel.table["status"] == "orphan_xmp"][0]
    real = panel_writeback.run_writeback

    def reported(*args, **kwargs):
        report = real(*args, **kwargs)
        empty = report["asset"] == orphan
        return report.assign(binary_status=report["binary_status"].mask(empty, "nothing_to_write"),
                             binary_reason=report["binary_reason"].mask(empty, "the XMP node holds no smart tags"))

    monkeypatch.setattr(panel_writeback, "run_writeback", reported)
    panel.select([*good, orphan])
    panel.writeback_button.click()
    panel.wait()
    panel.confirm_button.click()
    panel.wait()
    assert ", 0 failed; 1 file carries the tags (In sync and in the file), 0 do not, 1 asset had nothing to write. " \
        in panel.messages[-1], panel.messages[-1]
    assert "✔" in panel.status_line.value and "Not in the file" not in panel.details.value  # ok, not an error
    assert "Nothing to write" in panel.details.value and "holds no smart tags" in panel.details.value
