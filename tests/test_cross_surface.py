"""One truth: on one simulated AEM whose workflow model runs the ACS step with ``minimumConfidence=0.5``,
``xmpaudit audit`` (CLI), notebook 02 (nbclient), the app (Voilà in Chromium) and ``result.summary()`` of a fresh
inventory give the same headline numbers — at the start, after a Sync and an Undo made in the app, and after a
change made behind their backs by a plain Sling POST, once the snapshot's maximum age has passed (the saved
snapshots are made older by their stamps, as waiting would: ``age_saved_snapshots``)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import DEMO_ROOT, client_for
from xmpaudit.aem.process_args import resolve_process_args
from xmpaudit.audit.compare import audit
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.dates import parse_moment
from xmpaudit.core.locations import snapshots_home
from xmpaudit.read.inventory import take_inventory
from xmpaudit.read.snapshot import META_FILE
from xmpaudit.simulator import DemoSpec, Simulator, build_demo_repository
from xmpaudit.simulator.workflow_models import SYNC_MODEL_ID, WorkflowSetup

pytestmark = [pytest.mark.browser, pytest.mark.notebooks]  # the chromium fixture skips without Chromium
AUDIT_NOTEBOOK = Path(__file__).parent.parent / "notebooks" / "02_coverage_audit.ipynb"
MAX_AGE = 600  # seconds: the default; long enough that no phase outlives it on a busy machine
WAIT = 180_000  # ms: inventory-sized waits on a shared 2-core machine
COVERAGE = re.compile(r"([\d.]+)%\**\s+of the (\d+) assets with smart tags have their tags in XMP[^;]*; (\d+) assets")
STATUS_LINE = re.compile(r"^(?:- )?([A-Z][^:\n]*): (\d+) \(", re.MULTILINE)


def numbers(text: str) -> tuple[tuple[str, str, str], dict[str, int]]:
    """The headline's numbers in any surface's text: (coverage %, assets with smart tags, assets) and the count
    per status (statuses with no assets and no change are left out by every surface alike)."""
    found = COVERAGE.search(text)
    assert found, f"no headline in: {text[:600]!r}"
    counts = {label: int(n) for label, n in STATUS_LINE.findall(text) if label not in ("Source",)}
    return found.groups(), {label: n for label, n in counts.items() if n}


def truth(sim: Simulator) -> tuple[tuple[str, str, str], dict[str, int]]:
    """``result.summary()`` of a fresh inventory with the arguments AEM's workflow model gives."""
    with client_for(sim) as client:
        args, _ = resolve_process_args(client, None)
        assert args.minimum_confidence == 0.5
        return numbers(audit(take_inventory(client, DEMO_ROOT, args, show_progress=False), args).summary())


def age_saved_snapshots(seconds: float) -> None:
    """Every saved snapshot read ``seconds`` earlier: each moment it records (reads began, oldest data, taken) is
    moved back, which is what waiting that long does to the freshness rule, without the wait."""
    for meta_file in snapshots_home().rglob(META_FILE):
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        for key, value in meta.items():
            moment = parse_moment(value) if isinstance(value, str) else None
            if moment is not None:
                meta[key] = (moment - timedelta(seconds=seconds)).isoformat(timespec="milliseconds")
        meta_file.write_text(json.dumps(meta, indent=2), encoding="utf-8")


def cli_audit(env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "xmpaudit.cli.main", "-q", "audit", "--root", DEMO_ROOT],
                          env=env, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def notebook_audit(cwd: Path) -> str:
    notebook = nbformat.read(AUDIT_NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    parts = []
    for cell in notebook.cells[:4]:  # the banner and the headline
        for output in cell.get("outputs", []):
            assert output.output_type != "error", output
            parts += [output.get("text", "")] + [v for v in output.get("data", {}).values() if isinstance(v, str)]
    return "\n".join(parts)


class App:
    """``xmpaudit app`` started once (one Voilà server) and a Chromium page on it."""

    def __init__(self, browser: Any, env: dict[str, str], cwd: Path, sim: Simulator) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "xmpaudit.cli.main", "app", "--url", sim.url, "--user", "admin",
             "--root", DEMO_ROOT], env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line, deadline = "", time.monotonic() + 120
        while "xmpaudit app: " not in line and time.monotonic() < deadline and self.process.poll() is None:
            line = self.process.stdout.readline()
        self.url = line.split("xmpaudit app: ", 1)[-1].strip()
        assert self.url.startswith("http://127.0.0.1:"), f"no URL printed: {line!r}"
        self.page = browser.new_page(viewport={"width": 1500, "height": 1200})

    def open(self) -> str:
        """Load the page (a new kernel: a new session, by the freshness rules) and give the headline's text."""
        self.page.goto(self.url, timeout=WAIT)
        self.page.locator(".xmpaudit-panel .xmpaudit-row").first.wait_for(timeout=WAIT)
        return self.text()

    def text(self) -> str:
        """The headline's text (the panel's own labels below it are not part of the headline)."""
        return self.page.locator(".xmpaudit-app-headline").inner_text()

    def body(self) -> str:
        return self.page.inner_text("body")

    def wait_for_headline(self, expected: tuple[tuple[str, str, str], dict[str, int]]) -> str:
        """Wait until the app shows the expected coverage (it audits again after the panel's job)."""
        pct, tagged, _ = expected[0]
        self.page.locator(".xmpaudit-app-headline").get_by_text(
            re.compile(rf"{re.escape(pct)}%\s+of the {tagged} assets with smart tags")).wait_for(timeout=WAIT)
        return self.text()

    def close(self) -> None:
        self.page.close()
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(30)


@pytest.fixture
def sim():
    setup = WorkflowSetup(sync_models={SYNC_MODEL_ID: "minimumConfidence=0.5"})
    with Simulator(build_demo_repository(DemoSpec(assets=120), workflows=setup), workflow_seconds=0.02) as sim:
        yield sim


def test_every_surface_tells_the_same_numbers(sim, chromium, tmp_path, monkeypatch):
    env = {**os.environ, "XMPAUDIT_URL": sim.url, "XMPAUDIT_USER": "admin", "XMPAUDIT_PASSWORD": "admin",
           "XMPAUDIT_PROFILE": "", "XMPAUDIT_MAX_SNAPSHOT_AGE": f"{MAX_AGE}s"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)  # the notebook's kernel gets the same
    app = App(chromium, env, tmp_path, sim)
    try:
        start = truth(sim)
        assert numbers(cli_audit(env, tmp_path)) == start
        assert numbers(notebook_audit(tmp_path)) == start
        assert numbers(app.open()) == start
        body = app.body()
        assert "Process arguments: from runtime model" in body and "as given" not in body
        assert "What to fix first" in body and "Worst folders (lowest coverage first)" in body

        panel = app.page.locator(".xmpaudit-panel")
        status = panel.locator(".xmpaudit-result")
        rows = panel.locator(".xmpaudit-row input[type=checkbox]")
        for index in range(3):
            rows.nth(index).check()
        panel.get_by_role("button", name="Preview").click()
        status.get_by_text("Preview:").wait_for(timeout=WAIT)
        panel.get_by_role("button", name="Sync").click()
        status.get_by_text("Sync done:").wait_for(timeout=WAIT)
        synced = truth(sim)
        assert synced != start
        assert numbers(app.wait_for_headline(synced)) == synced
        assert numbers(cli_audit(env, tmp_path)) == synced
        assert numbers(notebook_audit(tmp_path)) == synced

        panel.get_by_role("button", name=re.compile(r"^whole run sync-")).click()  # undo the run, chosen
        panel.get_by_role("button", name="Undo").click(timeout=WAIT)
        panel.get_by_role("button", name="Confirm undo (3)").click(timeout=WAIT)
        status.get_by_text("Undo done:").wait_for(timeout=WAIT)
        assert truth(sim) == start
        assert numbers(app.wait_for_headline(start)) == start
        assert numbers(cli_audit(env, tmp_path)) == start
        assert numbers(notebook_audit(tmp_path)) == start

        with client_for(sim) as client:  # another tool removes one in-sync node: no journal, no lastModified
            assets = audit(take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False)).assets
            victim = assets.loc[assets["status"] == "in_sync", "path"].iloc[0]
            client.post(f"{victim}/jcr:content/metadata/dam:predictedTags", {":operation": "delete"})
        behind = truth(sim)
        assert behind != start
        age_saved_snapshots(MAX_AGE + 1)  # every saved snapshot is now too old to stand for AEM
        assert numbers(app.open()) == behind
        assert "new inventory (the saved snapshot is " in app.body()
        assert numbers(cli_audit(env, tmp_path)) == behind
        assert numbers(notebook_audit(tmp_path)) == behind
    finally:
        app.close()


def test_a_page_left_open_follows_the_arguments_and_another_surfaces_sync(tmp_path, monkeypatch, chromium):
    """The app opened at minimumConfidence 0; the workflow model changed to 0.5, then the panel's Refresh: the
    CLI's numbers and 0.5 in the box. A CLI sync from another process: the "newer numbers" line appears, and its
    Refresh brings the CLI's numbers."""
    from tests.test_session_arguments import HALF, change_models

    with Simulator(build_demo_repository(DemoSpec(assets=120)), workflow_seconds=0.02) as zero:
        env = {**os.environ, "XMPAUDIT_URL": zero.url, "XMPAUDIT_USER": "admin", "XMPAUDIT_PASSWORD": "admin",
               "XMPAUDIT_PROFILE": ""}
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        app = App(chromium, env, tmp_path, zero)
        try:
            app.open()
            assert "— minimumConfidence 0, sequenceName" in app.body()
            change_models(zero, HALF)
            half = numbers(cli_audit(env, tmp_path))
            app.page.locator(".xmpaudit-panel").get_by_role("button", name="Refresh").click()
            assert numbers(app.wait_for_headline(half)) == half
            app.page.get_by_text("— minimumConfidence 0.5, sequenceName").first.wait_for(timeout=WAIT)

            folder = f"{DEMO_ROOT}/products/shoes"
            done = subprocess.run([sys.executable, "-m", "xmpaudit.cli.main", "-q", "sync", "--apply", "--root",
                                   folder], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
            assert done.returncode in (0, 1), done.stderr
            notice = app.page.locator(".xmpaudit-newer")
            notice.get_by_text(re.compile(r"^Newer numbers: a sync wrote \d+ assets? under products/shoes"))\
                .wait_for(timeout=WAIT)
            synced = numbers(cli_audit(env, tmp_path))
            notice.get_by_role("button", name="Refresh").click()
            assert numbers(app.wait_for_headline(synced)) == synced
        finally:
            app.close()
