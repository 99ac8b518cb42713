"""One demo DAM per user: the detached simulator process every surface and CLI process without settings shares,
found through its record in the per-user data folder, started once (under a lock), stopped and reset on request."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xmpaudit.core.errors import ConfigError
from xmpaudit.core.file_lock import exclusive
from xmpaudit.core.locations import demo_home

RECORD_FILE = "server.json"
LOG_FILE = "server.log"
DEFAULT_ASSETS = 360
DEFAULT_SEED = 7
DEFAULT_WORKFLOW_SECONDS = 0.05
_children: list[subprocess.Popen[bytes]] = []  # servers this process started, reaped once they exit


@dataclass(frozen=True)
class DemoDam:
    """The record of a running demo DAM: where it answers, which process serves it, since when, how big."""

    url: str
    pid: int
    started_at: str
    assets: int
    seed: int
    instance: str

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> DemoDam:
        return cls(url=str(record["url"]), pid=int(record["pid"]), started_at=str(record["started_at"]),
                   assets=int(record["assets"]), seed=int(record.get("seed", DEFAULT_SEED)),
                   instance=str(record["instance"]))


def record_path(home: Path | None = None) -> Path:
    """The demo DAM's record file (``<data folder>/demo/server.json``)."""
    return demo_home(home) / RECORD_FILE


def read_record(home: Path | None = None) -> DemoDam | None:
    """The recorded demo DAM, answering or not; None when there is no readable record."""
    try:
        return DemoDam.from_record(json.loads(record_path(home).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def answers(dam: DemoDam) -> bool:
    """True when the recorded server answers as itself (its instance token is accepted at its URL)."""
    import requests

    try:
        reply = requests.get(f"{dam.url}/content/dam.json", headers={"Authorization": f"Bearer {dam.instance}"},
                             timeout=3)
    except requests.RequestException:
        return False
    return reply.status_code == 200


def shared_demo(assets: int = DEFAULT_ASSETS, seed: int = DEFAULT_SEED,
                workflow_seconds: float = DEFAULT_WORKFLOW_SECONDS, home: Path | None = None
                ) -> tuple[DemoDam, str]:
    """The user's demo DAM, started (detached, with ``assets`` and ``seed``) when none answers; a record of one
    that no longer answers is replaced. Returns it and a note: "" when it was running, else what was done."""
    record = record_path(home)
    record.parent.mkdir(parents=True, exist_ok=True)
    _children[:] = [child for child in _children if child.poll() is None]  # collect servers stopped since
    try:
        with exclusive(record, timeout=_start_seconds(assets) + 30):
            dam = read_record(home)
            if dam is not None and answers(dam):
                return dam, ""
            note = (f"the demo DAM recorded at {dam.url} (pid {dam.pid}) no longer answered: started a new one"
                    if dam is not None else "started it")
            record.unlink(missing_ok=True)
            return _start(record, assets, seed, workflow_seconds), note
    except TimeoutError as exc:
        raise ConfigError(f"The demo DAM could not be started: {exc}; see {record.with_name(LOG_FILE)}") from None


def _start_seconds(assets: int) -> float:
    """How long a new server may take to build its demo DAM and answer."""
    return 60.0 + assets / 500


def _detached() -> dict[str, Any]:
    """Popen options that let the server outlive the process starting it, and miss its terminal's Ctrl+C."""
    if os.name == "nt":
        return {"creationflags": subprocess.DETACHED_PROCESS | subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def _start(record: Path, assets: int, seed: int, workflow_seconds: float) -> DemoDam:
    """Start the server process, wait until its record names it and it answers; one clear error otherwise."""
    package_parent = str(Path(__file__).resolve().parents[2])  # the same xmpaudit, whatever the working folder
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (package_parent, os.environ.get("PYTHONPATH"))
                                                       if p)}
    command = [sys.executable, "-m", "xmpaudit.simulator.demo_service", "--record", str(record), "--assets",
               str(assets), "--seed", str(seed), "--workflow-seconds", str(workflow_seconds)]
    log_path = record.with_name(LOG_FILE)
    with open(log_path, "ab") as log:
        child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                 cwd=record.parent, env=env, close_fds=True, **_detached())
    _children.append(child)
    deadline = time.monotonic() + _start_seconds(assets)
    while time.monotonic() < deadline:
        dam = read_record(record.parent.parent)
        if dam is not None and dam.pid == child.pid and answers(dam):
            return dam
        if child.poll() is not None:
            raise ConfigError(f"The demo DAM did not start (exit code {child.returncode}); see {log_path}")
        time.sleep(0.1)
    child.terminate()
    raise ConfigError(f"The demo DAM did not answer within {_start_seconds(assets):.0f} s; see {log_path}")


def stop_demo(home: Path | None = None) -> DemoDam | None:
    """Stop the user's demo DAM (and forget its record); returns the record of the one that answered, if any."""
    record = record_path(home)
    if not record.exists():
        return None
    try:
        with exclusive(record, timeout=60):
            dam = read_record(home)
            running = dam is not None and answers(dam)
            record.unlink(missing_ok=True)  # the server notices within a second and exits on its own
            if running and dam is not None:
                _terminate(dam)
            return dam if running else None
    except TimeoutError as exc:
        raise ConfigError(f"The demo DAM could not be stopped: {exc}") from None


def _terminate(dam: DemoDam) -> None:
    """End the server that answered as ``dam`` now (its pid is its own: it answered with its record's instance
    token), and wait until its process is gone."""
    with contextlib.suppress(OSError):
        os.kill(dam.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and (_alive(dam.pid) if os.name != "nt" else answers(dam)):
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    """True while process ``pid`` runs (POSIX); one that exited is collected when this process started it."""
    for child in list(_children):
        if child.pid == pid and child.poll() is not None:
            _children.remove(child)
            return False
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:  # an exited process its parent has not collected yet (a zombie) counts as gone
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def reset_demo(assets: int = DEFAULT_ASSETS, seed: int = DEFAULT_SEED,
               workflow_seconds: float = DEFAULT_WORKFLOW_SECONDS, home: Path | None = None) -> DemoDam:
    """A fresh demo DAM: the running one (if any) stopped, a new one started (on a new URL)."""
    stop_demo(home)
    return shared_demo(assets, seed, workflow_seconds, home)[0]
