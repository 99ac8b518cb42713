"""The panel fits the widths librarians work at, measured in Debian Chromium (not judged from screenshots):
JupyterLab at 1280 px with the file browser open, and the app at 1024 px. No element sticks out of the panel or is
cut by a box that hides overflow, no button or label is shortened to "…", the folder list shows its whole label,
the grid's cells never overlap (a status badge wraps inside its column) and Confirm shows its count."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from xmpaudit.core.statuses import status_words
from xmpaudit.simulator import DemoSpec, Simulator, build_demo_repository
from xmpaudit.ui.app import free_loopback_port

ROOT = Path(__file__).parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright = pytest.importorskip("playwright.sync_api", reason="playwright not installed (pip install -e .[dev])")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed (./dev.sh test installs it)")]
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DEMO_ROOT = "/content/dam/xmpaudit-demo"
WAIT = 240_000  # ms: a shared 2-core machine

# Every problem of fit inside ``.xmpaudit-panel``, as lines; ``container`` is what the panel must fit in.
MEASURE = """([panel, container]) => {
  const problems = [];
  const shown = el => { const r = el.getBoundingClientRect(), s = getComputedStyle(el);
                        return r.width > 0 && r.height > 0 && s.visibility !== 'hidden'; };
  const what = el => `${el.tagName.toLowerCase()}.${String(el.className).trim().split(/\\s+/).slice(-2).join('.')}`
                     + ` "${(el.innerText || el.value || '').trim().slice(0, 50)}"`;
  const scrolls = el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  const hides = el => ['hidden', 'clip'].includes(getComputedStyle(el).overflowX);
  const edge = container.getBoundingClientRect().right;
  const whole = panel.getBoundingClientRect();
  if (whole.right > edge + 1) problems.push(`panel cut on the right: ${whole.right} > ${edge}`);
  for (const el of panel.querySelectorAll('*')) {
    if (!shown(el)) continue;
    const r = el.getBoundingClientRect();
    let up = el.parentElement, inScroller = false;
    for (; up && up !== panel; up = up.parentElement) {
      if (scrolls(up)) { inScroller = true; break; }
      if (hides(up) && r.right > up.getBoundingClientRect().right + 1) {
        problems.push(`cut by its box: ${what(el)}`); break; }
    }
    if (!inScroller && r.right > whole.right + 1) problems.push(`sticks out of the panel: ${what(el)}`);
    if (el.matches('button, .widget-label, label') && el.scrollWidth > el.clientWidth + 1)
      problems.push(`text shortened: ${what(el)} (${el.scrollWidth} > ${el.clientWidth})`);
  }
  const ruler = document.createElement('canvas').getContext('2d');
  for (const select of panel.querySelectorAll('select')) {
    const s = getComputedStyle(select);
    ruler.font = `${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
    const text = select.options[select.selectedIndex].text;
    const room = select.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
    if (ruler.measureText(text).width > room + 1) problems.push(`option cut: "${text}" in ${room} px`);
  }
  for (const row of panel.querySelectorAll('.xmpaudit-row')) {
    if (!shown(row)) continue;
    const cells = [...row.querySelectorAll('[class^="xmpaudit-col-"]')].map(c => [c, c.getBoundingClientRect()]);
    cells.forEach(([cell, box], i) => {
      if (i + 1 < cells.length && box.right > cells[i + 1][1].left + 0.5) problems.push(`cells overlap: ${what(cell)}`);
      for (const inner of cell.querySelectorAll('*')) {
        const r = inner.getBoundingClientRect();
        if (r.width && (r.left < box.left - 0.5 || r.right > box.right + 0.5))
          problems.push(`over the next column: ${what(inner)}`);
      }
    });
  }
  return problems;
}"""


@pytest.fixture(scope="module")
def demo():
    with Simulator(build_demo_repository(DemoSpec()), workflow_seconds=0.02) as sim:
        yield sim


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def env_for(sim: Simulator, home: Path) -> dict[str, str]:
    import os

    return {**os.environ, "XMPAUDIT_URL": sim.url, "XMPAUDIT_USER": "admin", "XMPAUDIT_PASSWORD": "admin",
            "JUPYTER_CONFIG_DIR": str(home / ".jupyter"), "JUPYTERLAB_SETTINGS_DIR": str(home / ".settings"),
            "JUPYTER_RUNTIME_DIR": str(home / ".runtime")}


def arm_confirm_on_orphans(page: Any) -> Any:
    """Show the grid's widest badge (orphan rows only), select them and preview a writeback: Confirm appears."""
    panel = page.locator(".xmpaudit-panel")
    for status in ("missing_xmp", "stale_xmp"):
        panel.get_by_label(status_words(status), exact=True).uncheck()
    panel.locator(".xmpaudit-col-status", has_text=status_words("orphan_xmp")).first.wait_for()
    panel.get_by_role("button", name=re.compile(r"Select all [\d,]+ matching")).click()
    panel.get_by_role("button", name="Writeback").click()
    confirm = panel.get_by_role("button", name=re.compile(r"^Confirm writeback \([\d,]+\)$"))
    confirm.wait_for(timeout=WAIT)
    return panel


def problems_of_fit(page: Any, container: str, name: str) -> list[str]:
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(500)  # let the layout settle after the last change
    page.screenshot(path=str(ARTIFACTS / f"layout-{name}.png"), full_page=True)
    panel = page.locator(".xmpaudit-panel").element_handle()
    return page.evaluate(MEASURE, [panel, panel.evaluate_handle(f"p => p.closest('{container}')")])


def wait_http(url: str, process: subprocess.Popen) -> None:
    import requests

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.5)
    raise RuntimeError("JupyterLab did not start")


def test_panel_fits_jupyterlab_at_1280_px_with_the_file_browser_open(demo, browser, tmp_path):
    shutil.copy(ROOT / "notebooks" / "03_fix_mismatches.ipynb", tmp_path)
    settings = tmp_path / ".settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false", "checkForUpdates": false}')
    port = free_loopback_port()
    with open(tmp_path / "lab.log", "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
             "--allow-root", "--IdentityProvider.token=layout", f"--notebook-dir={tmp_path}"],
            env=env_for(demo, tmp_path), stdout=log, stderr=subprocess.STDOUT)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        wait_http(f"http://127.0.0.1:{port}/api/status?token=layout", process)
        page.goto(f"http://127.0.0.1:{port}/lab/tree/03_fix_mismatches.ipynb?token=layout")
        page.wait_for_selector(".jp-Notebook", timeout=60_000)
        page.get_by_text(re.compile(r"Python 3 \(ipykernel\) \| Idle")).wait_for(timeout=60_000)  # kernel ready
        if not page.locator("#filebrowser").is_visible():
            page.get_by_role("tab", name=re.compile("File Browser")).click()
        page.locator("#filebrowser").wait_for()
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_text("Run All Cells", exact=True).click()
        page.locator(".xmpaudit-panel .xmpaudit-row").first.wait_for(timeout=WAIT)
        arm_confirm_on_orphans(page)
        assert page.locator("#filebrowser").is_visible()
        problems = problems_of_fit(page, ".jp-OutputArea-output", "lab-1280")
        assert not problems, "\n".join(problems)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "layout-lab-failure.png"), full_page=True)
        raise
    finally:
        page.close()
        process.terminate()
        process.wait(30)


def test_panel_fits_the_app_at_1024_px(demo, browser, tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "xmpaudit.cli.main", "app", "--root", DEMO_ROOT, "--journal",
         str(tmp_path / "journal.jsonl")], env=env_for(demo, tmp_path), stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True, cwd=tmp_path)
    page = browser.new_page(viewport={"width": 1024, "height": 800})
    try:
        line, deadline = "", time.monotonic() + 90
        while "xmpaudit app: " not in line and time.monotonic() < deadline and process.poll() is None:
            line = process.stdout.readline()
        page.goto(line.split("xmpaudit app: ", 1)[-1].strip(), timeout=WAIT)
        page.locator(".xmpaudit-panel .xmpaudit-row").first.wait_for(timeout=WAIT)
        arm_confirm_on_orphans(page)
        problems = problems_of_fit(page, "body", "app-1024")
        assert not problems, "\n".join(problems)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "layout-app-failure.png"), full_page=True)
        raise
    finally:
        page.close()
        process.send_signal(signal.SIGTERM)
        process.wait(30)
