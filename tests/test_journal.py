import pytest

from xmpaudit.errors import ConfigError
from xmpaudit.journal import Journal


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
