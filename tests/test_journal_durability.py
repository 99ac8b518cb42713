"""The journal's durability rules: an append waits for another process's lock (never cutting a record that
process is still writing), and every intent is fsynced to disk before the POST it announces reaches AEM."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pytest

from tests.conftest import DEMO_ROOT, fixable
from xmpaudit.core.acs import SyncArguments
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import plan_sync

OTHER_WRITER = """
import os, sys
from xmpaudit.core.file_lock import exclusive
fd = os.open(sys.argv[1], os.O_RDWR | os.O_APPEND)
with exclusive(sys.argv[1]):
    os.write(fd, b'{"run": "other", "event": "intent", "asset": "/other"')
    print("locked", flush=True)
    sys.stdin.readline()
    os.write(fd, b'}\\n')
"""


def test_append_waits_for_another_process_that_holds_the_lock_mid_record(tmp_path):
    journal = Journal(tmp_path / "j.jsonl")
    journal.append([{"run": "first", "event": "intent", "asset": "/a"}])
    other = subprocess.Popen([sys.executable, "-c", OTHER_WRITER, str(journal.path)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout is not None and other.stdin is not None
        assert other.stdout.readline().strip() == "locked"  # half its record is in the file now
        appending = threading.Thread(target=journal.append, args=([{"run": "mine", "event": "intent",
                                                                     "asset": "/b"}],))
        appending.start()
        appending.join(0.5)
        assert appending.is_alive(), "append went ahead while another process held the journal's lock"
        other.stdin.write("go\n")
        other.stdin.flush()
        appending.join(10)
        assert not appending.is_alive()
    finally:
        other.stdin.close()  # lets the other writer finish whatever happened here
        other.wait(10)
    assert [r["run"] for r in journal.read()] == ["first", "other", "mine"]
    assert not (tmp_path / "j.jsonl.torn").exists()


@pytest.mark.e2e
def test_every_intent_is_on_disk_before_its_post_arrives(simulator, client, tmp_path, monkeypatch):
    journal = Journal(tmp_path / "j.jsonl")
    plan = plan_sync(client, fixable(client)[:5], SyncArguments())
    synced = {"bytes": 0}  # how much of the journal was fsynced so far
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        real_fsync(fd)
        if os.path.samestat(os.fstat(fd), os.stat(journal.path)):
            synced["bytes"] = os.fstat(fd).st_size

    monkeypatch.setattr(os, "fsync", fsync)
    on_disk_at_post: list[list[str]] = []  # per POST: the assets whose intent was fsynced when it arrived

    def at_post() -> None:
        durable = journal.path.read_bytes()[: synced["bytes"]].decode("ascii")
        records = [json.loads(line) for line in durable.splitlines()]
        on_disk_at_post.append(sorted(r["asset"] for r in records if r["event"] == "intent"))

    simulator.inject(kind="pass", method="POST", path_prefix=DEMO_ROOT, before=at_post)
    result = apply_plan(client, plan, journal, show_progress=False)
    assert result.ok and len(plan) == 5
    assert on_disk_at_post == [sorted(c.asset for c in plan.changes)]  # one POST carried all five


@pytest.mark.parametrize("good", [0, 1], ids=["torn first record", "torn record over 64 KiB"])
def test_a_torn_tail_is_cut_exactly_whatever_its_size(tmp_path, good):
    journal = Journal(tmp_path / "j.jsonl")
    if good:
        journal.append([{"run": "good", "event": "intent", "asset": "/a"}])
    torn = b'{"run": "torn", "event": "intent", "after": "' + b"x" * (200_000 if good else 10)
    with open(journal.path, "ab") as handle:
        handle.write(torn)  # a crash in the middle of a record
    journal.append([{"run": "next", "event": "intent", "asset": "/b"}])
    assert [r["run"] for r in journal.read()] == ["good"] * good + ["next"]
    assert (tmp_path / "j.jsonl.torn").read_bytes() == torn + b"\n"


def test_a_new_journal_is_readable_and_writable_by_its_owner_only_as_the_umask_allows(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    journal = Journal(tmp_path / "j.jsonl")
    journal.append([{"run": "r", "event": "intent", "asset": "/a"}])
    assert os.stat(journal.path).st_mode & 0o777 == 0o644 & ~umask


def test_a_journal_that_is_not_utf8_is_one_clear_error(tmp_path):
    from xmpaudit.core.errors import ConfigError

    path = tmp_path / "j.jsonl"
    path.write_bytes(b'{"run": "a", "event": "intent"}\n\xff\xfe not text\n')
    with pytest.raises(ConfigError, match=r"^Journal .*j\.jsonl is not UTF-8 text: "):
        Journal(path).read()
