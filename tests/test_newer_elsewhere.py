"""A page knows when it is behind: ``NotebookSession.newer_elsewhere()`` reads the per-user journal, snapshot store
and coverage history (never AEM) and says in one line what another surface wrote or read since this session's
snapshot; the app shows that line with a Refresh button (``ui/newer_notice.NewerNotice``), whose refresh brings
the CLI's numbers."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import datetime, timezone

from tests.conftest import DEMO_ROOT, client_for
from xmpaudit.audit.compare import audit
from xmpaudit.core.acs import SyncArguments
from xmpaudit.read.inventory import take_inventory
from xmpaudit.ui.app import AppSettings, Dashboard
from xmpaudit.workspace.session import open_session
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import plan_sync

COVERAGE = re.compile(r"([\d.]+)%\**\s+of the (\d+) assets with smart tags")


def cli(*argv: str) -> str:
    """The CLI in another process, on the same per-user data folder and AEM (XMPAUDIT_* of this test)."""
    done = subprocess.run([sys.executable, "-m", "xmpaudit.cli.main", "-q", *argv], env=dict(os.environ),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def wait_for(condition, seconds: float = 60.0):
    deadline = time.monotonic() + seconds
    while not (value := condition()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return value


def test_nothing_newer_then_a_journaled_write_then_a_newer_snapshot(simulator):
    client = client_for(simulator)
    mine = open_session(root=DEMO_ROOT, show_progress=False, client=client)
    assert mine.newer_elsewhere() is None
    fixable = audit(mine.snapshot).fixable()
    folder = fixable["path"].str.rsplit("/", n=1).str[0].iloc[0]
    chosen = fixable.loc[fixable["path"].str.startswith(folder + "/")].head(2)
    assert apply_plan(client, plan_sync(client, chosen, SyncArguments()), Journal(mine.journal), show_progress=False).ok
    line = mine.newer_elsewhere()
    assert re.fullmatch(rf"Newer numbers: a sync wrote 2 assets under {folder[len(DEMO_ROOT) + 1:]} at "
                        r"\d+ \w{3} \d{4}, \d\d:\d\d UTC \(run sync-\S+\); Refresh to see them", line), line
    other = open_session(root=DEMO_ROOT, show_progress=False, client=client, surface="cli audit")
    assert other.origin == "refreshed incrementally" and other.newer_elsewhere() is None
    assert mine.newer_elsewhere() == line  # the write is still what is newest for the first page
    mine.refresh()
    assert mine.newer_elsewhere() is None
    assert mine.snapshot.meta["taken_at"] >= other.snapshot.meta["taken_at"]


def test_a_newer_snapshot_or_audit_of_another_surface_is_named(simulator, tmp_path):
    client = client_for(simulator)
    mine = open_session(root=DEMO_ROOT, show_progress=False, client=client)
    open_session(root=DEMO_ROOT, show_progress=False, client=client, surface="cli audit", refresh=True)
    assert re.fullmatch(r"Newer numbers: a new snapshot was read by the cli audit at \d+ \w{3} \d{4}, \d\d:\d\d UTC; "
                        r"Refresh to see them", mine.newer_elsewhere())
    elsewhere = open_session(root=DEMO_ROOT, show_progress=False, client=client, surface="report", refresh=True,
                             snapshot_dir=tmp_path / "elsewhere")  # another store: seen through the history
    elsewhere.audit()
    mine.refresh()  # takes the store's newer snapshot
    assert mine.origin == "saved snapshot"
    assert re.fullmatch(r"Newer numbers: an audit by the report of a newer snapshot at \d+ \w{3} \d{4}, \d\d:\d\d "
                        r"UTC found [\d.]+% coverage; Refresh to see them", mine.newer_elsewhere())


def test_the_app_shows_a_cli_sync_within_its_interval_and_refresh_brings_the_clis_numbers(aem_env):
    session = open_session(root=DEMO_ROOT, show_progress=False, client=client_for(aem_env), surface="app")
    page = Dashboard(session, AppSettings(root=DEMO_ROOT), newer_interval=0.5)
    try:
        assert page.notice.line is None and page.notice.widget.layout.display == "none"
        fixable = audit(session.snapshot).fixable()
        folder = fixable["path"].str.rsplit("/", n=1).str[0].iloc[0]
        cli("sync", "--apply", "--root", folder)
        line = wait_for(lambda: page.notice.line)
        assert line and line.startswith("Newer numbers: a sync wrote ") and line.endswith("Refresh to see them")
        assert page.notice.widget.layout.display == "flex" and "Newer numbers" in page.notice.label.value
        page.notice.button.click()
        page.panel.wait()
        page.wait()
        assert "refreshed incrementally" in page.banner.value
        assert page.notice.widget.layout.display == "none"
        theirs = COVERAGE.search(cli("audit", "--root", DEMO_ROOT)).groups()
        assert COVERAGE.search(re.sub("</?strong>", "", page.summary.value)).groups() == theirs
        truth = audit(take_inventory(client_for(aem_env), DEMO_ROOT, SyncArguments(), show_progress=False)).counts()
        assert page.session.audit().counts().equals(truth)
    finally:
        page.notice.close()


def test_asking_aem_counts_what_sets_jcr_last_modified_and_not_a_plain_post(simulator):
    client = client_for(simulator)
    mine = open_session(root=DEMO_ROOT, show_progress=False, client=client)
    in_sync = audit(mine.snapshot).assets
    plain, edited = in_sync.loc[in_sync["status"] == "in_sync", "path"].iloc[:2]
    client.post(f"{plain}/jcr:content/metadata/dam:predictedTags", {":operation": "delete"})
    assert mine.newer_elsewhere(ask_aem=True) is None  # a plain Sling POST leaves jcr:lastModified alone
    client.post(f"{edited}/jcr:content/metadata/dam:predictedTags", {":operation": "delete"})
    client.post(f"{edited}/jcr:content", {"jcr:lastModified": "2099-01-01T00:00:00.000Z",
                                           "jcr:lastModified@TypeHint": "Date"})  # ahead of the clock: not counted
    assert mine.newer_elsewhere(ask_aem=True) is None
    client.post(f"{edited}/jcr:content", {"jcr:lastModified@TypeHint": "Date",
                                           "jcr:lastModified": datetime.now(timezone.utc).isoformat()})
    assert re.fullmatch(r"Newer numbers: AEM says 1 asset under the folder changed since \d+ \w{3} \d{4}, \d\d:\d\d "
                        r"UTC \(by their jcr:lastModified\); Refresh to see them", mine.newer_elsewhere(ask_aem=True))
    assert mine.newer_elsewhere() is None  # the local files alone know nothing of it
    mine.newer_elsewhere(ask_aem=True)
    mine.refresh()
    assert mine.origin == "refreshed incrementally" and "AEM says 1 asset under the folder changed" in \
        mine.banner_text()
    statuses = audit(mine.snapshot).assets.set_index("path")["status"]
    assert statuses[edited] == "missing_xmp" and statuses[plain] == "in_sync"  # the plain POST is still unseen
