"""Audit reports for people who do not open notebooks: HTML (with plots), CSV and Excel."""

from __future__ import annotations

import base64
import html
import io
from datetime import datetime, timezone
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from . import plots
from .audit import AuditResult
from .errors import ConfigError
from .snapshot import Snapshot

ASSET_REPORT_COLUMNS = ["path", "folder", "status", "reason", "smart_tag_count", "expected_count", "xmp_item_count"]
FORMATS = {".html": "html", ".htm": "html", ".csv": "csv", ".xlsx": "excel"}


def _figure_png(result: AuditResult, snapshot: Snapshot) -> bytes:
    figure = plots.audit_dashboard(result, snapshot.smart_tags)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    plt.close(figure)
    return buffer.getvalue()


def write_report(result: AuditResult, snapshot: Snapshot, path: str | Path) -> Path:
    """Write the report; the format follows the extension (.html, .csv, .xlsx)."""
    path = Path(path)
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise ConfigError(f"Report {path} must end in .html, .csv or .xlsx")
    path.parent.mkdir(parents=True, exist_ok=True)
    assets = result.assets[ASSET_REPORT_COLUMNS]
    if kind == "csv":
        assets.to_csv(path, index=False)
    elif kind == "excel":
        _excel(result, snapshot, assets, path)
    else:
        path.write_text(_html(result, snapshot, assets), encoding="utf-8")
    return path


def _excel(result: AuditResult, snapshot: Snapshot, assets: pd.DataFrame, path: Path) -> None:
    from openpyxl.drawing.image import Image as XlImage

    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        result.counts().to_frame("assets").to_excel(writer, sheet_name="Summary")
        result.coverage().to_excel(writer, sheet_name="Coverage")
        assets.to_excel(writer, sheet_name="Assets", index=False)
        changed = result.tags[result.tags["change"] != "same"].drop(columns=["misnumbered"])
        changed.astype({"change": "string"}).to_excel(writer, sheet_name="Tag differences", index=False)
        sheet = writer.book.create_sheet("Plots")
        sheet.add_image(XlImage(io.BytesIO(_figure_png(result, snapshot))), "A1")


def _html(result: AuditResult, snapshot: Snapshot, assets: pd.DataFrame) -> str:
    image = base64.b64encode(_figure_png(result, snapshot)).decode("ascii")
    attention = assets[~assets["status"].isin(["in_sync", "written_back", "no_smart_tags"])]
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    source = html.escape(f"{snapshot.meta.get('source', '')}{snapshot.meta.get('root', '')}")
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>xmpaudit report</title>
<style>body{{font-family:sans-serif;margin:2em}} table{{border-collapse:collapse;font-size:13px}}
td,th{{border:1px solid #ccc;padding:3px 6px}} th{{background:#eee}} img{{max-width:100%}}</style></head><body>
<h1>Smart tags → XMP audit</h1>
<p>{source} · snapshot {html.escape(str(snapshot.meta.get('taken_at', '')))} · report {when}</p>
<p>ACS process arguments: <code>{html.escape(result.arguments.to_process_args()).replace(chr(10), ' · ')}</code></p>
<h2>Summary</h2>{result.counts().to_frame("assets").to_html()}
<h2>Coverage per folder</h2>{result.coverage().to_html()}
<h2>Plots</h2><img alt="audit plots" src="data:image/png;base64,{image}">
<h2>Assets that need attention ({len(attention)})</h2>{attention.to_html(index=False, na_rep="")}
</body></html>"""
