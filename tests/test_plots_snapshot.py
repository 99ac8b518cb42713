import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

from tests.conftest import asset_hit, snapshot_from_hits, xmp_node
from xmpaudit.audit import plots
from xmpaudit.audit.compare import audit
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import ConfigError
from xmpaudit.read.snapshot import Snapshot


@pytest.fixture
def snap():
    hits = [asset_hit("/c/d/f1/a.jpg", [{"name": "dog", "confidence": 0.9}], xmp_node([("dog", 0.9)])),
            asset_hit("/c/d/f1/b.jpg", [{"name": "dog", "confidence": 0.3}, {"name": "cat", "confidence": 0.7}]),
            asset_hit("/c/d/f2/c.jpg", None, xmp_node([("x", 0.1)]))]
    return snapshot_from_hits(hits, source="http://x")


def test_plots_show_the_data(snap):
    result = audit(snap)
    ax = plots.status_by_folder(result)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["f1", "f2"]  # worst first; f2 has no tags: last
    bars = [(round(p.get_y(), 2), round(p.get_width(), 1), p.get_facecolor()) for p in ax.patches if p.get_width()]
    # shares of the folder's assets with smart tags: f1 half missing, half in sync; f2 has none (its orphan array
    # has no smart tags), so no bar, and the number beside each bar is the in-sync part of the bar
    assert sorted(w for _, w, _ in bars) == [50.0, 50.0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["XMP missing", "In sync"]  # words, only statuses present
    assert [t.get_text() for t in ax.texts] == ["50.0% covered (1 of 2)\n1 to fix of 2 assets",
                                                "no assets with smart tags\n1 to fix of 1 asset"]
    assert "share of the folder's assets with smart tags" in ax.get_xlabel()
    assert ax.get_title(loc="left").startswith("XMP coverage by folder under /c/d, worst first\n50.0% of the 2 assets")
    ax = plots.status_shares(result)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["XMP missing", "XMP left without smart tags", "In sync"]
    assert [t.get_text() for t in ax.texts] == ["1 (33.3%)", "1 (33.3%)", "1 (33.3%)"]
    ax = plots.confidence_histogram(snap.smart_tags, 0.5)
    assert round(sum(p.get_height() for p in ax.patches)) == 100  # shares
    assert "minimumConfidence = 0.5, 66.7% of tags kept" in ax.get_title(loc="left")
    ax = plots.top_tags(snap.smart_tags)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["dog", "cat"]
    assert [t.get_text() for t in ax.texts] == ["2", "1"]  # no audit given: counts only, no second "tagged"
    ax = plots.top_tags(snap.smart_tags, result=result)
    assert [t.get_text() for t in ax.texts] == ["2 (100.0%)", "1 (50.0%)"]
    assert "% of the 2 assets with smart tags" in ax.get_title(loc="left")
    fig = plots.audit_dashboard(result, snap.smart_tags)
    assert len(fig.axes) == 4


def test_palette_is_okabe_ito_and_distinct():
    okabe_ito = {"#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#000000", "#BBBBBB"}
    assert set(plots.STATUS_COLOURS.values()) <= okabe_ito
    assert len(set(plots.STATUS_COLOURS.values())) == len(plots.STATUS_COLOURS)


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
