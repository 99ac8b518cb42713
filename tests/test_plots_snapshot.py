import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

from tests.conftest import asset_hit, xmp_node
from xmpaudit import plots
from xmpaudit.acs import SyncArguments
from xmpaudit.audit import audit
from xmpaudit.errors import ConfigError
from xmpaudit.frames import frames_from_hits
from xmpaudit.snapshot import Snapshot


@pytest.fixture
def snap():
    hits = [asset_hit("/c/d/f1/a.jpg", [{"name": "dog", "confidence": 0.9}], xmp_node([("dog", 0.9)])),
            asset_hit("/c/d/f1/b.jpg", [{"name": "dog", "confidence": 0.3}, {"name": "cat", "confidence": 0.7}]),
            asset_hit("/c/d/f2/c.jpg", None, xmp_node([("x", 0.1)]))]
    assets, tags, xmp = frames_from_hits(hits)
    return Snapshot(assets, tags, xmp, {"arguments": SyncArguments().to_process_args(), "source": "http://x"})


def test_plots_show_the_data(snap):
    result = audit(snap)
    ax = plots.status_by_folder(result)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["f1", "f2"]
    bars = sorted((round(p.get_y(), 2), p.get_width()) for p in ax.patches if p.get_width() > 0)
    assert [w for _, w in bars] == [1, 1, 1] and len({y for y, _ in bars}) == 2  # f1: in_sync + missing; f2: orphan
    ax = plots.confidence_histogram(snap.smart_tags, 0.5)
    assert sum(p.get_height() for p in ax.patches) == 3
    assert "minimumConfidence = 0.5" in ax.get_legend().get_texts()[0].get_text()
    ax = plots.top_tags(snap.smart_tags)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["cat", "dog"]
    fig = plots.audit_dashboard(result, snap.smart_tags)
    assert len(fig.axes) == 3


def test_snapshot_round_trip(snap, tmp_path):
    snap.save(tmp_path / "s")
    loaded = Snapshot.load(tmp_path / "s")
    for name in ("assets", "smart_tags", "xmp_tags"):
        pd.testing.assert_frame_equal(getattr(loaded, name), getattr(snap, name))
    assert loaded.meta == snap.meta and loaded.arguments == SyncArguments()
    assert "3 assets, 3 smart tags, 2 XMP tags" in loaded.summary()
    with pytest.raises(ConfigError, match="not a snapshot folder"):
        Snapshot.load(tmp_path)
    pd.DataFrame({"asset": ["x"]}).to_parquet(tmp_path / "s" / "xmp_tags.parquet")
    with pytest.raises(ConfigError, match="lacks columns"):
        Snapshot.load(tmp_path / "s")
