"""SIGKILL at each step of the import route (a node too big for one POST, or with a name no field name carries):
a sync in another process is killed at the move aside, at the import (before and after AEM processed it), at the
read-back and at the backup's removal; then undo or `cleanup --run` recover the node it replaced."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.write_protocol_helpers import FOLDER, backups_of, metadata, route_plan
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.cleanup import apply_cleanup, journaled_backups
from xmpaudit.write.journal import Journal
from xmpaudit.write.undo import plan_undo
from xmpaudit.write.write_routes import IMPORT

pytestmark = pytest.mark.e2e

WRITER = """
import sys
from xmpaudit.aem.client import AemClient
from xmpaudit.aem.settings import ConnectionSettings
from xmpaudit.core.acs import SyncArguments
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import plan_sync
url, asset, journal = sys.argv[1:4]
args = SyncArguments(sequence_name='odd"tags')
with AemClient(ConnectionSettings(url=url, user="admin", password="admin", retries=0, timeout=30.0)) as client:
    apply_plan(client, plan_sync(client, [asset], args), Journal(journal), show_progress=False)
print("finished")
"""
STEPS = ["move aside", "import not processed", "import processed", "read back", "backup removal"]


def arm(simulator, step: str, kill) -> None:
    """Kill the writer at ``step`` (POSTs of the import route: move aside, import, then the backup's removal)."""
    def kill_at_read_back() -> None:
        simulator.inject(kind="pass", method="GET", before=kill)

    posts = {"move aside": [("reset_before", kill)],
             "import not processed": [("pass", None), ("reset_before", kill)],
             "import processed": [("pass", None), ("pass", kill)],
             "read back": [("pass", None), ("pass", kill_at_read_back)],
             "backup removal": [("pass", None), ("pass", None), ("reset_before", kill)]}[step]
    for kind, before in posts:
        simulator.inject(kind=kind, method="POST", path_prefix=FOLDER, before=before)


@pytest.mark.parametrize("recovery", ["undo", "cleanup --run, then undo"])
@pytest.mark.parametrize("step", STEPS)
def test_a_sync_killed_at_any_step_of_the_import_route_is_recovered(simulator, client, tmp_path, step, recovery):
    _, change = route_plan(simulator, client, IMPORT)
    path = tmp_path / "journal.jsonl"
    writer: dict[str, subprocess.Popen] = {}

    def kill() -> None:
        writer["process"].send_signal(signal.SIGKILL)
        writer["process"].wait(timeout=30)

    arm(simulator, step, kill)
    writer["process"] = subprocess.Popen(
        [sys.executable, "-c", WRITER, simulator.url, change.asset, str(path)], stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
    assert writer["process"].wait(timeout=120) == -signal.SIGKILL
    simulator.wait_idle()  # AEM finishes the request of a writer killed while it was in flight
    simulator.faults.clear()
    journal = Journal(path)
    run = journal.read()[0]["run"]
    name = change.node_path.rsplit("/", 1)[-1]
    in_place = metadata(simulator, change).get(name)
    assert in_place == change.before or list(backups_of(simulator, change).values()) == [change.before]
    if recovery.startswith("cleanup"):
        assert apply_cleanup(client, journaled_backups(client, journal, run), journal).ok
        assert backups_of(simulator, change) == {}
        assert metadata(simulator, change).get(name) in (change.before, change.after)
    undo = apply_plan(client, plan_undo(client, journal, run), journal, show_progress=False)
    assert metadata(simulator, change).get(name) == change.before, undo.outcomes.to_dict("records")
    assert backups_of(simulator, change) == {}
