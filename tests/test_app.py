"""App mode: ``xmpaudit app`` serves the headline and the panel with Voilà on loopback, behind a token."""

import os
import signal
import subprocess
import sys
import time

import pytest
import requests

from tests.conftest import DEMO_ROOT
from xmpaudit.audit.compare import audit
from xmpaudit.read.inventory import take_inventory
from xmpaudit.ui.app import dashboard_notebook, headline_html

pytestmark = pytest.mark.e2e


def test_headline_gives_coverage_and_shares(client):
    result = audit(take_inventory(client, DEMO_ROOT, show_progress=False))
    text = headline_html(result, client.base_url)
    counts = result.counts()
    tagged = counts.drop(["no_smart_tags", "invalid", "orphan_xmp"]).sum()  # as the notebooks' headline counts
    assert f"{100 * counts[['in_sync', 'not_written_back', 'written_back']].sum() / tagged:.1f}%" in text
    assert "XMP missing" in text and "%</td>" in text


def test_dashboard_notebook_is_one_call_without_outputs():
    notebook = dashboard_notebook()
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert [c.source for c in code] == ["from xmpaudit.app import dashboard\n\ndashboard()"]
    assert "widgets" not in notebook.metadata


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
