"""The panel in a real browser: JupyterLab on a free loopback port, Debian Chromium driven by Playwright.
Runs notebook 03, ticks rows, clicks Preview, Sync, Writeback (and Confirm), then checks from the simulator's
state that exactly the chosen assets changed. The screenshot is kept in test-artifacts/."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from xmpaudit.simulator import Simulator

ROOT = Path(__file__).parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright = pytest.importorskip("playwright.sync_api", reason="playwright not installed (pip install -e .[dev])")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed (./dev.sh test installs it)")]
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DEMO_ROOT = "/content/dam/xmpaudit-demo"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def asset_states(sim: Simulator) -> dict[str, str]:
    """Every demo asset's subtree (node and binary) as comparable text."""
    states = {}
    with sim.repo.lock:
        stack = [(DEMO_ROOT, sim.repo.require(DEMO_ROOT))]
        while stack:
            path, node = stack.pop()
            if node.primary_type == "dam:Asset":
                binary = sim.repo.require(f"{path}/jcr:content/renditions/original/jcr:content")
                states[path] = repr(sim.repo.to_json(node, None)) + repr(binary.properties["jcr:data"].value)
                continue
            stack += [(f"{path}/{name}", child) for name, child in node.children.items()]
    return states


@pytest.fixture
def lab(tmp_path):
    simulator = Simulator(workflow_seconds=0.05).start()
    shutil.copy(ROOT / "notebooks" / "03_fix_mismatches.ipynb", tmp_path)
    port = free_port()
    env = {**os.environ, "XMPAUDIT_URL": simulator.url, "XMPAUDIT_USER": "admin", "XMPAUDIT_PASSWORD": "admin",
           "JUPYTER_CONFIG_DIR": str(tmp_path / ".jupyter"), "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / ".settings")}
    settings = tmp_path / ".settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false", "checkForUpdates": false}')
    log = open(tmp_path / "lab.log", "w")  # noqa: SIM115 - stays open while the server runs
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1", "--allow-root",
         "--IdentityProvider.token=xmpaudit-test", f"--notebook-dir={tmp_path}"],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/api/status?token=xmpaudit-test", timeout=2).status_code == 200:
                break
        except requests.RequestException:
            time.sleep(0.5)
    else:
        process.kill()
        raise RuntimeError(f"JupyterLab did not start: {(tmp_path / 'lab.log').read_text()[-2000:]}")
    yield url, simulator
    process.terminate()
    process.wait(30)
    log.close()
    simulator.stop()


def test_select_preview_sync_writeback_in_chromium(lab):
    url, simulator = lab
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "widgets-failure.png").unlink(missing_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        try:
            page.goto(f"{url}/lab/tree/03_fix_mismatches.ipynb?token=xmpaudit-test")
            page.wait_for_selector(".jp-Notebook", timeout=60_000)
            page.wait_for_timeout(1500)
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_text("Run All Cells", exact=True).click()
            panel = page.locator(".xmpaudit-panel")
            panel.wait_for(timeout=120_000)
            panel.locator("input[type=checkbox]").first.wait_for()
            before = asset_states(simulator)

            rows = panel.locator(".widget-checkbox")
            for index in (0, 3):
                rows.nth(index).locator("input[type=checkbox]").check()
            page.get_by_text("2 selected").wait_for()
            chosen_names = [rows.nth(i).locator("label.widget-label-basic").inner_text().strip() for i in (0, 3)]
            assert all(chosen_names)
            panel.get_by_role("button", name="Preview").click()
            panel.get_by_text("Preview:").wait_for(timeout=60_000)
            assert before == asset_states(simulator)  # a preview writes nothing
            panel.get_by_role("button", name="Sync").click()
            panel.get_by_text("Sync done:").wait_for(timeout=60_000)
            panel.get_by_role("button", name="Writeback").click()
            panel.get_by_role("button", name="Confirm writeback (2)").click()
            panel.get_by_text("Writeback done:").wait_for(timeout=60_000)
            done = panel.get_by_text("2 completed, 0 failed")
            done.wait_for()
            done.scroll_into_view_if_needed()
            page.screenshot(path=str(artifacts / "widgets-panel.png"))
        except Exception:
            page.screenshot(path=str(artifacts / "widgets-failure.png"), full_page=True)
            raise
        finally:
            browser.close()

    after = asset_states(simulator)
    changed = {path for path in before if before[path] != after[path]}
    assert {path.rsplit("/", 1)[1] for path in changed} == set(chosen_names)
    for path in changed:
        node = simulator.repo.require(f"{path}/jcr:content/metadata/dam:predictedTags")
        assert node.get("xmpArraySize") == len([c for c in node.children])
        data = simulator.repo.require(f"{path}/jcr:content/renditions/original/jcr:content").get("jcr:data")
        assert b"<dam:predictedTags><rdf:Seq>" in data
