"""One demo DAM per user (aem/demo_dam.py, simulator/demo_service.py, ``xmpaudit demo``): CLI processes without
settings share it (a sync is seen by the next audit, undo finds its AEM, one snapshot store key); status, stop and
reset; a dead record is replaced; two processes starting at once get one server; none is left behind."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from xmpaudit.aem.demo_dam import read_record, record_path, shared_demo, stop_demo
from xmpaudit.cli.main import main

pytestmark = pytest.mark.e2e
HEADLINE = re.compile(r"\*\*([\d.]+)%\*\* of the")


def alive(pid: int) -> bool:
    """True while process ``pid`` runs (an exited one its parent has not collected counts as gone)."""
    try:
        os.kill(pid, 0)
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and alive(pid):
        time.sleep(0.05)
    return not alive(pid)


def xmpaudit(*argv: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI in its own process without AEM settings (the test's data folder is inherited)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("XMPAUDIT_") or k == "XMPAUDIT_HOME"}
    return subprocess.run([sys.executable, "-m", "xmpaudit.cli.main", "-q", *argv], env=env, capture_output=True,
                          text=True, timeout=300)


def coverage(output: str) -> float:
    return float(HEADLINE.search(output).group(1))


def test_cli_processes_without_settings_share_one_demo_dam(xmpaudit_home):
    first = xmpaudit("audit")
    assert first.returncode == 0, first.stderr
    dam = read_record()
    assert dam is not None and f"using your demo DAM at {dam.url} (started it" in first.stdout
    synced = xmpaudit("sync", "--apply")
    assert synced.returncode == 0 and " applied" in synced.stdout and dam.url in synced.stdout
    second = xmpaudit("audit")
    assert f"using your demo DAM at {dam.url} (running since" in second.stdout
    assert coverage(second.stdout) > coverage(first.stdout)
    undone = xmpaudit("undo", "--apply")
    assert undone.returncode == 0 and " applied" in undone.stdout, undone.stdout + undone.stderr
    assert coverage(xmpaudit("audit").stdout) == coverage(first.stdout)
    assert read_record() == dam  # one server all along
    assert len(list((xmpaudit_home / "snapshots").iterdir())) == 1  # one snapshot store key for it


def test_demo_status_stop_and_reset(capsys):
    assert main(["demo", "status"]) == 1
    assert "No demo DAM is running" in capsys.readouterr().out
    dam, note = shared_demo(assets=30)
    assert note == "started it" and shared_demo(assets=30) == (dam, "")
    assert main(["demo", "status"]) == 0
    status = capsys.readouterr().out
    assert f"Demo DAM: {dam.url} (pid {dam.pid}), running since " in status and "30 assets" in status
    assert str(record_path()) in status
    assert main(["demo", "reset", "--assets", "20"]) == 0
    fresh = read_record()
    assert fresh is not None and fresh.pid != dam.pid and fresh.assets == 20
    assert "A fresh demo DAM: " in capsys.readouterr().out and gone_within(dam.pid, 5)
    assert main(["demo", "stop"]) == 0
    assert f"Stopped the demo DAM at {fresh.url} (pid {fresh.pid})" in capsys.readouterr().out
    assert gone_within(fresh.pid, 1) and not record_path().exists()
    assert main(["demo", "status"]) == 1


def test_a_record_of_a_server_that_no_longer_answers_is_replaced():
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    record_path().parent.mkdir(parents=True)
    record_path().write_text(json.dumps({"pid": int(dead.stdout), "url": "http://127.0.0.1:9", "instance": "x",
                                         "started_at": "2026-01-01T00:00:00+00:00", "assets": 30}))
    assert main(["demo", "status"]) == 1
    dam, note = shared_demo(assets=30)
    assert "recorded at http://127.0.0.1:9" in note and "no longer answered: started a new one" in note
    assert read_record() == dam and dam.url != "http://127.0.0.1:9"


def test_two_processes_starting_at_once_get_one_server():
    code = "from xmpaudit.aem.demo_dam import shared_demo; print(shared_demo(assets=30)[0].pid)"
    starters = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) for _ in range(2)]
    pids = {int(starter.communicate(timeout=300)[0]) for starter in starters}
    assert pids == {read_record().pid}


def test_a_server_whose_record_is_gone_ends_itself():
    dam, _ = shared_demo(assets=10)
    record_path().unlink()  # e.g. the data folder was deleted: no one could find the server any more
    assert gone_within(dam.pid, 10)
    assert stop_demo() is None


def test_notebook_sessions_and_the_app_reach_the_demo_dam_the_cli_wrote(monkeypatch, capsys):
    import argparse

    from xmpaudit.cli.demo_verbs import use_shared_demo
    from xmpaudit.workspace.session import open_session

    for name in ("XMPAUDIT_URL", "XMPAUDIT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    assert xmpaudit("sync", "--apply").returncode == 0
    dam = read_record()
    session = open_session(show_progress=False)  # what a notebook without settings opens
    assert session.client.base_url == dam.url and session.demo
    assert session.audit().counts()["missing_xmp"] == 0  # the CLI's sync is seen
    env: dict[str, str] = {}
    use_shared_demo(argparse.Namespace(assets=40, seed=7, workflow_seconds=0.5), env)  # what app and lab do
    assert env["XMPAUDIT_URL"] == dam.url and read_record() == dam
    assert "already running; `xmpaudit demo reset --assets 40` for one of 40 assets" in capsys.readouterr().out
