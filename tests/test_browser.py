"""The panel in a real browser on a 100k-asset simulated DAM: JupyterLab (notebook 03) and app mode
(``xmpaudit app``, Voilà), each driven by Debian Chromium through Playwright: select by rule and by clicks, Preview,
Sync, Undo, Refresh. The simulator's state proves exactly the chosen assets changed (and were restored).
Screenshots of every step are kept in test-artifacts/; click timings at 100k rows in panel-timings.json."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from xmpaudit.aem.querybuilder import ASSET_NODE_DEPTH
from xmpaudit.audit.compare import audit
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.statuses import FIXABLE_STATUSES
from xmpaudit.read.snapshot import Snapshot
from xmpaudit.read.snapshot_store import SnapshotStore
from xmpaudit.simulator import DemoSpec, Simulator, build_demo_repository
from xmpaudit.ui.app import free_loopback_port

ROOT = Path(__file__).parent.parent
ARTIFACTS = ROOT / "test-artifacts"
pytestmark = pytest.mark.browser  # needs the chromium fixture (tests/conftest.py): skipped without Chromium
DEMO_ROOT = "/content/dam/xmpaudit-demo"
DEMO_ASSETS = 100_000
SLOW = 240_000  # ms: inventory-sized waits on a shared 2-core machine


def _props(node: Any) -> tuple:
    return tuple(sorted((k, repr(p.value)) for k, p in node.properties.items()))  # JCR property order is no data


def asset_states(sim: Simulator) -> dict[str, tuple]:
    """Every demo asset's XMP array node and binary, as comparable values."""
    states = {}
    with sim.repo.lock:
        stack = [(DEMO_ROOT, sim.repo.require(DEMO_ROOT))]
        while stack:
            path, node = stack.pop()
            if node.primary_type == "dam:Asset":
                content = node.children["jcr:content"]
                metadata = content.children.get("metadata")
                xmp = metadata.children.get("dam:predictedTags") if metadata is not None else None
                binary = content.children["renditions"].children["original"].children["jcr:content"]
                states[path] = (None if xmp is None else (_props(xmp), tuple((n, _props(c))
                                                                              for n, c in xmp.children.items())),
                                hash(binary.properties["jcr:data"].value))
                continue
            stack += [(f"{path}/{name}", child) for name, child in node.children.items()]
    return states


class Dam:
    """The 100k-asset simulator, its saved snapshot and the state before any test wrote."""

    def __init__(self, tmp: Path) -> None:
        self.sim = Simulator(build_demo_repository(DemoSpec(assets=DEMO_ASSETS)), workflow_seconds=0.05).start()
        snapshot = self._snapshot_from_repository()
        self.snapshot_dir = tmp / "snapshot"
        snapshot.save(self.snapshot_dir)
        self.assets = audit(snapshot).assets
        self.smart_tags = snapshot.smart_tags
        self.baseline = asset_states(self.sim)

    def _snapshot_from_repository(self) -> Snapshot:
        """The snapshot an inventory of the simulator would take, built from its repository directly (the same
        hits QueryBuilder returns, without 100 HTTP pages; the panel's Refresh does the real inventory)."""
        hits = []
        with self.sim.repo.lock:
            stack = [(DEMO_ROOT, self.sim.repo.require(DEMO_ROOT))]
            while stack:
                path, node = stack.pop()
                if node.primary_type == "dam:Asset":
                    hits.append({"jcr:path": path, **self.sim.repo.to_json(node, ASSET_NODE_DEPTH)})
                else:
                    stack += [(f"{path}/{name}", child) for name, child in node.children.items()]
        hits.sort(key=lambda hit: hit["jcr:path"])
        return Snapshot.from_hits(hits, SyncArguments(), source=self.sim.url, root=DEMO_ROOT)

    def rule(self, folder: str, tag: str) -> set[str]:
        """The assets the panel's rule picks: folder (with subfolders), fixable status, a smart tag named so."""
        assets = self.assets
        in_folder = (assets["folder"] == folder) | assets["folder"].str.startswith(folder + "/")
        tagged = set(self.smart_tags.loc[self.smart_tags["name"].str.lower() == tag, "asset"])
        return set(assets.loc[in_folder & assets["status"].isin(FIXABLE_STATUSES) & assets["path"].isin(tagged),
                              "path"])

    def env(self, home: Path) -> dict[str, str]:
        return {**os.environ, "XMPAUDIT_URL": self.sim.url, "XMPAUDIT_USER": "admin", "XMPAUDIT_PASSWORD": "admin",
                "XMPAUDIT_MAX_SNAPSHOT_AGE": "1d",  # the snapshot built at module start stands for the DAM
                "JUPYTER_CONFIG_DIR": str(home / ".jupyter"), "JUPYTERLAB_SETTINGS_DIR": str(home / ".settings"),
                "JUPYTER_RUNTIME_DIR": str(home / ".runtime")}


@pytest.fixture(scope="module")
def dam(tmp_path_factory):
    dam = Dam(tmp_path_factory.mktemp("dam100k"))
    yield dam
    dam.sim.stop()


def drive_panel(page: Any, dam: Dam, mode: str, folder: str, folder_label: str, tag: str) -> dict[str, float]:
    """Select by rule and by clicks, Preview, Sync, Undo, Refresh; check the simulator after each write."""
    ARTIFACTS.mkdir(exist_ok=True)
    panel = page.locator(".xmpaudit-panel")
    status = panel.locator(".xmpaudit-result")
    selection = panel.locator(".xmpaudit-selection")
    timings: dict[str, float] = {}

    def shot(step: str) -> None:
        status.evaluate("el => el.scrollIntoView({block: 'start'})")
        page.screenshot(path=str(ARTIFACTS / f"panel-{mode}-{step}.png"))

    def timed(name: str, action: Any, done: Any) -> None:
        start = time.monotonic()
        action()
        done()
        timings[name] = round(time.monotonic() - start, 3)

    page_label = panel.locator(".xmpaudit-page")
    timed("next page", lambda: panel.get_by_role("button", name="▶", exact=True).click(),
          lambda: page_label.get_by_text(re.compile(r"^rows 21–40 ")).wait_for())
    timed("sort by top confidence", lambda: panel.get_by_role("button", name="Top conf.").click(),
          lambda: panel.get_by_role("button", name="Top conf. ▼").wait_for())

    # by rule: a folder (with subfolders) and a smart tag, fixable statuses (the default)
    rule_paths = dam.rule(folder, tag)
    assert rule_paths
    folders = panel.locator(".widget-dropdown select").first  # labelled with coverage and counts, worst first
    folders.select_option(label=folders.locator("option").filter(
        has_text=re.compile(rf"^{re.escape(folder_label)}\s—\s\d")).first.inner_text())  # spaces shown as NBSP
    panel.get_by_placeholder("any tag").fill(tag)
    select_rule = panel.get_by_role("button", name=f"Select all {len(rule_paths):,} matching")
    select_rule.wait_for()
    timed("select all matching", select_rule.click,
          lambda: selection.get_by_text(f"{len(rule_paths):,} selected").wait_for())
    shot("1-rule")

    # by clicks: without the tag rule, tick two rows that the rule did not pick
    panel.get_by_placeholder("any tag").fill("")
    select_rule.wait_for(state="detached")
    clicked: list[str] = []
    rows = panel.locator(".xmpaudit-row")
    for index in range(rows.count()):
        row = rows.nth(index)
        box = row.locator("input[type=checkbox]")
        if row.is_visible() and not box.is_checked():
            clicked.append(row.locator(".xmpaudit-col-name span").get_attribute("title"))
            box.check()
        if len(clicked) == 2:
            break
    chosen = rule_paths | set(clicked)
    assert len(chosen) == len(rule_paths) + 2
    selection.get_by_text(f"{len(chosen):,} selected").wait_for()
    shot("2-clicks")

    posts = dam.sim.stats.by_endpoint["POST sling"]
    timed("preview", lambda: panel.get_by_role("button", name="Preview").click(),
          lambda: status.get_by_text("Preview:").wait_for(timeout=SLOW))
    assert dam.sim.stats.by_endpoint["POST sling"] == posts  # a preview writes nothing
    assert "What the sync does" in panel.inner_text()
    shot("3-preview")

    timed("sync", lambda: panel.get_by_role("button", name="Sync").click(),
          lambda: status.get_by_text("Sync done:").wait_for(timeout=SLOW))
    assert "all verified" in status.inner_text()
    selection.get_by_text("0 selected").wait_for()  # fixed rows leave the selection
    shot("4-sync")
    after = asset_states(dam.sim)
    changed = {path for path in dam.baseline if dam.baseline[path] != after[path]}
    assert changed == chosen

    panel.get_by_role("button", name=re.compile(r"^whole run sync-")).click()  # undo the whole run, chosen
    panel.get_by_role("button", name="Undo").click()
    confirm = panel.get_by_role("button", name=f"Confirm undo ({len(chosen):,})")
    confirm.wait_for(timeout=SLOW)
    confirm.click()
    status.get_by_text("Undo done:").wait_for(timeout=SLOW)
    shot("5-undo")
    assert asset_states(dam.sim) == dam.baseline  # exactly restored

    timed("refresh (re-inventory of 100k)", lambda: panel.get_by_role("button", name="Refresh").click(),
          lambda: status.get_by_text(re.compile(r"Refreshed \d+ \w{3} \d{4}, \d\d:\d\d UTC; [\d,]+ rows? "
                                                r"changed")).wait_for(timeout=SLOW))
    shot("6-refresh")
    return timings


def record_timings(mode: str, timings: dict[str, float]) -> None:
    path = ARTIFACTS / "panel-timings.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[mode] = {"assets": DEMO_ASSETS, "seconds": timings}
    path.write_text(json.dumps(data, indent=2))


def wait_http(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError(f"server did not start: {log.read_text()[-2000:]}")


def run_all_cells(page: Any) -> None:
    """Run All Cells once the kernel is idle (before that the command is disabled and a click does nothing), and
    wait until the first cell has started."""
    page.locator(".jp-StatusBar-TextItem").get_by_text(re.compile(r"\|\s*Idle\s*$")).first.wait_for(timeout=SLOW)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_text("Run All Cells", exact=True).click()
    page.locator(".jp-InputPrompt").get_by_text(re.compile(r"\[(\*|\d+)\]")).first.wait_for(timeout=SLOW)


def test_panel_in_jupyterlab_on_100k_assets(dam, chromium, tmp_path):
    shutil.copy(ROOT / "notebooks" / "03_fix_mismatches.ipynb", tmp_path)
    store = SnapshotStore.of(dam.sim.url, DEMO_ROOT).folder  # the notebook reuses this inventory
    shutil.copytree(dam.snapshot_dir, store / "20000101T000000.000000Z")
    settings = tmp_path / ".settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false", "checkForUpdates": false}')
    port = free_loopback_port()
    log_path = tmp_path / "lab.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
             "--allow-root", "--IdentityProvider.token=xmpaudit-test", f"--notebook-dir={tmp_path}"],
            env=dam.env(tmp_path), stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        page = chromium.new_page(viewport={"width": 1500, "height": 1200})
        try:
            wait_http(f"{url}/api/status?token=xmpaudit-test", process, log_path)
            page.goto(f"{url}/lab/tree/03_fix_mismatches.ipynb?token=xmpaudit-test")
            page.wait_for_selector(".jp-Notebook", timeout=60_000)
            run_all_cells(page)
            page.locator(".xmpaudit-panel .xmpaudit-row").first.wait_for(timeout=SLOW)
            timings = drive_panel(page, dam, "lab", f"{DEMO_ROOT}/products", "products", "sneaker")
            record_timings("jupyterlab", timings)
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "panel-lab-failure.png"), full_page=True)
            raise
        finally:
            page.close()
            process.terminate()
            process.wait(30)


def test_panel_in_app_mode_on_100k_assets(dam, chromium, tmp_path):
    log_path = tmp_path / "app.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "xmpaudit.cli.main", "app", "--root", DEMO_ROOT, "--snapshot-dir",
             str(dam.snapshot_dir), "--journal", str(tmp_path / "journal.jsonl")],
            env=dam.env(tmp_path), stdout=subprocess.PIPE, stderr=log, text=True, cwd=tmp_path)
        page = chromium.new_page(viewport={"width": 1500, "height": 1200})
        try:
            line = ""
            deadline = time.monotonic() + 90
            while "xmpaudit app: " not in line and time.monotonic() < deadline and process.poll() is None:
                line = process.stdout.readline()
            url = line.split("xmpaudit app: ", 1)[-1].strip()
            assert url.startswith("http://127.0.0.1:"), f"no URL printed: {line!r} {log_path.read_text()[-2000:]}"
            page.goto(url, timeout=SLOW)
            page.locator(".xmpaudit-panel .xmpaudit-row").first.wait_for(timeout=SLOW)
            assert "coverage" in page.inner_text("body")
            assert "dashboard()" not in page.inner_text("body")  # no code in app mode
            page.screenshot(path=str(ARTIFACTS / "panel-app-0-headline.png"))
            timings = drive_panel(page, dam, "app", f"{DEMO_ROOT}/people", "people", "smile")
            record_timings("app", timings)
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "panel-app-failure.png"), full_page=True)
            raise
        finally:
            page.close()
            process.send_signal(signal.SIGTERM)
            process.wait(30)
