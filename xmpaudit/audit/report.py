"""Audit reports for people who do not open notebooks: HTML (summary first, with plots), CSV and Excel; every
spreadsheet cell is neutralised against formula injection."""

from __future__ import annotations

import base64
import html
import io
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from xmpaudit.audit.fixlist import FixListTable, export_views, fix_list, write_csv, write_excel
from xmpaudit.audit.headline import headline
from xmpaudit.audit.result import AuditResult
from xmpaudit.audit.tables import table_html
from xmpaudit.core.dates import moment_words
from xmpaudit.core.errors import ConfigError
from xmpaudit.core.number_words import count_words
from xmpaudit.read.snapshot import Snapshot

ASSET_REPORT_COLUMNS = ["path", "folder", "status", "reason", "smart_tag_count", "expected_count", "xmp_item_count"]
FORMATS = {".html": "html", ".htm": "html", ".csv": "csv", ".xlsx": "excel"}


def asset_rows(result: AuditResult) -> pd.DataFrame:
    """Every audited asset with its status and the reason in words (as the fix list and the panel word it)."""
    return result.assets[ASSET_REPORT_COLUMNS].assign(reason=result.reasons())


def _figure_png(result: AuditResult, snapshot: Snapshot) -> bytes:
    import matplotlib.pyplot as plt  # here: an audit without an HTML or Excel report draws nothing

    from xmpaudit.audit import plots

    figure = plots.audit_dashboard(result, snapshot.smart_tags, root=snapshot.meta.get("root"))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    plt.close(figure)
    return buffer.getvalue()


def write_report(result: AuditResult, snapshot: Snapshot, path: str | Path, *,
                 previous: dict[str, Any] | None = None) -> Path:
    """Write the report; the format follows the extension (.html, .csv, .xlsx). ``previous``: counts of the
    snapshot before, for the change since then."""
    path = Path(path)
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise ConfigError(f"Report {path} must end in .html, .csv or .xlsx")
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "csv":
        write_csv(asset_rows(result), path)
    elif kind == "excel":
        _excel(result, snapshot, path, previous)
    else:
        path.write_text(_html(result, snapshot, previous), encoding="utf-8")
    return path


def _excel(result: AuditResult, snapshot: Snapshot, path: Path, previous: dict[str, Any] | None) -> None:
    from openpyxl import load_workbook
    from openpyxl.drawing.image import Image as XlImage

    base = snapshot.meta.get("source") or None
    views = export_views(result, snapshot.smart_tags, client_base_url=base, previous=previous, meta=snapshot.meta)
    views["Assets"] = asset_rows(result)
    write_excel(views, path)
    book = load_workbook(path)
    book.create_sheet("Plots").add_image(XlImage(io.BytesIO(_figure_png(result, snapshot))), "A1")
    book.save(path)


def _markdown_html(text: str) -> str:
    """The headline's small markdown (bold, bullets) as HTML."""
    out, in_list = [], False
    for line in text.splitlines():
        escaped = html.escape(line)
        while "**" in escaped:
            escaped = escaped.replace("**", "<b>", 1).replace("**", "</b>", 1)
        if escaped.startswith("- "):
            out.append(("" if in_list else "<ul>") + f"<li>{escaped[2:]}</li>")
            in_list = True
            continue
        if in_list:
            out.append("</ul>")
            in_list = False
        out.append(f"<p>{escaped}</p>" if escaped else "")
    return "\n".join(out + (["</ul>"] if in_list else []))


def _html(result: AuditResult, snapshot: Snapshot, previous: dict[str, Any] | None) -> str:
    image = base64.b64encode(_figure_png(result, snapshot)).decode("ascii")
    head = headline(result, previous, snapshot.meta)
    base = snapshot.meta.get("source") or None
    fixes = fix_list(result, snapshot.smart_tags, base)
    invalid_rows = result.assets["status"] == "invalid"
    invalid = result.assets.loc[invalid_rows, ["path"]].assign(reason=result.reasons()[invalid_rows])
    when = moment_words(datetime.now(timezone.utc))
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>xmpaudit report</title>
<style>body{{font-family:sans-serif;margin:2em}} table{{border-collapse:collapse;font-size:13px}}
td,th{{border:1px solid #ccc;padding:3px 6px}} th{{background:#eee}} img{{max-width:100%}}</style></head><body>
<h1>Smart tags → XMP audit</h1>
<section id="summary">{_markdown_html(head.to_markdown())}</section>
<p>Report {when} · ACS process arguments:
<code>{html.escape(result.arguments.to_process_args()).replace(chr(10), ' · ')}</code></p>
<h2>Assets by status</h2>{table_html(head.by_status, hide=["status"])}
<h2>Coverage per folder, worst first</h2>{table_html(head.worst_folders)}
<h2>Plots</h2><img alt="audit plots" src="data:image/png;base64,{image}">
<h2>What to fix first ({count_words(len(fixes))})</h2>{FixListTable(fixes, limit=None).to_html()}
<h2>Invalid assets ({count_words(len(invalid))})</h2>{table_html(invalid)}
</body></html>"""
