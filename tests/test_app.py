"""App mode: ``xmpaudit app`` serves the one-minute answer — headline and worst folders in the words of notebook 02
and ``xmpaudit audit``, the top of the fix list, the panel — with Voilà on loopback, behind a token; it audits
again after every Sync, Undo, Writeback and Refresh, by the session's freshness rules."""

import os
import re
import signal
import subprocess
import sys
import time

import pytest
import requests

from tests.conftest import DEMO_ROOT, client_for
from xmpaudit.audit.compare import audit
from xmpaudit.audit.headline import headline
from xmpaudit.core.acs import SyncArguments
from xmpaudit.read.inventory import take_inventory
from xmpaudit.ui.app import AppSettings, Dashboard, dashboard_notebook, headline_html
from xmpaudit.workspace.history import read_history
from xmpaudit.workspace.session import open_session

pytestmark = pytest.mark.e2e


def coverage_sentence(result) -> str:
    """The coverage line of the headline, as every surface words it."""
    return re.search(r"\*\*[\d.]+%\*\* of the \d+ assets with smart tags", result.summary()).group(0)


def test_headline_is_the_notebooks_and_clis_in_html(client):
    result = audit(take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False))
    text = headline_html(headline(result, meta={"root": DEMO_ROOT}))
    counts = result.counts()
    tagged = counts.drop(["no_smart_tags", "invalid", "orphan_xmp"]).sum()  # as the notebooks' headline counts
    pct = 100 * counts[["in_sync", "not_written_back", "written_back"]].sum() / tagged
    assert f"<strong>{pct:.1f}%</strong> of the {tagged} assets with smart tags have their tags in XMP" in text
    assert "XMP missing" in text and "Worst folders (lowest coverage first):" in text


def test_dashboard_notebook_is_one_call_without_outputs():
    notebook = dashboard_notebook()
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert [c.source for c in code] == ["from xmpaudit import dashboard\n\npage = dashboard()"]
    assert "widgets" not in notebook.metadata


def test_settings_leave_blank_what_was_not_given(monkeypatch):
    settings = AppSettings(root=DEMO_ROOT)
    for key, value in settings.to_env().items():
        monkeypatch.setenv(key, value)
    assert AppSettings.from_env() == settings
    assert settings.process_args == settings.journal == settings.snapshot_dir == settings.max_age == ""


def test_dashboard_shows_headline_fix_list_and_audits_again_after_sync_undo_and_refresh(simulator):
    client = client_for(simulator)
    session = open_session(root=DEMO_ROOT, show_progress=False, client=client)
    page = Dashboard(session, AppSettings(root=DEMO_ROOT))
    start = audit(take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False))
    assert coverage_sentence(start).replace("**", "") in re.sub("</?strong>", "", page.summary.value)
    assert "Worst folders (lowest coverage first):" in page.summary.value
    assert "What to fix first" in page.fixes.value and "assetdetails.html" in page.fixes.value
    assert "Snapshot: new inventory" in page.banner.value
    panel = page.panel
    chosen = panel.filtered().index[:4].tolist()
    panel.select(chosen)
    panel.preview_button.click()
    panel.wait()
    page.wait()  # the page audits again in the background; the panel is usable meanwhile
    panel.sync_button.click()
    panel.wait()
    page.wait()  # the page audits again in the background; the panel is usable meanwhile
    synced = audit(take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False))
    assert page.audits == 2 and "refreshed incrementally" in page.banner.value
    assert coverage_sentence(synced).replace("**", "") in re.sub("</?strong>", "", page.summary.value)
    assert coverage_sentence(synced) != coverage_sentence(start)
    panel.undo_scope.value = "run"  # the whole sync run, chosen explicitly
    panel.undo_button.click()
    panel.wait()
    page.wait()  # the page audits again in the background; the panel is usable meanwhile
    assert page.audits == 2  # a preview changes nothing
    panel.confirm_button.click()
    panel.wait()
    page.wait()  # the page audits again in the background; the panel is usable meanwhile
    assert page.audits == 3
    assert coverage_sentence(start).replace("**", "") in re.sub("</?strong>", "", page.summary.value)
    reads = dict(simulator.stats.by_endpoint)
    take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False)
    one_inventory = {k: v - reads.get(k, 0) for k, v in simulator.stats.by_endpoint.items() if v != reads.get(k, 0)}
    reads = dict(simulator.stats.by_endpoint)
    panel.refresh_button.click()
    panel.wait()
    page.wait()  # the page shows the panel's audit: the page and the panel share one inventory
    assert page.audits == 4 and "new inventory (a new inventory was asked for)" in page.banner.value
    refresh_reads = {k: v - reads.get(k, 0) for k, v in simulator.stats.by_endpoint.items() if v != reads.get(k, 0)}
    assert refresh_reads.pop("GET workflow") >= 1  # the process arguments are read again at every refresh
    assert {k: v for k, v in refresh_reads.items() if k != "GET sling"} == one_inventory  # and one inventory
    assert session.snapshot.smart_tags is not None and panel.table.index.isin(session.snapshot.assets["path"]).all()


def test_xmpaudit_app_serves_the_dashboard_on_loopback(tmp_path):
    process = subprocess.Popen([sys.executable, "-m", "xmpaudit.cli.main", "app", "--assets", "40"], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "XMPAUDIT_URL": "", "XMPAUDIT_PROFILE": ""})
    try:
        lines = []
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not any("xmpaudit app: " in line for line in lines):
            lines.append(process.stdout.readline())
        url = next(line for line in lines if "xmpaudit app: " in line).split(": ", 1)[1].strip()
        assert url.startswith("http://127.0.0.1:") and "?token=" in url
        anonymous = requests.get(url.split("?")[0], timeout=30)
        assert "coverage" not in anonymous.text and "/login" in anonymous.url  # the token is required
        page = requests.get(url, timeout=120).text
        assert "coverage" in page and "application/vnd.jupyter.widget-view+json" in page
        assert "dashboard()" not in page  # no code shown
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0


def test_dashboard_shows_the_what_if_and_the_coverage_over_time(simulator):
    client = client_for(simulator)
    session = open_session(root=DEMO_ROOT, show_progress=False, client=client)
    page = Dashboard(session, AppSettings(root=DEMO_ROOT))
    what_if, history = page.more.children
    tabs = what_if.children[0]
    assert [tabs.get_title(i) for i in range(len(tabs.children))] == ["What if", "Confidence per tag"]
    slider = tabs.children[0].children[0]
    assert slider.description == "minimumConfidence" and slider.value == session.args.minimum_confidence
    slider.value = 0.5
    assert "at 0.5" in tabs.children[0].children[1].value  # the numbers follow the slider
    assert history.value.startswith("<img alt='coverage over time'") and "base64," in history.value  # drawn
    assert len(read_history(client.base_url, DEMO_ROOT)) == 1  # the app's audit is in the history it draws
