"""Selecting and fixing 10,000 assets through the panel (driven from Python like the browser would): a rule,
Select all matching, a few unticked rows, Preview and Sync in the background; the simulator then holds exactly
those 10,000 fixed and nothing else changed."""

import pytest

from tests.conftest import DEMO_ROOT, client_for
from xmpaudit.audit.compare import audit
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.statuses import FIXABLE_STATUSES
from xmpaudit.read.inventory import take_inventory
from xmpaudit.simulator import DemoSpec, Simulator, build_demo_repository
from xmpaudit.ui.panel import AuditPanel
from xmpaudit.write.journal import Journal

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # 23,000 assets read twice and 10,000 fixed: two minutes
TARGET = 10_000


def test_select_and_fix_10k_assets_through_the_panel(tmp_path):
    with Simulator(build_demo_repository(DemoSpec(assets=23_000, real_images=False))) as sim, client_for(sim) as client:
        snapshot = take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False)
        before = audit(snapshot).assets.set_index("path")
        panel = AuditPanel(client, audit(snapshot), Journal(tmp_path / "j.jsonl"), snapshot.smart_tags,
                           root=DEMO_ROOT)
        panel.select_matching_button.click()  # the fixable statuses are the default rule
        assert len(panel.selected) > TARGET
        panel.select(sorted(panel.selected)[TARGET:], False)  # untick the surplus
        chosen = set(panel.selected)
        assert len(chosen) == TARGET
        panel.preview_button.click()
        assert panel.worker.busy  # the dry run of 10k runs off the kernel's main thread
        panel.wait()
        assert len(panel.plan) == TARGET and not panel.sync_button.disabled
        panel.sync_button.click()
        panel.wait()
        assert panel.messages[-1].startswith("Sync done:") and "all verified" in panel.messages[-1]
        assert panel.selected == set()
        fixed = {"in_sync", "no_smart_tags"}  # an orphan XMP array is removed: nothing left to write
        assert set(panel.table.loc[sorted(chosen), "status"]) <= fixed

        after = audit(take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False)).assets.set_index("path")
        changed = set(after.index[(after["status"] != before["status"].reindex(after.index)).to_numpy()])
        assert changed == chosen and set(after.loc[sorted(chosen), "status"]) <= fixed
        assert set(before.loc[sorted(chosen), "status"]) <= set(FIXABLE_STATUSES)
