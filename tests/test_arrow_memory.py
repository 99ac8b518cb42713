"""Arrow's buffers come from the C allocator once a session or a panel is open (what a Refresh frees can then go
back to the system: benchmarks/RESULTS.md "Kernel memory over five Refreshes"), unless the user chose a pool."""

import pyarrow as pa
import pytest

from tests.conftest import DEMO_ROOT
from xmpaudit.core.arrow_memory import POOL_VARIABLE, use_system_allocator
from xmpaudit.ui.panel import AuditPanel
from xmpaudit.workspace.session import open_session
from xmpaudit.write.journal import Journal


@pytest.fixture
def keeping_pool(monkeypatch):
    """Start from pyarrow's own kind of pool (not the system one) and put the pool of before back after."""
    monkeypatch.delenv(POOL_VARIABLE, raising=False)
    before = pa.default_memory_pool()
    pa.set_memory_pool(pa.mimalloc_memory_pool())
    yield
    pa.set_memory_pool(before)


def test_the_system_pool_unless_the_user_named_one(keeping_pool, monkeypatch):
    monkeypatch.setenv(POOL_VARIABLE, "mimalloc")
    assert use_system_allocator() is False
    assert pa.default_memory_pool().backend_name == "mimalloc"
    monkeypatch.delenv(POOL_VARIABLE)
    assert use_system_allocator() is True
    assert pa.default_memory_pool().backend_name == "system"


@pytest.mark.e2e
def test_a_session_and_a_panel_switch_to_the_system_pool(keeping_pool, client, tmp_path):
    session = open_session(root=DEMO_ROOT, snapshot_dir=tmp_path / "snap", journal=tmp_path / "j.jsonl",
                           show_progress=False, client=client)
    assert pa.default_memory_pool().backend_name == "system"
    pa.set_memory_pool(pa.mimalloc_memory_pool())
    AuditPanel(client, session.audit(), Journal(tmp_path / "j.jsonl"), session.snapshot.smart_tags, root=DEMO_ROOT)
    assert pa.default_memory_pool().backend_name == "system"
