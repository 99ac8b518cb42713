"""The prioritised fix list (what to fix first, in words, with links into AEM) and its exports: the fix list as
CSV, AEM's metadata import CSV (when a tag property is named), a plain path list and an Excel workbook with one
sheet per view — every cell safe from formula injection, every character kept (escaped visibly in Excel).

Order (what to fix first): XMP missing, then out of date, then XMP left without smart tags (a missing node hides
the asset from every XMP-based search; a stale one is wrong; an orphan only carries old tags); within a status,
folders with the most assets to fix first (one bulk sync fixes most), then the most confident tags first (the
most valuable for search), then more tags first, then by path."""

from __future__ import annotations

import html
import posixpath
from pathlib import Path
from typing import Any

import pandas as pd

from xmpaudit.aem.asset_links import asset_link
from xmpaudit.audit.headline import headline
from xmpaudit.audit.result import AuditResult
from xmpaudit.core.cells import csv_options, excel_frame, safe_cell, safe_frame
from xmpaudit.core.errors import ConfigError
from xmpaudit.core.number_words import confidence_words, count_words
from xmpaudit.core.statuses import FIXABLE_STATUSES, STATUS_DTYPE, STATUS_RANK, reasons_in_words, status_words

FIX_LIST_COLUMNS = ["priority", "name", "folder", "status", "problem", "reason", "tags", "tag_count",
                    "top_confidence", "tag_flags", "zero_confidence_tags", "custom_tags", "link", "path"]
TABLE_HEADERS = {"priority": "#", "name": "File", "folder": "Folder", "problem": "Problem", "reason": "Reason",
                 "tags": "Tags the sync writes", "tag_count": "Tags", "top_confidence": "Top confidence",
                 "tag_flags": "Flags", "path": "Path"}  # the fix list's columns as its HTML table names them
SHORT_CELL = 40  # characters of a reason, tag list or flags shown in one line of an HTML table
# every row one line, but the tag list (6th column) may wrap
FIX_LIST_STYLE = ("<style>.xmpaudit-fixlist td{white-space:nowrap}"
                  ".xmpaudit-fixlist td:nth-child(6){white-space:normal;min-width:12em}</style>")
EXPORT_KINDS = {".csv": "csv", ".txt": "paths", ".xlsx": "excel"}
MULTI_VALUE_DELIMITER = "|"
COUNT_FORMAT = "#,##0"
PERCENT_FORMAT = "0.0"


def _names_by_asset(frame: pd.DataFrame) -> dict[str, list[str]]:
    """Tag names per asset, in the frame's order (one pass; groupby-agg is slow at 100k)."""
    names: dict[str, list[str]] = {}
    for asset, name in zip(frame["asset"].to_numpy(object), frame["name"].to_numpy(object), strict=True):
        names.setdefault(str(asset), []).append(str(name))
    return names


def _joined_by_asset(frame: pd.DataFrame) -> pd.Series:
    """Tag names joined with ", " per asset, in the frame's order."""
    return pd.Series({asset: ", ".join(names) for asset, names in _names_by_asset(frame).items()}, dtype=object)


def tag_flag_words(zero_names: str, custom_names: str) -> str:
    """The flags on the tags a sync writes, in words: "written with confidence 0.0: a, b; custom: c"."""
    words = ([f"written with confidence 0.0: {zero_names}"] if zero_names else []) + (
        [f"custom: {custom_names}"] if custom_names else [])
    return "; ".join(words)


def fix_list(result: AuditResult, smart_tags: pd.DataFrame, client_base_url: str | None = None) -> pd.DataFrame:
    """One row per fixable asset, in the order to fix them (see the module docstring): file name, folder,
    status, problem and reason in words, the tags the sync would write, top confidence, flags (tags written
    with confidence 0.0, custom tags), a link to the asset in AEM and the full path."""
    assets = result.assets[result.assets["status"].isin(FIXABLE_STATUSES)]
    paths = assets["path"].astype(str)
    expected = result.expected[result.expected["asset"].isin(set(paths))]
    expected = expected[["asset", "index", "name", "confidence"]].sort_values(["asset", "index"], kind="stable")
    grouped = expected.groupby("asset", sort=False)
    tags = _joined_by_asset(expected)
    top = grouped["confidence"].max()
    zero = _joined_by_asset(expected[expected["confidence"].fillna(-1.0) == 0.0])
    custom = pd.Series(dtype="string")
    if "is_custom" in smart_tags.columns and len(expected):
        flagged = smart_tags.loc[smart_tags["is_custom"].fillna(False).astype(bool), ["asset", "name"]]
        flagged = flagged.astype({"asset": "string", "name": "string"}).drop_duplicates()
        hits = expected.astype({"asset": "string", "name": "string"}).merge(flagged, on=["asset", "name"])
        custom = _joined_by_asset(hits)
    to_fix_per_folder = assets["folder"].astype(str).map(assets["folder"].astype(str).value_counts())
    status = assets["status"].astype(str)
    flags = assets.get("stale_flags")
    out = pd.DataFrame({
        "name": assets["name"].astype(str).to_numpy(),
        "folder": pd.Categorical(assets["folder"].astype(str).to_numpy()),
        "status": pd.Categorical(status.to_numpy(), dtype=STATUS_DTYPE),
        "problem": pd.Categorical(status.map(status_words).to_numpy()),
        "reason": pd.array(reasons_in_words(assets["status"], assets["reason"], flags), dtype="string"),
        "tags": paths.map(tags).astype("string").fillna("").to_numpy(),
        "tag_count": paths.map(grouped.size()).fillna(0).astype("int64").to_numpy(),
        "top_confidence": paths.map(top).astype("Float64").to_numpy(),
        "zero_confidence_tags": paths.map(zero).astype("string").fillna("").to_numpy(),
        "custom_tags": paths.map(custom).astype("string").fillna("").to_numpy(),
        "link": [asset_link(client_base_url, p) for p in paths],
        "path": paths.to_numpy(),
        "_rank": status.map(STATUS_RANK).to_numpy(),
        "_folder_impact": to_fix_per_folder.to_numpy(),
        "_folder": assets["folder"].astype(str).to_numpy(),
    })
    out["tag_flags"] = [tag_flag_words(zero, custom)
                        for zero, custom in zip(out["zero_confidence_tags"], out["custom_tags"], strict=True)]
    out = out.sort_values(["_rank", "_folder_impact", "_folder", "top_confidence", "tag_count", "path"],
                          ascending=[True, False, True, False, False, True], na_position="last", kind="stable")
    out.insert(0, "priority", range(1, len(out) + 1))
    return out[FIX_LIST_COLUMNS].reset_index(drop=True)


# -- exports ----------------------------------------------------------------------------------------------


def aem_metadata_csv(result: AuditResult, fixes: pd.DataFrame, tag_property: str | None = None) -> pd.DataFrame:
    """The fix list as AEM's metadata CSV import reads it: ``assetPath`` first. ``dam:predictedTags`` is a
    node of structs, which the import cannot write, so no smart tag column is added unless ``tag_property``
    names a flat multi-value String property to receive the tag names (``name {{String : MULTI}}``, ``|``):
    the names the sync would write, in their order, each one value (a name may hold ", ")."""
    paths = fixes["path"].astype(str)
    frame = pd.DataFrame({"assetPath": paths.to_numpy()})
    if tag_property:
        expected = result.expected[result.expected["asset"].isin(set(paths))]
        expected = expected[["asset", "index", "name"]].sort_values(["asset", "index"], kind="stable")
        per_asset = _names_by_asset(expected)
        names = paths.map(lambda path: per_asset.get(path, []))
        if names.map(lambda items: any(MULTI_VALUE_DELIMITER in n for n in items)).any():
            raise ConfigError(f"A tag name contains '{MULTI_VALUE_DELIMITER}', the import's multi-value "
                              "delimiter: export without a tag column")
        frame[f"{tag_property} {{{{String : MULTI}}}}"] = names.map(MULTI_VALUE_DELIMITER.join).to_numpy()
    return frame


def export_views(result: AuditResult, smart_tags: pd.DataFrame, *, client_base_url: str | None = None,
                 previous: dict[str, Any] | None = None, meta: dict[str, Any] | None = None) -> dict[str, pd.DataFrame]:
    """The views of the Excel export, one sheet each: the summary (the headline's own lines, as
    ``result.summary()`` words them), assets by status, worst folders, fix list, invalid assets, per-tag
    differences of out-of-date nodes."""
    head = headline(result, previous, meta)
    by_status = head.by_status[["label", "assets", "share_pct", "change"]].rename(columns={"label": "status"})
    coverage = pd.DataFrame({"status": ["Coverage % of assets with smart tags"], "assets": [head.tagged],
                             "share_pct": [head.coverage_pct], "change": [head.coverage_change]})
    invalid_rows = result.assets["status"] == "invalid"
    invalid = result.assets.loc[invalid_rows, ["name", "folder", "path"]].assign(reason=result.reasons()[invalid_rows])
    stale = set(result.assets.loc[result.assets["status"] == "stale_xmp", "path"].astype(str))
    tags = result.tags[result.tags["asset"].isin(stale) & (result.tags["change"] != "same")]
    tags = tags.drop(columns=[c for c in ("misnumbered",) if c in tags.columns])
    return {
        "Summary": pd.DataFrame({"Summary": head.to_text_lines()}),
        "By status": pd.concat([coverage, by_status], ignore_index=True).astype({"change": "Float64"}),
        "Worst folders": head.worst_folders,
        "Fix list": fix_list(result, smart_tags, client_base_url),
        "Invalid": invalid[["name", "folder", "reason", "path"]].reset_index(drop=True),
        "Tag differences": tags.reset_index(drop=True),
    }


def _number_formats(sheet: Any, frame: pd.DataFrame) -> None:
    """Counts with thousands separators, percentages with one decimal (as every view shows them)."""
    for position, column in enumerate(frame.columns, start=1):
        dtype = frame[column].dtype
        if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
            continue
        number_format = PERCENT_FORMAT if str(column).endswith("_pct") else \
            COUNT_FORMAT if pd.api.types.is_integer_dtype(dtype) else None
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=2, max_row=len(frame) + 1, min_col=position, max_col=position):
                cell.number_format = number_format


def write_excel(views: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """One sheet per view; every text cell neutralised against formula injection and every character an .xlsx
    cannot hold escaped visibly."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in views.items():
            cells = excel_frame(frame)
            cells.to_excel(writer, sheet_name=name[:31], index=False)
            _number_formats(writer.sheets[name[:31]], cells)
    return path


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """A UTF-8 CSV with every text cell neutralised against formula injection; control characters are kept,
    quoted (``cells.csv_options``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    cells = safe_frame(frame)
    cells.to_csv(path, **csv_options(cells))
    return path


def export_kind(path: str | Path) -> str:
    """What an export file holds, by its extension (``csv``, ``paths``, ``excel``); one ConfigError otherwise."""
    kind = EXPORT_KINDS.get(Path(path).suffix.lower())
    if kind is None:
        raise ConfigError(f"Export {path} must end in .csv (fix list, or AEM metadata import with a tag property), "
                          ".txt (path list) or .xlsx")
    return kind


def export(result: AuditResult, smart_tags: pd.DataFrame, path: str | Path, *, client_base_url: str | None = None,
           previous: dict[str, Any] | None = None, meta: dict[str, Any] | None = None,
           tag_property: str | None = None) -> Path:
    """Export the fix list; the kind follows the extension: ``.csv`` the fix list (its columns, in fix order) —
    or, with ``tag_property``, AEM's metadata import CSV (``assetPath`` and that tag column); ``.txt`` one asset
    path per line (for bulk workflow tools and ``--assets-file``); ``.xlsx`` one sheet per view."""
    path = Path(path)
    kind = export_kind(path)
    if kind == "excel":
        return write_excel(export_views(result, smart_tags, client_base_url=client_base_url, previous=previous,
                                        meta=meta), path)
    fixes = fix_list(result, smart_tags, client_base_url)
    if kind == "csv":
        return write_csv(aem_metadata_csv(result, fixes, tag_property) if tag_property else fixes, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{safe_cell(p)}\n" for p in fixes["path"]), encoding="utf-8")
    return path


def export_names(tag_property: str | None = None) -> tuple[str, ...]:
    """The files ``export_all`` writes, named for what they hold."""
    csv_name = "fix-list-aem-import.csv" if tag_property else "fix-list.csv"
    return csv_name, "fix-list-paths.txt", "audit.xlsx"


def export_all(result: AuditResult, smart_tags: pd.DataFrame, folder: str | Path, *,
               client_base_url: str | None = None, previous: dict[str, Any] | None = None,
               meta: dict[str, Any] | None = None, tag_property: str | None = None) -> list[Path]:
    """All three exports into ``folder`` (``export_names``): the fix list as CSV (``fix-list.csv``; with
    ``tag_property`` AEM's metadata import CSV, ``fix-list-aem-import.csv``), ``fix-list-paths.txt`` and
    ``audit.xlsx``."""
    folder = Path(folder)
    return [export(result, smart_tags, folder / name, client_base_url=client_base_url, previous=previous, meta=meta,
                   tag_property=tag_property) for name in export_names(tag_property)]


def _escaped(value: Any) -> str:
    return "" if value is None or bool(pd.isna(value)) else html.escape(str(value))


def short_words(text: Any, limit: int = SHORT_CELL) -> str:
    """``text`` cut to one short line at a word or list boundary, "…" marking the cut (the rest on demand)."""
    words = "" if text is None or bool(pd.isna(text)) else str(text)
    if len(words) <= limit:
        return words
    cut = max(words.rfind(", ", 0, limit + 2), words.rfind("; ", 0, limit + 2))  # a list item's end first
    if cut <= limit // 2:
        cut = words.rfind(" ", 0, limit + 1)
    return words[:cut if cut > limit // 2 else limit].rstrip(" ,;") + " …"


def _on_demand(text: Any) -> str:
    """A cell of one short line whose whole text shows on hover (``title``)."""
    whole, short = _escaped(text), html.escape(short_words(text))
    return f'<span title="{whole}">{short}</span>' if short != whole else whole


def _folders_under(folders: pd.Series) -> tuple[str, list[str]]:
    """The folder every row is under, and each row's folder below it ("(top folder)" for that folder itself)."""
    values = folders.astype(str).tolist()
    common = posixpath.commonpath(values) if values and all(v.startswith("/") for v in values) else ""
    if len(set(values)) == 1:
        common = posixpath.dirname(values[0])
    return common, [(v[len(common):].lstrip("/") or "(top folder)") if common else v for v in values]


class FixListTable:
    """The fix list as an HTML table for notebooks, reports and the app: one short line per row (the file name a
    link to the asset in AEM with its path on hover, the folder below the one all rows share, reasons, tags and
    flags cut to one line with the whole text on hover); every cell escaped; exports keep every column whole."""

    def __init__(self, fixes: pd.DataFrame, limit: int | None = 25) -> None:
        self.fixes = fixes
        self.limit = limit

    def to_html(self) -> str:
        shown = self.fixes if self.limit is None else self.fixes.head(self.limit)
        under, folders = _folders_under(shown["folder"])
        table = pd.DataFrame({
            "priority": shown["priority"].to_numpy(),
            "name": [f'<a href="{html.escape(link)}" target="_blank" title="{_escaped(path)}">{_escaped(name)}</a>'
                     if link else f'<span title="{_escaped(path)}">{_escaped(name)}</span>'
                     for name, link, path in zip(shown["name"], shown["link"], shown["path"], strict=True)],
            "folder": [_escaped(f) for f in folders],
            "problem": [_escaped(v) for v in shown["problem"]],
            "reason": [_on_demand(v) for v in shown["reason"]],
            "tags": [_on_demand(v) for v in shown["tags"]],
            "tag_count": [count_words(v) for v in shown["tag_count"]],
            "top_confidence": [html.escape(confidence_words(v)) for v in shown["top_confidence"]],
            "tag_flags": [_on_demand(v) for v in shown["tag_flags"]],
        })
        headers = {**TABLE_HEADERS, "folder": f"Folder (under {under})" if under else "Folder"}
        more = len(self.fixes) - len(shown)
        tail = (f"<p>… and {count_words(more)} more (export them all with EXPORT_DIR or <code>--export</code>)</p>"
                if more else "")
        return FIX_LIST_STYLE + table.rename(columns=headers).to_html(index=False, escape=False,
                                                                      classes="xmpaudit-fixlist") + tail

    def _repr_html_(self) -> str:
        return self.to_html()
