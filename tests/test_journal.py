from pathlib import Path

import pytest

from xmpaudit.core.errors import ConfigError
from xmpaudit.write.journal import Journal


def test_append_read_runs_and_torn_last_line(tmp_path):
    journal = Journal(tmp_path / "sub" / "j.jsonl")
    assert journal.read() == [] and journal.runs().empty and journal.last_run() is None
    journal.append([{"run": "sync-1", "kind": "sync", "event": "intent", "asset": "/a", "before": None,
                     "after": {"x": 1.0}, "node_path": "/a/n"},
                    {"run": "sync-1", "kind": "sync", "event": "applied", "asset": "/a"}])
    journal.append([{"run": "undo-1", "kind": "undo", "event": "intent", "asset": "/a", "undoes": "sync-1",
                     "before": {"x": 1.0}, "after": None, "node_path": "/a/n"}])
    with open(journal.path, "a", encoding="utf-8") as handle:
        handle.write('{"run": "sync-2", "ev')  # crash while writing
    records = journal.read()
    assert len(records) == 3 and records[0]["after"] == {"x": 1.0} and "time" in records[0]
    runs = journal.runs()
    assert runs["run"].tolist() == ["sync-1", "undo-1"]
    assert runs.loc[0, "intended"] == 1 and runs.loc[0, "applied"] == 1 and runs.loc[1, "undoes"] == "sync-1"
    assert journal.last_run() == "undo-1" and journal.last_run("sync") == "sync-1"
    assert journal.intents("sync-1")[0]["before"] is None


def test_corrupt_middle_line_raises(tmp_path):
    path = tmp_path / "j.jsonl"
    path.write_text('{"run": "a", "event": "intent"}\nnot json\n{"run": "a", "event": "applied"}\n')
    with pytest.raises(ConfigError, match="line 2"):
        Journal(path).read()


def test_torn_tail_is_cut_before_appending_and_kept_aside(tmp_path):
    journal = Journal(tmp_path / "j.jsonl")
    journal.append([{"run": "sync-1", "kind": "sync", "event": "intent", "asset": "/a"}])
    with open(journal.path, "a", encoding="utf-8") as handle:
        handle.write('{"run": "sync-2", "ev')  # crash while writing
    journal.append([{"run": "sync-3", "kind": "sync", "event": "intent", "asset": "/b"}])
    assert [r["run"] for r in journal.read()] == ["sync-1", "sync-3"]
    assert journal.path.read_text().count("\n") == 2
    assert (tmp_path / "j.jsonl.torn").read_text() == '{"run": "sync-2", "ev\n'


def test_every_record_is_one_line_whatever_the_text(tmp_path):
    journal = Journal(tmp_path / "j.jsonl")
    awkward = "line\nbreak \u2028 \u2029 \x85 \r ü 😀"
    journal.append([{"run": "r", "kind": "sync", "event": "intent", "asset": "/a", "after": {"name": awkward}}])
    journal.append([{"run": "r", "kind": "sync", "event": "applied", "asset": "/a"}])
    assert len(journal.path.read_bytes().split(b"\n")) == 3 and journal.path.read_bytes().isascii()
    assert journal.read()[0]["after"]["name"] == awkward and len(journal.read()) == 2


def test_unwritable_journal_is_a_journal_error(tmp_path):
    from xmpaudit.core.errors import JournalError

    (tmp_path / "dir").mkdir()
    with pytest.raises(JournalError) as info:
        Journal(tmp_path / "dir").append([{"run": "r"}])
    assert str(info.value) == (f"Cannot write journal {tmp_path / 'dir'}: Is a directory; stopped before sending "
                               "anything more")


KILLED_WRITER = r"""
import os, sys, time
import xmpaudit.write.journal as journal_module
real_write = os.write
def half_then_hang(fd, data):
    written = real_write(fd, bytes(data[: len(data) // 2]))
    print("torn", flush=True)
    time.sleep(60)
    return written
journal_module.os.write = half_then_hang
journal_module.Journal(sys.argv[1]).append(
    [{"run": "sync-killed", "kind": "sync", "event": "intent", "asset": "/x", "before": None, "after": {"a": 1}}])
"""


def test_process_killed_mid_write_then_sync_and_undo_work(tmp_path, simulator, client):
    import os
    import signal
    import subprocess
    import sys

    from tests.conftest import DEMO_ROOT
    from xmpaudit.audit.compare import audit
    from xmpaudit.core.acs import SyncArguments
    from xmpaudit.read.inventory import take_inventory
    from xmpaudit.write.apply import apply_plan
    from xmpaudit.write.plan import plan_sync
    from xmpaudit.write.undo import plan_undo

    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    targets = audit(take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False)).fixable()
    assert apply_plan(client, plan_sync(client, targets[:3], SyncArguments()), journal, show_progress=False).ok
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(path)], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
    try:
        assert writer.stdout.readline().strip() == "torn"
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
    assert not path.read_bytes().endswith(b"\n")  # really torn
    result = apply_plan(client, plan_sync(client, targets[3:6], SyncArguments()), journal, show_progress=False)
    assert result.ok
    undo = plan_undo(client, journal)
    assert undo.undoes == result.run and len(undo) == 3
    assert apply_plan(client, undo, journal, show_progress=False).ok
    assert "sync-killed" not in set(journal.runs()["run"])
