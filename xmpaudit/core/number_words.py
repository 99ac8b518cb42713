"""How every view shows numbers: counts with thousands separators, percentages with one decimal."""

from __future__ import annotations

from typing import Any

import pandas as pd

PERCENT_DECIMALS = 1


def is_missing(value: Any) -> bool:
    """None, NA, NaN or NaT: shown blank (or as the caller's word for missing)."""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # list-like values are not missing
        return False


def share_pct(part: float, whole: float) -> float | None:
    """``part`` as a percentage of ``whole``, rounded to one decimal; None when ``whole`` is 0."""
    return round(100.0 * part / whole, PERCENT_DECIMALS) if whole else None


def count_words(value: Any) -> str:
    """A count with thousands separators (``78760`` -> ``78,760``)."""
    return "" if is_missing(value) else f"{int(value):,}"


def change_words(value: Any) -> str:
    """A signed change of a count (``-1234`` -> ``-1,234``)."""
    return "" if is_missing(value) else f"{int(value):+,}"


def percent_words(value: Any, missing: str = "n/a") -> str:
    """A percentage with one decimal (``40.46`` -> ``40.5%``); ``missing`` for None/NaN."""
    return missing if is_missing(value) else f"{float(value):,.{PERCENT_DECIMALS}f}%"


def points_words(value: Any) -> str:
    """A change of a percentage in points (``+20.0 points``)."""
    return "" if is_missing(value) else f"{float(value):+,.{PERCENT_DECIMALS}f} points"


def counted(value: int, noun: str, plural: str | None = None) -> str:
    """A count and its noun (``1 asset``, ``78,760 assets``)."""
    return f"{count_words(value)} {noun if int(value) == 1 else plural or noun + 's'}"


def confidence_words(value: Any) -> str:
    """A smart tag confidence as tables show it, two decimals (``0.9736`` -> ``0.97``); exports keep every digit."""
    return "" if is_missing(value) else f"{float(value):.2f}"
