"""Shared fixtures: a fresh demo simulator per test and an authenticated client to it; one read-only demo per test
module for tests that do not write; hits, XMP nodes, repositories and snapshots built by hand; what the parallel
workers of one run share (``once_per_run``: one real Sling for all of them)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock

from xmpaudit.aem.client import AemClient
from xmpaudit.aem.demo_dam import stop_demo
from xmpaudit.aem.settings import ConnectionSettings
from xmpaudit.core.acs import SyncArguments
from xmpaudit.read.snapshot import Snapshot
from xmpaudit.simulator import DemoSpec, Repository, Simulator, build_demo_repository

DEMO_ROOT = "/content/dam/xmpaudit-demo"
TESTS = Path(__file__).resolve().parent
SIMULATOR_FIXTURES = {"simulator", "client", "demo_readonly"}
RUN_FOLDER = "XMPAUDIT_TEST_RUN"  # a folder shared by every pytest-xdist worker of one run (set by the controller)
# Heavy files first, so that pytest-xdist (--dist loadfile) starts the longest files while the other worker takes
# the many short ones: a file ranks by the heaviest of these markers any of its tests carries (unmarked last).
HEAVY_FIRST = ("browser", "notebooks", "slow", "acs", "contract", "e2e")


def pytest_configure(config: pytest.Config) -> None:
    """The controller (or the only process) makes the run's shared folder before any worker starts."""
    if not hasattr(config, "workerinput"):
        os.environ[RUN_FOLDER] = tempfile.mkdtemp(prefix="xmpaudit-test-run-")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """After every worker has finished: stop what ``once_per_run`` started (the real Sling), drop the folder."""
    if hasattr(session.config, "workerinput") or not os.environ.get(RUN_FOLDER):
        return
    folder = Path(os.environ[RUN_FOLDER])
    for started in sorted(folder.glob("*.json")):
        stop = json.loads(started.read_text(encoding="utf-8")).get("stop")
        if stop:
            subprocess.run(stop, check=False, timeout=180)
    shutil.rmtree(folder, ignore_errors=True)


def once_per_run(name: str, make: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``make()``'s JSON answer, computed by the first worker of this run that asks and read by the others (they
    wait on a file lock meanwhile). An answer with ``"stop": [argv]`` is stopped by that command after the run."""
    folder = Path(os.environ[RUN_FOLDER])
    answer = folder / f"{name}.json"
    with FileLock(str(folder / f"{name}.lock")):
        if not answer.exists():
            answer.write_text(json.dumps(make()), encoding="utf-8")
        return json.loads(answer.read_text(encoding="utf-8"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Markers that follow from where a test lives and what it uses, so the fast tier (./dev.sh test-fast) cannot
    pick up a slow test by accident: tests/contract is ``contract``, tests/acs is ``acs``, and a test that talks to
    a simulator over HTTP is ``e2e``."""
    for item in items:
        if TESTS / "contract" in item.path.parents:
            item.add_marker(pytest.mark.contract)
        if TESTS / "acs" in item.path.parents:
            item.add_marker(pytest.mark.acs)
        if SIMULATOR_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.e2e)
    file_rank: dict[Path, int] = {}
    for item in items:
        rank = next((r for r, name in enumerate(HEAVY_FIRST) if item.get_closest_marker(name)), len(HEAVY_FIRST))
        file_rank[item.path] = min(rank, file_rank.get(item.path, rank))
    items.sort(key=lambda item: file_rank[item.path])  # stable: a file's tests stay together and in order


@pytest.fixture(autouse=True)
def xmpaudit_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Every test gets its own per-user data folder (journal, snapshot store, history): no test writes into the
    real user's folder, and none sees another's journal or snapshots."""
    home = tmp_path_factory.mktemp("xmpaudit-home")
    monkeypatch.setenv("XMPAUDIT_HOME", str(home))
    for name in ("XMPAUDIT_JOURNAL", "XMPAUDIT_MAX_SNAPSHOT_AGE"):
        monkeypatch.delenv(name, raising=False)
    yield home
    stop_demo(home)  # a demo DAM a test's processes started without settings ends with the test


@pytest.fixture(autouse=True)
def close_figures() -> Any:
    """Figures a test drew through pyplot are closed after it (notebooks close theirs when a cell is shown)."""
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Debian Chromium (Playwright) per test process, shared by every browser test: each test opens
    its own pages on it. Skipped with a message where playwright or chromium is missing."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed (pip install -e .[dev])")
    if CHROMIUM is None:
        pytest.skip("Debian chromium not installed (./dev.sh test installs it)")
    with sync_api.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def demo_spec() -> DemoSpec:
    return DemoSpec(assets=120)


@pytest.fixture
def simulator(demo_spec: DemoSpec) -> Iterator[Simulator]:
    with Simulator(build_demo_repository(demo_spec), workflow_seconds=0.02) as sim:
        yield sim


def client_for(sim: Simulator, **overrides: Any) -> AemClient:
    values = {"url": sim.url, "user": "admin", "password": "admin", "retries": 2, "backoff": 0.0, "timeout": 10.0}
    values.update(overrides)
    return AemClient(ConnectionSettings(**values))


@pytest.fixture
def client(simulator: Simulator) -> Iterator[AemClient]:
    with client_for(simulator) as c:
        yield c


@dataclass(frozen=True)
class ReadOnlyDemo:
    """A demo simulator shared by the tests of one module, and a client to it. Only read through it."""

    simulator: Simulator
    client: AemClient
    root: str = DEMO_ROOT


def _post_count(sim: Simulator) -> int:
    return sum(n for endpoint, n in sim.stats.by_endpoint.items() if endpoint.startswith("POST"))


@pytest.fixture(scope="module")
def demo_readonly(demo_spec: DemoSpec) -> Iterator[ReadOnlyDemo]:
    """One demo simulator for a whole test module whose tests only read (faster than one per test). A test that
    writes (any POST, any content change) makes the module's teardown fail: use ``simulator``/``client`` then."""
    with Simulator(build_demo_repository(demo_spec), workflow_seconds=0.02) as sim, client_for(sim) as c:
        generation = sim.repo.generation
        yield ReadOnlyDemo(sim, c)
        assert _post_count(sim) == 0, f"a test using demo_readonly wrote to it: {sim.stats.by_endpoint}"
        assert sim.repo.generation == generation, "a test using demo_readonly changed the repository"


def asset_hit(path: str, tags: list[dict[str, Any]] | None = None, xmp: dict[str, Any] | None = None,
              metadata: bool = True, tag_names: list[str] | None = None) -> dict[str, Any]:
    """A full QueryBuilder hit for an asset with the given predictedTags children and XMP node."""
    content: dict[str, Any] = {"jcr:primaryType": "dam:AssetContent"}
    if metadata:
        meta: dict[str, Any] = {"jcr:primaryType": "nt:unstructured"}
        if tags is not None:
            names = tag_names or [str(i) for i in range(len(tags))]
            meta["predictedTags"] = {"jcr:primaryType": "nt:unstructured",
                                     **{n: {"jcr:primaryType": "nt:unstructured", **t}
                                        for n, t in zip(names, tags, strict=True)}}
        if xmp is not None:
            meta["dam:predictedTags"] = xmp
        content["metadata"] = meta
    return {"jcr:path": path, "jcr:primaryType": "dam:Asset", "jcr:content": content}


def xmp_node(tags: list[tuple[str, float]], size: int | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {"jcr:primaryType": "nt:unstructured", "xmpNodeType": "xmpArray",
                            "xmpArrayType": "rdf:Seq", "xmpArraySize": len(tags) if size is None else size}
    for i, (name, conf) in enumerate(tags, start=1):
        node[str(i)] = {"jcr:primaryType": "nt:unstructured", "xmpNodeType": "xmpStruct",
                        "dam:predictedTagName": name, "dam:predictedTagConfidence": conf}
    return node


def small_repository(assets: dict[str, dict[str, Any]]) -> Repository:
    """A repository with the given asset hits (as produced by asset_hit) imported under their paths."""
    repo = Repository()
    for path, hit in assets.items():
        parent_path, _, name = path.rpartition("/")
        parent = repo.ensure_node(parent_path, "sling:Folder")
        content = {k: v for k, v in hit.items() if k != "jcr:path"}
        repo.import_json(parent, name, content)
    return repo


def every(values: Any) -> bool:
    """True when there is at least one value and each is true: NA counts as false. pandas' ``Series.all()`` skips NA
    (a nullable ``verified`` column with rows never verified passes it) and is true for no rows at all."""
    return len(values) > 0 and bool(values.astype(object).fillna(False).astype(bool).all())


def snapshot_from_hits(hits: Iterable[dict[str, Any]], args: SyncArguments | None = None,
                       **meta: Any) -> Snapshot:
    """A snapshot of hand-built hits (see asset_hit), as an inventory with these arguments would save it."""
    args = args or SyncArguments()
    return Snapshot.from_hits(list(hits), args, **{"source": "test", "root": "", **meta})


@pytest.fixture
def journal(tmp_path):
    """A fresh journal file for one test."""
    from xmpaudit.write.journal import Journal

    return Journal(tmp_path / "journal.jsonl")


def fixable(client: AemClient) -> Any:
    """The demo DAM's fixable assets, from a fresh inventory."""
    from xmpaudit.audit.compare import audit
    from xmpaudit.read.inventory import take_inventory

    return audit(take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False)).fixable()


@pytest.fixture(params=["folder pages", "path queries"])
def sync_reads(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test twice: every read by whole-folder pages (each folder counts as dense), and by path queries only."""
    import xmpaudit.read.folder_reads as folder_reads

    if request.param == "folder pages":
        monkeypatch.setattr(folder_reads, "MIN_WANTED_PER_FOLDER", 1)
        monkeypatch.setattr(folder_reads, "MIN_DENSITY", 0.001)
    else:
        monkeypatch.setattr(folder_reads, "MIN_WANTED_PER_FOLDER", 10**9)
    return str(request.param)


@pytest.fixture
def aem_env(simulator, monkeypatch, tmp_path):
    """The CLI and notebooks pointed at the function's demo simulator through XMPAUDIT_* variables, run from a
    fresh working directory."""
    monkeypatch.chdir(tmp_path)
    for key, value in {"XMPAUDIT_URL": simulator.url, "XMPAUDIT_USER": "admin", "XMPAUDIT_PASSWORD": "admin"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("XMPAUDIT_PROFILE", raising=False)
    return simulator
