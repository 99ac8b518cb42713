"""A long session keeps nothing it replaced: after Refreshes the app and the panel hold no widget, table or
snapshot of before (the kernel grew by ~85 MB per Refresh at 30,000 assets while replaced what-if views stayed
open; benchmarks/bench_memory.py measures the RSS)."""

import gc
import weakref

import ipywidgets as w
import pytest

from tests.conftest import DEMO_ROOT
from xmpaudit.ui.app import AppSettings, Dashboard
from xmpaudit.workspace.session import open_session

pytestmark = pytest.mark.e2e


def refresh(page: Dashboard) -> None:
    page.panel.refresh_button.click()
    page.panel.wait()
    page.wait()
    assert page.panel.messages[-1].startswith("Refreshed"), page.panel.messages[-1]


def test_refreshes_keep_no_replaced_view_table_or_snapshot(client, tmp_path):
    session = open_session(root=DEMO_ROOT, snapshot_dir=tmp_path / "snap", journal=tmp_path / "j.jsonl",
                           show_progress=False, client=client)
    page = Dashboard(session, AppSettings(root=DEMO_ROOT))
    refresh(page)
    widgets = len(w.widgets.widget._instances)
    old = [weakref.ref(frame) for frame in (session.snapshot.assets, session.snapshot.smart_tags,
                                            page.panel.table, page.panel.tag_table, page.panel.grid.frame)]
    refresh(page)
    refresh(page)
    gc.collect()
    assert len(w.widgets.widget._instances) == widgets  # the replaced what-if views were closed
    assert [ref() is None for ref in old] == [True] * len(old)  # nothing holds the frames of before
