"""Spreadsheet cells for CSV and Excel exports: neutralised against formula injection, and in Excel every
character XML cannot hold written visibly as an escape (``\\x07``) instead of crashing the workbook."""

from __future__ import annotations

import csv
import re
from typing import Any

import pandas as pd

# a cell starting with one of these is read as a formula (or a DDE call) by Excel, LibreOffice and Sheets
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")

# characters an .xlsx (XML 1.0) cannot hold: C0 controls other than tab, LF and CR; lone surrogates; U+FFFE/U+FFFF
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# C0 control characters (and DEL) a CSV keeps inside quotes; CR and LF are quoted by the csv module already
CONTROL = re.compile("[\x00-\x1f\x7f]")


def safe_cell(value: Any) -> Any:
    """``value`` with a leading apostrophe when it is text a spreadsheet would run as a formula; else as is."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible_controls(text: str) -> str:
    """``text`` with its control characters written as escapes (``\\x07``), e.g. for a label no font can draw."""
    return CONTROL.sub(_escape, text)


def excel_cell(value: Any) -> Any:
    """``safe_cell(value)`` with the characters an .xlsx cannot hold written as visible escapes (``\\x07``)."""
    value = safe_cell(value)
    return XML_ILLEGAL.sub(_escape, value) if isinstance(value, str) else value


def _is_text(series: pd.Series) -> bool:
    return series.dtype == object or pd.api.types.is_string_dtype(series) or isinstance(
        series.dtype, pd.CategoricalDtype)


def _cells(frame: pd.DataFrame, cell: Any) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if _is_text(out[column]):
            out[column] = out[column].astype(object).map(cell)
    out.columns = [cell(c) if isinstance(c, str) else c for c in out.columns]
    out.index = out.index.map(cell)
    return out


def csv_options(frame: pd.DataFrame) -> dict[str, Any]:
    """``to_csv`` options for ``frame``: UTF-8 (a lone surrogate written as a backslash escape rather than failing),
    and when any text cell or column name holds a control character, every text cell quoted, so each is kept
    inside its cell (numbers stay unquoted)."""
    texts = [str(c) for c in frame.columns] + [v for c in frame.columns if _is_text(frame[c])
                                               for v in frame[c].dropna().astype(str).unique()]
    quoting = csv.QUOTE_NONNUMERIC if any(CONTROL.search(t) for t in texts) else csv.QUOTE_MINIMAL
    return {"index": False, "encoding": "utf-8", "errors": "backslashreplace", "quoting": quoting}


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells, column names and index labels are all neutralised (for CSV)."""
    return _cells(frame, safe_cell)


def excel_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``safe_frame`` for Excel: also every character an .xlsx cannot hold escaped visibly; datetimes without
    their time zone (Excel cannot store one; they are in UTC)."""
    out = _cells(frame, excel_cell)
    for column in out.columns:
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):
            out[column] = out[column].dt.tz_convert("UTC").dt.tz_localize(None)
    return out
