"""The prioritised fix list (what to fix first, in words, with links into AEM) and its exports: AEM metadata
CSV, a plain path list and an Excel workbook with one sheet per view — every cell safe from formula injection.

Order (what to fix first): XMP missing, then out of date, then XMP left without smart tags (a missing node hides
the asset from every XMP-based search; a stale one is wrong; an orphan only carries old tags); within a status,
folders with the most assets to fix first (one bulk sync fixes most), then the most confident tags first (the
most valuable for search), then more tags first, then by path."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd

from xmpaudit.audit.headline import headline
from xmpaudit.audit.result import AuditResult
from xmpaudit.core.cells import safe_cell, safe_frame
from xmpaudit.core.errors import ConfigError
from xmpaudit.core.statuses import FIXABLE_STATUSES, reason_words, status_words

FIX_LIST_COLUMNS = ["priority", "name", "folder", "status", "problem", "reason", "tags", "tag_count",
                    "top_confidence", "tag_flags", "zero_confidence_tags", "custom_tags", "link", "path"]
STATUS_RANK = {status: rank for rank, status in enumerate(FIXABLE_STATUSES)}
EXPORT_KINDS = {".csv": "aem_csv", ".txt": "paths", ".xlsx": "excel"}
ASSET_DETAILS = "/assetdetails.html"
MULTI_VALUE_DELIMITER = "|"


def asset_link(base_url: str | None, path: str) -> str | None:
    """The asset's page in AEM's Assets UI (6.5 and AEMaaCS: ``/assetdetails.html<path>``)."""
    return None if not base_url else base_url.rstrip("/") + ASSET_DETAILS + quote(path, safe="/")


def _joined_by_asset(frame: pd.DataFrame) -> pd.Series:
    """Tag names joined with ", " per asset, in the frame's order (one pass; groupby-agg is slow at 100k)."""
    joined: dict[str, list[str]] = {}
    for asset, name in zip(frame["asset"].to_numpy(object), frame["name"].to_numpy(object), strict=True):
        joined.setdefault(asset, []).append(str(name))
    return pd.Series({asset: ", ".join(names) for asset, names in joined.items()}, dtype=object)


def _reasons_in_words(status: pd.Series, reason: pd.Series) -> list[str]:
    cache: dict[tuple[str, Any], str] = {}
    out = []
    for key in zip(status.to_numpy(object), reason.astype(object).to_numpy(object), strict=True):
        if key not in cache:
            cache[key] = reason_words(*key)
        out.append(cache[key])
    return out


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
    out = pd.DataFrame({
        "name": assets["name"].astype(str).to_numpy(),
        "folder": assets["folder"].astype(str).to_numpy(),
        "status": status.to_numpy(),
        "problem": status.map(status_words).to_numpy(),
        "reason": _reasons_in_words(status, assets["reason"]),
        "tags": paths.map(tags).astype("string").fillna("").to_numpy(),
        "tag_count": paths.map(grouped.size()).fillna(0).astype("int64").to_numpy(),
        "top_confidence": paths.map(top).astype("Float64").to_numpy(),
        "zero_confidence_tags": paths.map(zero).astype("string").fillna("").to_numpy(),
        "custom_tags": paths.map(custom).astype("string").fillna("").to_numpy(),
        "link": [asset_link(client_base_url, p) for p in paths],
        "path": paths.to_numpy(),
        "_rank": status.map(STATUS_RANK).to_numpy(),
        "_folder_impact": to_fix_per_folder.to_numpy(),
    })
    out["tag_flags"] = [tag_flag_words(zero, custom)
                        for zero, custom in zip(out["zero_confidence_tags"], out["custom_tags"], strict=True)]
    out = out.sort_values(["_rank", "_folder_impact", "folder", "top_confidence", "tag_count", "path"],
                          ascending=[True, False, True, False, False, True], na_position="last", kind="stable")
    out.insert(0, "priority", range(1, len(out) + 1))
    return out[FIX_LIST_COLUMNS].reset_index(drop=True)


# -- exports ----------------------------------------------------------------------------------------------


def aem_metadata_csv(fixes: pd.DataFrame, tag_property: str | None = None) -> pd.DataFrame:
    """The fix list as AEM's metadata CSV import reads it: ``assetPath`` first. ``dam:predictedTags`` is a
    node of structs, which the import cannot write, so no smart tag column is added unless ``tag_property``
    names a flat multi-value String property to receive the tag names (``name {{String : MULTI}}``, ``|``)."""
    frame = pd.DataFrame({"assetPath": fixes["path"].astype(str).to_numpy()})
    if tag_property:
        names = fixes["tags"].fillna("").astype(str).str.split(", ")
        if names.map(lambda items: any(MULTI_VALUE_DELIMITER in n for n in items)).any():
            raise ConfigError(f"A tag name contains '{MULTI_VALUE_DELIMITER}', the import's multi-value "
                              "delimiter: export without a tag column")
        frame[f"{tag_property} {{{{String : MULTI}}}}"] = names.map(MULTI_VALUE_DELIMITER.join).to_numpy()
    return frame


def export_views(result: AuditResult, smart_tags: pd.DataFrame, *, client_base_url: str | None = None,
                 previous: dict[str, Any] | None = None, meta: dict[str, Any] | None = None) -> dict[str, pd.DataFrame]:
    """The views of the Excel export, one sheet each: summary, worst folders, fix list, invalid assets,
    per-tag differences of out-of-date nodes."""
    head = headline(result, previous, meta)
    summary = head.by_status[["label", "assets", "share_pct", "change"]].rename(columns={"label": "status"})
    coverage = pd.DataFrame({"status": ["Coverage % of assets with smart tags"], "assets": [head.tagged],
                             "share_pct": [head.coverage_pct], "change": [head.coverage_change]})
    invalid = result.assets.loc[result.assets["status"] == "invalid", ["name", "folder", "reason", "path"]]
    stale = set(result.assets.loc[result.assets["status"] == "stale_xmp", "path"].astype(str))
    tags = result.tags[result.tags["asset"].isin(stale) & (result.tags["change"] != "same")]
    tags = tags.drop(columns=[c for c in ("misnumbered",) if c in tags.columns]).astype({"change": "string"})
    return {
        "Summary": pd.concat([coverage, summary], ignore_index=True),
        "Worst folders": head.worst_folders,
        "Fix list": fix_list(result, smart_tags, client_base_url),
        "Invalid": invalid.reset_index(drop=True),
        "Tag differences": tags.reset_index(drop=True),
    }


def write_excel(views: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """One sheet per view; every text cell neutralised against formula injection."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in views.items():
            safe_frame(frame).to_excel(writer, sheet_name=name[:31], index=False)
    return path


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """A UTF-8 CSV with every text cell neutralised against formula injection."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    safe_frame(frame).to_csv(path, index=False, encoding="utf-8")
    return path


def export(result: AuditResult, smart_tags: pd.DataFrame, path: str | Path, *, client_base_url: str | None = None,
           previous: dict[str, Any] | None = None, meta: dict[str, Any] | None = None,
           tag_property: str | None = None) -> Path:
    """Export the fix list; the kind follows the extension: ``.csv`` AEM metadata import CSV, ``.txt`` one asset
    path per line (for bulk workflow tools and ``--assets-file``), ``.xlsx`` one sheet per view."""
    path = Path(path)
    kind = EXPORT_KINDS.get(path.suffix.lower())
    if kind is None:
        raise ConfigError(f"Export {path} must end in .csv (AEM metadata import), .txt (path list) or .xlsx")
    if kind == "excel":
        return write_excel(export_views(result, smart_tags, client_base_url=client_base_url, previous=previous,
                                        meta=meta), path)
    fixes = fix_list(result, smart_tags, client_base_url)
    if kind == "aem_csv":
        return write_csv(aem_metadata_csv(fixes, tag_property), path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{safe_cell(p)}\n" for p in fixes["path"]), encoding="utf-8")
    return path


def export_all(result: AuditResult, smart_tags: pd.DataFrame, folder: str | Path, *,
               client_base_url: str | None = None, previous: dict[str, Any] | None = None,
               meta: dict[str, Any] | None = None) -> list[Path]:
    """All three exports into ``folder``: ``fix-list-aem-import.csv``, ``fix-list-paths.txt``, ``audit.xlsx``."""
    folder = Path(folder)
    return [export(result, smart_tags, folder / name, client_base_url=client_base_url, previous=previous, meta=meta)
            for name in ("fix-list-aem-import.csv", "fix-list-paths.txt", "audit.xlsx")]


def _escaped(value: Any) -> str:
    return "" if value is None or bool(pd.isna(value)) else html.escape(str(value))


class FixListTable:
    """The fix list as an HTML table for notebooks and reports: every cell escaped, the file name a link to
    the asset in AEM."""

    HIDDEN = ("link", "status", "zero_confidence_tags", "custom_tags")

    def __init__(self, fixes: pd.DataFrame, limit: int | None = 25) -> None:
        self.fixes = fixes
        self.limit = limit

    def to_html(self) -> str:
        shown = self.fixes if self.limit is None else self.fixes.head(self.limit)
        table = shown.drop(columns=[c for c in self.HIDDEN if c in shown.columns]).copy()
        for column in table.columns:
            if column != "priority":
                table[column] = table[column].astype(object).map(_escaped)
        table["name"] = [f'<a href="{html.escape(link)}" target="_blank">{html.escape(str(name))}</a>' if link else
                         html.escape(str(name)) for name, link in zip(shown["name"], shown["link"], strict=True)]
        more = len(self.fixes) - len(shown)
        tail = f"<p>… and {more} more (export them all with EXPORT_DIR or <code>--export</code>)</p>" if more else ""
        return table.to_html(index=False, escape=False) + tail

    def _repr_html_(self) -> str:
        return self.to_html()
