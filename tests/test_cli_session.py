"""Refresh is one path: ``xmpaudit what-if`` and the ``--root`` selection of ``sync``/``writeback`` go through the
session every surface opens — its snapshot store, freshness rule and history — instead of an inventory of their own."""

from __future__ import annotations

from tests.conftest import DEMO_ROOT
from xmpaudit.cli.main import main
from xmpaudit.read.snapshot_store import SnapshotStore
from xmpaudit.workspace.history import read_history


def test_what_if_and_the_sync_selection_share_the_sessions_snapshot(aem_env, capsys):
    store = SnapshotStore.of(aem_env.url, DEMO_ROOT)
    assert main(["-q", "what-if", "--root", DEMO_ROOT]) == 0
    assert "minimumConfidence 0, sequenceName dam:predictedTags" in capsys.readouterr().out
    saved = store.saved()
    assert len(saved) == 1
    queries = aem_env.stats.by_endpoint["GET querybuilder"]
    assert main(["-q", "sync", "--root", DEMO_ROOT, "--status", "missing_xmp"]) == 0
    assert store.saved() == saved  # the saved snapshot was used, not a new inventory
    history = read_history(aem_env.url, DEMO_ROOT)
    assert history["surface"].tolist() == ["cli sync"] and history["live"].tolist() == [True]
    assert main(["-q", "sync", "--apply", "--root", DEMO_ROOT, "--status", "missing_xmp"]) == 0
    capsys.readouterr()
    assert main(["-q", "audit", "--root", DEMO_ROOT]) == 0
    assert "Snapshot: refreshed incrementally (sync run sync-" in capsys.readouterr().out
    assert aem_env.stats.by_endpoint["GET querybuilder"] > queries
