"""Memory a replaced snapshot frees can go back to the system (core/returned_memory.py; the RSS over five Refreshes
at 100,000 assets is in benchmarks/RESULTS.md "Kernel memory over five Refreshes"): the kernels the kit starts get
the allocator settings, a running session or panel switches what it still can, and a user's own settings win."""

import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from tests.conftest import DEMO_ROOT
from xmpaudit.cli.main import main
from xmpaudit.core.returned_memory import KERNEL_ENVIRONMENT, keep_freed_memory_returnable, kernel_environment
from xmpaudit.ui import app as app_module
from xmpaudit.ui.app import AppSettings, start_app
from xmpaudit.ui.panel import AuditPanel
from xmpaudit.workspace.session import open_session
from xmpaudit.write.journal import Journal

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

# A fresh interpreter: after a 4 MB block is freed glibc serves a 1 MB block from its heap (it raised its mmap
# threshold), unless the threshold was fixed; then the 1 MB block is mapped (and unmapped when freed).
MAPPED_AFTER_A_LARGE_FREE = """
import ctypes, sys
libc = ctypes.CDLL("libc.so.6")
class Info(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]
libc.mallinfo2.restype = Info
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
libc.free(libc.malloc(4 << 20))
if sys.argv[1] == "fixed":
    from xmpaudit.core.returned_memory import keep_freed_memory_returnable
    keep_freed_memory_returnable()
before = libc.mallinfo2().hblks
block = libc.malloc(1 << 20)
print(libc.mallinfo2().hblks - before)
"""


@pytest.fixture
def keeping_pool(monkeypatch):
    """Start from pyarrow's own kind of pool (not the system one) and put the pool of before back after."""
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    before = pa.default_memory_pool()
    pa.set_memory_pool(pa.mimalloc_memory_pool())
    yield
    pa.set_memory_pool(before)


def test_the_kits_settings_unless_the_user_set_their_own():
    env = kernel_environment({"PYTHONMALLOC": "pymalloc", "HOME": "/h"})
    assert env == {**KERNEL_ENVIRONMENT, "PYTHONMALLOC": "pymalloc", "HOME": "/h"}
    assert kernel_environment({})["PYTHONMALLOC"] == "malloc"


def test_the_system_pool_unless_the_user_named_one(keeping_pool, monkeypatch):
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "mimalloc")
    keep_freed_memory_returnable()
    assert pa.default_memory_pool().backend_name == "mimalloc"
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL")
    keep_freed_memory_returnable()
    assert pa.default_memory_pool().backend_name == "system"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mmap threshold")
def test_glibcs_mmap_threshold_stays_fixed(monkeypatch):
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)

    def mapped(mode: str) -> int:
        done = subprocess.run([sys.executable, "-c", MAPPED_AFTER_A_LARGE_FREE, mode], capture_output=True,
                              text=True, check=True)
        return int(done.stdout)
    assert (mapped("raised"), mapped("fixed")) == (0, 1)


@pytest.mark.e2e
def test_a_session_and_a_panel_switch_to_the_system_pool(keeping_pool, client, tmp_path):
    session = open_session(root=DEMO_ROOT, snapshot_dir=tmp_path / "snap", journal=tmp_path / "j.jsonl",
                           show_progress=False, client=client)
    assert pa.default_memory_pool().backend_name == "system"
    pa.set_memory_pool(pa.mimalloc_memory_pool())
    AuditPanel(client, session.audit(), Journal(tmp_path / "j.jsonl"), session.snapshot.smart_tags, root=DEMO_ROOT)
    assert pa.default_memory_pool().backend_name == "system"


class Started(Exception):
    """Raised by the stand-in for the process start: the test has what it was given."""


def test_the_app_and_lab_start_their_kernels_with_the_settings(tmp_path, monkeypatch):
    given: list[dict[str, str]] = []

    def start(command, env, **_options):
        given.append(env)
        raise Started
    monkeypatch.setattr(app_module.subprocess, "Popen", start)
    with pytest.raises(Started):
        start_app(tmp_path, AppSettings(root=DEMO_ROOT), {"XMPAUDIT_URL": "http://127.0.0.1:9"})
    monkeypatch.setenv("XMPAUDIT_URL", "http://127.0.0.1:9")  # settings given: no demo DAM is started
    monkeypatch.setattr(subprocess, "call", lambda command, env: given.append(env) or 0)
    assert main(["lab", "--no-browser", "--notebooks", str(NOTEBOOKS)]) == 0
    assert [{name: env.get(name) for name in KERNEL_ENVIRONMENT} for env in given] == [KERNEL_ENVIRONMENT] * 2


