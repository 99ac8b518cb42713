"""JCR dates of a whole column as UTC datetimes, vectorised (``dates.parse_jcr_date`` for one value)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from xmpaudit.core.dates import parse_jcr_date

# how Sling renders a Date in JSON ("Wed Nov 25 2026 10:12:32 GMT+0100"), as parse_jcr_date reads it first
SLING_DATE_FORMAT = "%a %b %d %Y %H:%M:%S GMT%z"


def utc_times(values: Any) -> pd.DatetimeIndex:
    """JCR dates (Sling's ``Wed Nov 25 2026 10:12:32 GMT+0000``, ISO 8601 text, or datetimes) as UTC datetimes
    (ns); NaT where a value is missing or not a date. Sling's form is parsed by Arrow for the whole column;
    anything else by ``parse_jcr_date``, once per distinct value."""
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return pd.DatetimeIndex(series.dt.tz_convert("UTC")).as_unit("ns")
    if pd.api.types.is_datetime64_dtype(series.dtype):
        return pd.DatetimeIndex(series.dt.tz_localize("UTC")).as_unit("ns")
    series = series.astype(object).reset_index(drop=True)
    texts = pa.array([v if isinstance(v, str) else None for v in series], type=pa.string())
    sling = pc.strptime(texts, format=SLING_DATE_FORMAT, unit="ns", error_is_null=True)
    out = pd.Series(sling.to_pandas(), index=series.index).astype("datetime64[ns, UTC]")
    rest = series[out.isna() & series.notna()]
    if len(rest):
        parsed = {value: value if isinstance(value, datetime) else parse_jcr_date(value)
                  for value in pd.unique(rest.to_numpy(object))}
        out.loc[rest.index] = pd.to_datetime(rest.map(parsed), utc=True)
    return pd.DatetimeIndex(out).as_unit("ns")
