"""Read-side CLI inputs: a bad --assets-file, --out, --checkpoint or journal folder is one line and exit 2."""

from __future__ import annotations

import pytest

from xmpaudit.cli.main import main


@pytest.fixture
def blocker(tmp_path):
    file = tmp_path / "a file"
    file.write_text("x", encoding="utf-8")
    return file


@pytest.mark.parametrize(("argv", "message"), [
    (["inventory", "--out", "{blocker}/snap"], "is a file, not a folder"),
    (["inventory", "--out", "{blocker}"], "is a file, not a folder"),
    (["inventory", "--checkpoint", "{blocker}/cp"], "is a file, not a folder"),
    (["sync", "--journal", "{blocker}/journal.jsonl"], "is a file, not a folder"),
    (["sync", "--journal", "{tmp}"], "is a folder, not a journal file"),
    (["sync", "--assets-file", "{tmp}/missing.txt"], "does not exist"),
    (["sync", "--assets-file", "{tmp}"], "is a folder"),
    (["sync", "--assets-file", "{latin1}"], "is not UTF-8 text"),
    (["audit", "--export", "{tmp}/fixes.csv", "--export", "{tmp}/x.pdf"], "x.pdf must end in .csv"),
])
def test_bad_read_inputs_are_one_line(argv, message, blocker, tmp_path, capsys, monkeypatch):
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("/content/dam/caf\u00e9.jpg\n".encode("latin-1"))
    monkeypatch.setenv("XMPAUDIT_URL", "http://127.0.0.1:9")  # never reached: the inputs are checked first
    filled = [a.format(blocker=blocker, tmp=tmp_path, latin1=latin1) for a in argv]
    assert main(filled) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and err.startswith("error:") and "\n" not in err and "Traceback" not in err
