"""Confidence per smart tag: occurrences, assets, unusable confidences, quantiles (as pandas computes them) and the
share the process drops at a threshold (as the audit's own filter decides); blank names are not tags."""

import random

import numpy as np
import pandas as pd

from tests.conftest import asset_hit
from xmpaudit.audit.expected import expected_tags
from xmpaudit.audit.tag_confidence import QUANTILES, TAG_COLUMNS, confidence_per_tag, tag_confidence_plot
from xmpaudit.core.acs import SyncArguments
from xmpaudit.read.frames import frames_from_hits


def smart_tags(seed=3, count=400):
    rng = random.Random(seed)
    values = [0.0, 0.1, 0.5, 0.5, 0.61, 0.9, 1.0, "NaN", "abc", None, 0.33, 0.75]
    hits = []
    for i in range(count):
        tags = []
        for _ in range(rng.randint(0, 6)):
            tag = {"name": rng.choice(["dog", "cat", "sky", " ", "owl"])}
            value = rng.choice(values)
            if value is not None:
                tag["confidence"] = value
            tags.append(tag)
        hits.append(asset_hit(f"/c/a{i}.jpg", tags or None))
    return frames_from_hits(hits, SyncArguments())[1]


def test_per_tag_numbers_match_pandas_and_the_audit_filter():
    tags = smart_tags()
    table = confidence_per_tag(tags, 0.5).set_index("name")
    assert list(table.reset_index().columns) == list(TAG_COLUMNS)
    assert set(table.index) == {"dog", "cat", "sky", "owl"}  # " " is blank: never a tag
    named = tags[tags["name"].astype(str).str.strip() != ""]
    grouped = named.groupby(named["name"].astype(str), observed=True)
    assert table["occurrences"].to_dict() == grouped.size().to_dict()
    assert table["assets"].to_dict() == grouped["asset_id"].nunique().to_dict()
    assert table["unusable"].to_dict() == grouped["confidence_problem"].count().to_dict()
    usable = named.dropna(subset=["confidence"])
    expected = usable.groupby(usable["name"].astype(str), observed=True)["confidence"].quantile(list(QUANTILES))
    for name in table.index:
        assert np.allclose(table.loc[name, ["q10", "q25", "median", "q75", "q90"]].to_numpy(dtype=float),
                           expected.loc[name].to_numpy())
    kept = expected_tags(tags, 0.5)["name"].astype(str).value_counts()
    dropped = 100.0 * (table["occurrences"] - kept.reindex(table.index, fill_value=0)) / table["occurrences"]
    assert table["under_threshold_pct"].to_dict() == dropped.round(1).to_dict()
    assert table["occurrences"].is_monotonic_decreasing


def test_plot_shows_the_most_frequent_tags_and_the_threshold():
    table = confidence_per_tag(smart_tags(), 0.6)
    ax = tag_confidence_plot(table, 0.6, n=3)
    assert [t.get_text() for t in ax.get_yticklabels()] == table["name"].head(3).tolist()
    assert "minimumConfidence = 0.6" in ax.get_title(loc="left")
    assert any(line.get_xdata()[0] == 0.6 for line in ax.get_lines())


def test_no_tags_gives_an_empty_table():
    assert confidence_per_tag(frames_from_hits([asset_hit("/c/a.jpg")], SyncArguments())[1], 0.5).empty
    assert isinstance(confidence_per_tag(smart_tags(count=5), "0.2"), pd.DataFrame)
