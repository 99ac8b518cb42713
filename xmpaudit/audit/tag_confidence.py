"""Per smart tag name: how often it occurs, how confident AEM is (quantiles) and the share the process drops at a
threshold, so a librarian sees which tags are guesses. One sort of (name, confidence), no per-group Python."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from xmpaudit.audit.expected import keep_keys
from xmpaudit.audit.result import as_categorical
from xmpaudit.audit.whatif import check_threshold, threshold_words
from xmpaudit.core.acs import is_blank
from xmpaudit.core.number_words import count_words, percent_words

if TYPE_CHECKING:
    from matplotlib.axes import Axes

QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
QUANTILE_COLUMNS = ("q10", "q25", "median", "q75", "q90")
TAG_COLUMNS = ("name", "occurrences", "assets", "unusable", *QUANTILE_COLUMNS, "under_threshold_pct")
BOX_COLOUR = "#0072B2"
CUT_COLOUR = "#D55E00"


def _group_quantiles(codes: np.ndarray, values: np.ndarray, groups: int) -> np.ndarray:
    """Per group code: the QUANTILES of its values (linear interpolation, as numpy's default); NaN for none."""
    order = np.lexsort((values, codes))
    codes, values = codes[order], values[order]
    sizes = np.bincount(codes, minlength=groups)
    starts = np.cumsum(sizes) - sizes
    out = np.full((groups, len(QUANTILES)), np.nan)
    present = sizes > 0
    for column, q in enumerate(QUANTILES):
        position = starts[present] + q * (sizes[present] - 1)
        low = np.floor(position).astype(np.int64)
        high = np.minimum(low + 1, starts[present] + sizes[present] - 1)
        out[present, column] = values[low] + (values[high] - values[low]) * (position - low)
    return out


def confidence_per_tag(smart_tags: pd.DataFrame, threshold: float | str) -> pd.DataFrame:
    """Per tag name the process can write (blank names left out), most frequent first: ``occurrences``,
    ``assets`` carrying it, ``unusable`` confidences (missing or not a number), quantiles of the usable
    confidences and ``under_threshold_pct``: the share of its occurrences the process drops at ``threshold``."""
    value = check_threshold(threshold)
    keys, unusable = keep_keys(smart_tags)
    names = as_categorical(smart_tags["name"])
    blank = np.fromiter((is_blank(str(c)) for c in names.categories), dtype=bool, count=len(names.categories))
    named = (names.codes >= 0) & ~np.append(blank, True)[names.codes]
    codes = names.codes[named].astype(np.int64)
    groups = len(names.categories)
    occurrences = np.bincount(codes, minlength=groups)
    owners = smart_tags["asset_id"].to_numpy(dtype=np.int64)[named]
    width = int(owners.max()) + 1 if len(owners) else 1
    assets = np.bincount(np.unique(codes * width + owners) // width, minlength=groups)
    confidence = smart_tags["confidence"].to_numpy(dtype=np.float64, na_value=np.nan)[named]
    usable = ~np.isnan(confidence)
    quantiles = _group_quantiles(codes[usable], confidence[usable], groups)
    under = np.bincount(codes[keys[named] < value], minlength=groups)
    frame = pd.DataFrame({"name": names.categories.astype(object), "occurrences": occurrences, "assets": assets,
                          "unusable": np.bincount(codes[unusable[named]], minlength=groups),
                          **{c: quantiles[:, i] for i, c in enumerate(QUANTILE_COLUMNS)},
                          "under_threshold_pct": np.round(100.0 * under / np.maximum(occurrences, 1), 1)})
    frame = frame[frame["occurrences"] > 0]
    return frame.sort_values(["occurrences", "name"], ascending=[False, True]).reset_index(drop=True)


def tag_confidence_plot(table: pd.DataFrame, threshold: float, ax: Axes | None = None, n: int = 25) -> Axes:
    """The ``n`` most frequent tags: a box from the 25th to the 75th percentile of confidence, whiskers to the
    10th and 90th, the median marked, the threshold dashed and each tag's dropped share written beside it."""
    shown = table.head(n)
    if ax is None:
        from matplotlib import pyplot as plt  # here: the per-tag table needs no plotting library

        _, ax = plt.subplots(figsize=(8, 0.32 * max(len(shown), 1) + 1.4), layout="constrained")
    rows = np.arange(len(shown))
    ax.hlines(rows, shown["q10"], shown["q90"], color=BOX_COLOUR, linewidth=1)
    ax.barh(rows, shown["q75"] - shown["q25"], left=shown["q25"], height=0.55, color=BOX_COLOUR, alpha=0.35)
    ax.scatter(shown["median"], rows, marker="|", s=120, color=BOX_COLOUR, zorder=3)
    ax.axvline(threshold, color=CUT_COLOUR, linestyle="--")
    labels = [" ".join(str(name).split()) for name in shown["name"]]
    ax.set_yticks(rows, labels, fontsize="small")
    ax.invert_yaxis()
    for y, row in enumerate(shown.itertuples()):
        label = f"{percent_words(row.under_threshold_pct)} · {count_words(row.occurrences)}"
        ax.text(1.02, y, label, va="center", fontsize="x-small", transform=ax.get_yaxis_transform())
    ax.set_xlim(0, 1)
    ax.set_xlabel("confidence (box: middle half, whiskers: 10th to 90th percentile, tick: median)")
    ax.set_title(f"Confidence per smart tag, the {len(shown)} most frequent\n"
                 f"dashed: minimumConfidence = {threshold_words(threshold)}; right: share dropped · occurrences",
                 loc="left", fontsize="medium")
    ax.spines[["top", "right"]].set_visible(False)
    return ax
