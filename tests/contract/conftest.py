"""Backends for the contract tests: the simulator and a real Apache Sling started by tests/sling/start.sh."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import once_per_run
from xmpaudit.aem.client import AemClient
from xmpaudit.aem.settings import ConnectionSettings
from xmpaudit.simulator import Repository, Simulator

SLING_SCRIPTS = Path(__file__).parent.parent / "sling"
MAX_RESULTS = 200  # json.maximumresults on both backends


@dataclass
class Backend:
    name: str
    url: str
    simulator: Simulator | None = None

    def client(self) -> AemClient:
        return AemClient(ConnectionSettings(url=self.url, user="admin", password="admin", retries=1, backoff=0))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_sling() -> dict[str, Any]:
    """Start a real Sling with tests/sling/start.sh: its URL and how to stop it, or why it cannot run here."""
    env = {**os.environ, "PYTHON": sys.executable}
    started = subprocess.run([str(SLING_SCRIPTS / "start.sh"), str(_free_port())], capture_output=True, text=True,
                             env=env, timeout=900)
    if started.returncode == 3:
        return {"skip": f"real Sling not available here: {started.stdout.strip()}"}
    if started.returncode != 0:
        return {"error": f"tests/sling/start.sh failed ({started.returncode}):\n{started.stdout}\n{started.stderr}"}
    url = next(line.split("=", 1)[1] for line in started.stdout.splitlines() if line.startswith("SLING_URL="))
    return {"url": url, "stop": [str(SLING_SCRIPTS / "stop.sh")]}


@pytest.fixture(scope="session")
def sling_url() -> str:
    """A real Sling for the whole run, one for all parallel workers (XMPAUDIT_SLING_URL to use a running one;
    XMPAUDIT_SKIP_SLING=1 skips): the first worker that needs it starts it, the run's end stops it."""
    if os.environ.get("XMPAUDIT_SLING_URL"):
        return os.environ["XMPAUDIT_SLING_URL"].rstrip("/")
    if os.environ.get("XMPAUDIT_SKIP_SLING"):
        pytest.skip("XMPAUDIT_SKIP_SLING is set: real-Sling contract tests skipped")
    sling = once_per_run("sling", _start_sling)
    if "skip" in sling:
        pytest.skip(sling["skip"])
    if "error" in sling:
        raise RuntimeError(sling["error"])
    return str(sling["url"])


@pytest.fixture(scope="session")
def simulator_backend() -> Iterator[Backend]:
    repo = Repository()
    repo.ensure_node("/content", "sling:OrderedFolder")
    with Simulator(repo, json_max_results=MAX_RESULTS) as sim:
        yield Backend("simulator", sim.url, sim)


@pytest.fixture(params=["simulator", "sling"])
def backend(request: pytest.FixtureRequest, simulator_backend: Backend) -> Backend:
    if request.param == "simulator":
        return simulator_backend
    return Backend("sling", request.getfixturevalue("sling_url"))


@pytest.fixture
def client(backend: Backend) -> Iterator[AemClient]:
    with backend.client() as c:
        yield c


@pytest.fixture
def root(client: AemClient) -> str:
    """A fresh nt:unstructured folder for one test (awkward characters included)."""
    path = f"/content/xmpaudit-contract/t {uuid.uuid4().hex[:8]} ü#"
    client.sling_post("/content/xmpaudit-contract", [("./jcr:primaryType", "nt:unstructured")])
    client.sling_post(path, [("./jcr:primaryType", "nt:unstructured")])
    return path
