"""The JupyterLab panel driven like a user would: filter, select, Preview, Sync, Writeback, Undo."""

import pytest

from tests.conftest import DEMO_ROOT
from xmpaudit.audit import audit
from xmpaudit.inventory import take_inventory
from xmpaudit.journal import Journal
from xmpaudit.widgets import ALL_FOLDERS, AuditPanel

pytestmark = pytest.mark.e2e


@pytest.fixture
def panel(client, tmp_path):
    snap = take_inventory(client, DEMO_ROOT, show_progress=False)
    return AuditPanel(client, audit(snap), Journal(tmp_path / "j.jsonl"), snap.smart_tags, page_size=10)


def test_filters_and_paging(panel):
    fixable = len(panel.filtered())
    assert set(panel.filtered()["status"].astype(str)) <= {"missing_xmp", "stale_xmp", "orphan_xmp"}
    assert panel.page_label.value == f"rows 1–10 of {fixable}" and len(panel.rows.children) == 11
    panel.next_page.click()
    assert panel.page_label.value.startswith("rows 11–")
    panel.folder.value = f"{DEMO_ROOT}/people"
    assert set(panel.filtered()["folder"]) == {f"{DEMO_ROOT}/people"} and panel.page == 0
    panel.folder.value = ALL_FOLDERS
    panel.status.value = ("in_sync",)
    panel.confidence.value = 0.95
    shown = panel.filtered()
    assert (panel.max_confidence.reindex(shown.index) >= 0.95).all() and len(shown) < len(panel.assets)


def test_nothing_is_written_without_preview(panel, simulator):
    rows = panel.rows.children[1:4]
    for row in rows:
        row.children[0].value = True  # tick the checkboxes
    assert len(panel.selected) == 3 and panel.sync_button.disabled
    panel.sync_button.click()  # disabled in the browser; the handler refuses too
    assert "Preview the current selection" in panel.messages[-1]
    assert simulator.stats.by_endpoint["POST sling"] == 0
    panel.preview_button.click()
    assert not panel.sync_button.disabled and len(panel.plan) == 3
    assert simulator.stats.by_endpoint["POST sling"] == 0
    panel.rows.children[5].children[0].value = True  # selection changed after preview
    assert panel.sync_button.disabled


def test_preview_sync_writeback_undo(panel, simulator):
    chosen = panel.filtered().index[:4].tolist()
    panel.select(chosen)
    panel.preview_button.click()
    panel.sync_button.click()
    assert set(panel.assets.loc[chosen, "status"]) == {"in_sync"}
    assert panel.synced == sorted(chosen)
    assert simulator.stats.by_endpoint["POST workflow"] == 0
    panel.writeback_button.click()
    assert panel.confirm_button.description == "Confirm writeback (4)"
    assert simulator.stats.by_endpoint["POST workflow"] == 0
    panel.confirm_button.click()
    assert simulator.stats.by_endpoint["POST workflow"] == 4
    assert (panel.results[-1]["state"] == "COMPLETED").all()
    panel.undo_button.click()
    assert panel.confirm_button.description == "Confirm undo (4)"
    panel.confirm_button.click()
    statuses = set(panel.assets.loc[chosen, "status"].astype(str))
    assert statuses <= {"missing_xmp", "stale_xmp", "orphan_xmp"} and "in_sync" not in statuses
    assert panel.progress.description == "Idle"


def test_errors_go_to_the_log(panel):
    panel.preview_button.click()  # nothing selected
    panel.confirm_button.click()  # nothing pending
    panel.undo_button.click()  # no sync run yet
    text = " ".join(panel.messages)
    assert "Select assets first" in text and "Nothing previewed" in text and "no sync run to undo" in text
    with pytest.raises(KeyError):
        panel.select(["/content/dam/not-audited.jpg"])
