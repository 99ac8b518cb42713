"""The JupyterLab panel driven like a user would: rules, clicks, sorting, Preview, Sync, Writeback, Undo, Refresh."""

import html
import re
import threading
import time
from urllib.parse import quote

import ipywidgets as w
import nbformat
import pytest

from tests.conftest import DEMO_ROOT
from xmpaudit.audit.compare import audit
from xmpaudit.audit.fixlist import fix_list
from xmpaudit.audit.headline import headline
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import ConfigError, XmpAuditError
from xmpaudit.core.number_words import percent_words
from xmpaudit.core.statuses import STATUS_COLOURS, STATUSES, coverage_of, reasons_in_words, stale_flags_of, status_words
from xmpaudit.read.inventory import take_inventory
from xmpaudit.ui.background import BackgroundWorker
from xmpaudit.ui.grid import BADGE_TEXT_AND_SYMBOL, status_badge
from xmpaudit.ui.panel import ALL_FOLDERS, AuditPanel, one_line
from xmpaudit.write.diffwords import describe_change
from xmpaudit.write.journal import Journal

pytestmark = pytest.mark.e2e
FIXABLE = {"missing_xmp", "stale_xmp", "orphan_xmp"}


def live_widgets() -> int:
    return len(w.widgets.widget._instances)


@pytest.fixture
def panel(client, tmp_path):
    snap = take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False)
    return AuditPanel(client, audit(snap), Journal(tmp_path / "j.jsonl"), snap.smart_tags, root=DEMO_ROOT,
                      page_size=10)


def shown_paths(panel):
    return panel.grid.page_paths()


def test_rules_search_sort_and_paging(panel):
    fixable = len(panel.filtered())
    assert set(panel.filtered()["status"]) <= FIXABLE
    assert panel.grid.page_label.value.startswith(f"rows 1–10 of {fixable}")
    panel.grid.next.click()
    assert panel.grid.page_label.value.startswith("rows 11–")
    panel.folder.value = f"{DEMO_ROOT}/products"  # a folder rule includes subfolders
    assert set(panel.filtered()["folder"]) == {f"{DEMO_ROOT}/products/shoes", f"{DEMO_ROOT}/products/bags"}
    assert panel.grid.page == 0
    panel.folder.value = ALL_FOLDERS
    panel.status_boxes["in_sync"].value = True
    panel.tag.value = "sneaker"
    panel.confidence.value = (0.8, 1.0)
    chosen = panel.filtered()
    tags = panel.tag_table
    expected = set(tags.loc[(tags["name"] == "sneaker") & (tags["confidence"] >= 0.8), "asset"])
    assert set(chosen.index) == expected & set(panel.table.index[panel.table["status"].isin(FIXABLE | {"in_sync"})])
    panel.select_matching_button.click()
    assert panel.selected == set(chosen.index) and len(chosen) > 0
    assert panel.select_matching_button.description == f"Select all {len(chosen)} matching"
    panel.tag.value = ""
    panel.confidence.value = (0.0, 1.0)
    panel.search.value = "café"
    assert list(panel.filtered()["name"]) == ["café ñandú.png"]  # missing_xmp in the demo: shown
    panel.search.value = ""
    panel.grid.headers["top_confidence"].click()  # highest first
    shown = panel.grid.frame["top_confidence"].dropna()
    assert shown.is_monotonic_decreasing and panel.grid.headers["top_confidence"].description.endswith("▼")
    panel.grid.headers["name"].click()
    assert list(panel.grid.frame["name"]) == sorted(panel.grid.frame["name"])


def test_columns_show_full_names_reason_in_words_tags_and_link(panel):
    cells = " ".join(c.value for c in panel.grid.cells)
    row = panel.table.loc[shown_paths(panel)[0]]
    assert row["name"] in cells and row["link"].endswith(quote(row["path"]))
    assert "/assetdetails.html/content/dam/" in row["link"]
    assert "differs in: " not in cells  # reasons are worded, never the audit's codes
    stale = panel.table[panel.table["status"] == "stale_xmp"]
    assert stale["reason"].str.startswith("XMP differs in ").all()
    assert "confidences" in " ".join(stale["reason"]) and "tag order" in " ".join(stale["reason"])
    assert panel.table["tags"].str.len().gt(0).any() and panel.table["top_confidence"].between(0, 1).any()


def test_nothing_is_written_without_preview(panel, simulator):
    for box in panel.grid.checkboxes[:3]:
        box.value = True  # tick rows
    assert len(panel.selected) == 3 and panel.sync_button.disabled
    panel.sync_button.click()  # disabled in the browser; the handler refuses too
    assert "Preview the current selection" in panel.messages[-1]
    assert simulator.stats.by_endpoint["POST sling"] == 0
    panel.preview_button.click()
    panel.wait()
    assert not panel.sync_button.disabled and len(panel.plan) == 3
    assert simulator.stats.by_endpoint["POST sling"] == 0
    assert "Nothing was written" in panel.messages[-1]
    panel.grid.checkboxes[5].value = True  # selection changed after preview
    assert panel.sync_button.disabled


def test_preview_in_words_sync_updates_rows_writeback_undo(panel, simulator):
    chosen = panel.filtered().index[:4].tolist()
    panel.select(chosen)
    panel.preview_button.click()
    panel.wait()
    assert "What the sync does" in panel.details.value
    assert any(word in panel.details.value for word in ("creates the XMP array", "adds", "removes", "reorders",
                                                        "confidence of"))
    panel.raw_toggle.value = True  # the raw node on demand
    assert "after sync" in panel.raw.value
    panel.sync_button.click()
    panel.wait()
    assert set(panel.table.loc[chosen, "status"]) == {"in_sync"}  # re-read and updated in place
    assert panel.selected == set()  # fixed rows leave the selection
    assert panel.messages[-1].startswith("Sync done:") and "all verified" in panel.messages[-1]
    assert "xmpaudit-result" in panel.widget.children[0]._dom_classes  # results at the top
    panel.writeback_button.click()
    panel.wait()
    assert panel.confirm_button.description == "Confirm writeback (4)"
    assert "not in sync" not in panel.messages[-1]  # no false warning after a verified sync
    assert simulator.stats.by_endpoint["POST workflow"] == 0
    assert "nothing is selected: the assets this panel synced" in panel.details.value  # listed, not implied
    assert all(html.escape(panel.table.at[p, "name"]) in panel.details.value for p in chosen)
    panel.confirm_button.click()
    panel.wait()
    assert simulator.stats.by_endpoint["POST workflow"] == 4
    report = panel.results[-1]
    assert panel.messages[-1].startswith(f"Writeback run {report['run'].iloc[0]}: 4 completed, 0 failed; ")
    assert set(panel.table.loc[chosen, "status"]) <= {"written_back", "not_written_back"}  # the proof, per row
    panel.undo_scope.value = "run"  # the whole run, chosen explicitly
    panel.undo_button.click()
    panel.wait()
    assert panel.confirm_button.description == "Confirm undo (4)"
    assert "What undoing run sync-" in panel.details.value
    assert "4 of these assets were already written back" in panel.messages[-1]
    panel.confirm_button.click()
    panel.wait()
    statuses = set(panel.table.loc[chosen, "status"])
    assert statuses <= FIXABLE and panel.progress.description == "Idle"


def test_refresh_rereads_changes_made_elsewhere(panel, simulator):
    path = panel.filtered().index[0]
    with simulator.repo.lock:
        assert simulator.repo.remove(path)  # deleted in AEM meanwhile
        simulator.repo.changed()
    panel.refresh_button.click()
    panel.wait()
    message = panel.messages[-1]
    assert re.match(r"Refreshed \d+ \w{3} \d{4}, \d\d:\d\d UTC; 1 row changed: ", message), message
    assert path not in panel.table.index


def test_panel_stays_usable_while_a_preview_runs(panel, simulator):
    simulator.latency_s = 0.3
    panel.select(panel.filtered().index[:5])
    panel.preview_button.click()
    assert panel.worker.busy and panel.preview_button.disabled
    panel.grid.next.click()  # the grid still answers
    panel.undo_button.click()  # another action is refused with one line
    assert panel.messages[-1].startswith("Error: Busy: Preview is still running")
    simulator.latency_s = 0.0
    panel.wait()
    assert panel.plan is not None and not panel.worker.busy


def test_errors_are_one_line(panel, simulator):
    panel.preview_button.click()  # nothing selected
    panel.confirm_button.click()  # nothing pending
    panel.undo_button.click()  # undo of the selected rows, none selected
    panel.undo_scope.value = "run"
    panel.undo_button.click()  # no sync run yet
    panel.wait()
    text = " ".join(panel.messages)
    assert "Select assets first" in text and "Nothing previewed" in text and "no sync run to undo" in text
    assert "Select the rows to undo, or choose 'whole run'" in text
    assert all("\n" not in m and "Traceback" not in m for m in panel.messages)
    assert one_line(ValueError("bad\nsecond line")) == "ValueError: bad"
    with pytest.raises(ConfigError, match=r"not-audited\.jpg is not in this audit"):
        panel.select(["/content/dam/not-audited.jpg"])


def test_refreshing_the_table_creates_no_widgets(panel):
    panel.select(panel.filtered().index[:3])
    panel.preview_button.click()
    panel.wait()
    before = live_widgets()
    for round_ in range(30):
        panel.status_boxes["in_sync"].value = round_ % 2 == 0
        panel.grid.next.click()
        panel.grid.headers["folder"].click()
        panel.search.value = "IMG" if round_ % 3 else ""
        panel.grid.page_box.value = not panel.grid.page_box.value
        panel.say("info", f"round {round_}", "<p>details</p>")
    assert live_widgets() == before


def test_diff_in_words():
    def node(*tags):
        return {"xmpArraySize": len(tags), **{str(i): {"dam:predictedTagName": n, "dam:predictedTagConfidence": c}
                                              for i, (n, c) in enumerate(tags, 1)}}
    before = node(("x", 0.81), ("old-tag", 0.5), ("a", 0.7), ("b", 0.6))
    after = node(("dog", 0.9), ("x", 0.9), ("leather", 0.4), ("b", 0.6), ("a", 0.7))
    assert describe_change(before, after, SyncArguments()) == \
        "adds “dog”, “leather”; removes “old-tag”; reorders 2; confidence of “x” 0.81→0.90"
    assert describe_change(None, node(("dog", 0.9)), SyncArguments()) == "creates the XMP array with 1 tag: “dog”"
    assert describe_change(before, None, SyncArguments()) == "deletes the XMP array (4 tags)"
    assert describe_change(node(("a", 1.0)), node(("a", 1.0)), SyncArguments()).startswith("fixes the node's structure")


def test_status_colours_are_colour_blind_safe_and_labelled():
    okabe_ito = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000", "#BBBBBB"}
    assert {STATUS_COLOURS[s] for s in STATUSES} <= okabe_ito and set(BADGE_TEXT_AND_SYMBOL) == set(STATUSES)
    assert len({status_words(s) for s in STATUSES}) == len(STATUSES)
    for status in STATUSES:  # the badge shows the colour, a symbol and the same words as the headline and plots
        badge = status_badge(status)
        assert STATUS_COLOURS[status] in badge and BADGE_TEXT_AND_SYMBOL[status][1] in badge
        assert html.escape(status_words(status)) in badge
    import pandas as pd
    words = reasons_in_words(pd.Series(["stale_xmp"]), pd.Series([pd.NA]), pd.Series([stale_flags_of("order",
                                                                                                    "confidences")]))
    assert words[0] == "XMP differs in tag order, confidences"


def test_saved_notebooks_hold_no_widget_state():
    from pathlib import Path
    for path in sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        assert "widgets" not in notebook.metadata, f"{path.name} keeps widget state (model not found on reopen)"
        assert "application/vnd.jupyter.widget-view+json" not in path.read_text()


def test_what_a_job_arms_is_clickable_only_once_the_job_is_done(panel):
    """Confirm appears while the job's outcome is still being shown; it stays disabled until the job is done (in
    Chromium a quick click in that moment was refused with "Busy: Undo check is still running")."""
    panel.select(panel.filtered().index[:3])
    panel.preview_button.click()
    panel.wait()
    panel.sync_button.click()
    panel.wait()
    seen = []
    arm = panel.confirm_step.arm

    def slow_arm(*args, **kwargs):
        arm(*args, **kwargs)
        seen.append((panel.confirm_button.disabled, panel.worker.busy))
        time.sleep(0.3)  # the rest of the job's outcome being shown

    panel.confirm_step.arm = slow_arm
    panel.undo_scope.value = "run"
    panel.undo_button.click()
    panel.wait()
    assert seen == [(True, True)]
    assert not panel.worker.busy and not panel.confirm_button.disabled
    panel.confirm_button.click()
    panel.wait()
    assert panel.messages[-1].startswith("Undo done: "), panel.messages[-1]


def test_a_second_job_is_refused_until_the_first_is_done():
    events = []
    worker = BackgroundWorker(on_start=events.append, on_progress=lambda d, t: None,
                              on_finish=lambda: events.append("finished"), on_error=events.append)
    release = threading.Event()
    worker.run("first", lambda _p: release.wait(5), lambda _r: time.sleep(0.1))
    with pytest.raises(XmpAuditError, match="Busy: first is still running"):
        worker.run("second", lambda _p: None, lambda _r: None)
    release.set()
    worker.wait(5)
    worker.run("third", lambda _p: None, lambda _r: None)
    worker.wait(5)
    assert events == ["first", "finished", "third", "finished"]


def test_background_progress_moves(panel):
    seen = []
    panel.progress.observe(lambda c: seen.append(c["new"]), names="value")
    panel.select(panel.filtered().index[:30])
    panel.preview_button.click()
    panel.wait()
    time.sleep(0.05)
    assert seen and max(seen) == 30


def test_writeback_preview_shows_the_preflight(panel):
    """The real pre-flight (model, step arguments, launchers, live copies) is shown before the confirmation."""
    from xmpaudit.write.writeback_preflight import writeback_preflight

    panel.select(panel.filtered().index[:2])
    chosen = list(panel.filtered().index[:2])
    panel.writeback_button.click()
    panel.wait()
    expected = writeback_preflight(panel.client, chosen, model=panel.writeback_model)
    assert expected.ok and expected.summary().splitlines()[0] in html.unescape(panel.details.value)
    assert panel.confirm_button.description == "Confirm writeback (2)"


def test_diff_in_words_flags_zero_confidence_and_custom_tags():
    def node(*tags):
        return {"xmpArraySize": len(tags), **{str(i): {"dam:predictedTagName": n, "dam:predictedTagConfidence": c}
                                              for i, (n, c) in enumerate(tags, 1)}}
    after = node(("dog", 0.9), ("logo", 0.0), ("brand-x", 0.7))
    assert describe_change(None, after, SyncArguments(), custom={"brand-x"}) == (
        "creates the XMP array with 3 tags: “dog”, “logo”, “brand-x”; written with confidence 0.0: logo; "
        "custom: brand-x")
    assert describe_change(after, None, SyncArguments(), custom={"brand-x"}) == "deletes the XMP array (3 tags)"


def test_preview_flags_the_same_tags_as_the_fix_list(client, tmp_path):
    snap = take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False)
    result = audit(snap)
    panel = AuditPanel(client, result, Journal(tmp_path / "j.jsonl"), snap.smart_tags, root=DEMO_ROOT)
    fixes = fix_list(result, snap.smart_tags)
    zero = fixes[fixes["zero_confidence_tags"].ne("") & fixes["custom_tags"].eq("")].head(2)
    custom = fixes[fixes["custom_tags"].ne("") & fixes["status"].ne("orphan_xmp")].head(2)
    assert len(zero) == 2 and len(custom) == 2
    panel.select([*zero["path"], *custom["path"]])
    panel.preview_button.click()
    panel.wait()
    shown = html.unescape(panel.details.value)
    for flags in [*zero["tag_flags"], *custom["tag_flags"]]:
        assert flags in shown


def test_grid_starts_in_fix_priority_order_with_tags_in_stored_order(client, tmp_path):
    snap = take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False)
    result = audit(snap)
    panel = AuditPanel(client, result, Journal(tmp_path / "j.jsonl"), snap.smart_tags, root=DEMO_ROOT)
    assert panel.grid.frame.index.tolist() == fix_list(result, snap.smart_tags)["path"].tolist()
    tags = snap.smart_tags[snap.smart_tags["name"].notna()].sort_values(["asset_id", "order"])
    for path in panel.grid.frame.index[:20]:
        stored = tags.loc[tags["asset"] == path, "name"].astype(str).tolist()
        assert panel.table.at[path, "tags"] == ", ".join(stored)  # as stored, as the preview and the XMP order them


def test_folder_list_is_worst_first_with_counts(client, tmp_path):
    snap = take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False)
    result = audit(snap)
    panel = AuditPanel(client, result, Journal(tmp_path / "j.jsonl"), snap.smart_tags, root=DEMO_ROOT, page_size=10)
    options = panel.folder.options
    assert options[0][1] == ALL_FOLDERS
    table = panel.table
    coverages = []
    for label, folder in options[1:]:
        rows = table[(table["folder"] == folder) | table["folder"].str.startswith(folder + "/")]
        coverage, _ = coverage_of(rows["status"].value_counts().to_dict())
        to_fix = int(rows["status"].isin(FIXABLE).sum())
        share = "no smart tags" if coverage is None else f"{percent_words(coverage)} covered"
        assert label.endswith(f" — {share}, {to_fix:,} to fix of {len(rows):,} assets"), label
        coverages.append(101.0 if coverage is None else coverage)
    assert coverages == sorted(coverages) and len(coverages) > 5
    # the same words as the headline's worst folders, one decimal (55.0%, never 55%)
    labels = {folder: label for label, folder in options[1:]}
    worst = headline(result).worst_folders
    for row in worst.itertuples():
        assert f" — {percent_words(row.coverage_pct)} covered, {row.to_fix:,} to fix" in labels[row.folder]
    panel.folder.value = options[3][1]
    panel.select(panel.filtered().index[:2])
    panel.preview_button.click()
    panel.wait()
    panel.sync_button.click()
    panel.wait()
    assert panel.folder.value == options[3][1]  # new counts, the chosen folder kept
    assert panel.folder.options != options


def test_a_panel_on_a_session_refreshes_through_it_with_its_arguments(client, simulator, tmp_path):
    """Notebook 03 and the app make the panel with ``from_session``: Refresh saves a snapshot and records the
    audit in the history, and the panel then uses (and shows) the arguments the session holds, never a copy."""
    from tests.test_session_arguments import HALF, change_models
    from xmpaudit.workspace.history import read_history
    from xmpaudit.workspace.session import open_session

    session = open_session(root=DEMO_ROOT, snapshot_dir=tmp_path / "snap", show_progress=False,
                           journal=tmp_path / "j.jsonl", client=client)
    panel = AuditPanel.from_session(session, page_size=10)
    assert "minimumConfidence=0.0" in panel.args_line.value
    assert html.escape(session.args_source.removeprefix("Process arguments: ")) in panel.args_line.value
    taken, audits = session.snapshot.meta["taken_at"], len(read_history(simulator.url, DEMO_ROOT))
    change_models(simulator, HALF)  # an administrator changes the step: the Refresh reads the arguments again
    panel.refresh_button.click()
    panel.wait()
    assert panel.messages[-1].startswith("Refreshed "), panel.messages[-1]
    assert session.snapshot.meta["taken_at"] != taken and list((tmp_path / "snap").rglob("*"))  # saved
    history = read_history(simulator.url, DEMO_ROOT)
    assert len(history) > audits and history["minimum_confidence"].iloc[-1] == 0.5  # recorded
    assert panel.args is session.args and "minimumConfidence=0.5" in panel.args_line.value
    assert "from runtime model" in panel.args_line.value
    panel.select(panel.filtered().index[:2])
    panel.preview_button.click()
    panel.wait()
    assert panel.plan.arguments == session.args  # the preview (so the sync) uses the session's arguments
