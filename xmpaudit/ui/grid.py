"""The panel's table: the fix-list frame it shows, status colours and words, and a paged grid whose row widgets
are created once and re-filled on every refresh (no widget is created after construction)."""

from __future__ import annotations

import html
import os
from collections.abc import Callable

import ipywidgets as w
import pandas as pd

from xmpaudit.aem.asset_links import asset_link
from xmpaudit.audit.fixlist import fix_list
from xmpaudit.audit.result import AuditResult
from xmpaudit.core.number_words import confidence_words
from xmpaudit.core.statuses import STATUS_BADGES, STATUS_COLOURS, STATUS_DTYPE, status_words

# The plots' Okabe-Ito colours and the headline's status words, each badge with a symbol and a text colour, so
# colour is never the only cue and every view names a status the same way (one row per status in STATUS_TABLE).
BADGE_TEXT_AND_SYMBOL = STATUS_BADGES
TOP_CONFIDENCE_HELP = ("<b>Top confidence</b>: the highest confidence AEM's smart tagging gave any of the asset's "
                       "tags (0–1). Low values mean the tags are guesses; with a tag chosen, the range applies to that "
                       "tag's confidence instead.")
FIX_COLUMNS = ["path", "name", "folder", "status", "reason", "tags", "top_confidence", "link"]


def status_badge(status: str, *, wrap: bool = False) -> str:
    """A status as a coloured badge with a symbol and words (HTML); with ``wrap`` its words wrap inside a narrow
    column instead of running over the next one (the grid), else they stay on one line (tables size to them)."""
    background = STATUS_COLOURS.get(status, "#eeeeee")
    foreground, symbol = BADGE_TEXT_AND_SYMBOL.get(status, ("black", "?"))
    words = status_words(status)
    fit = ("display:inline-block;max-width:100%;box-sizing:border-box;white-space:normal" if wrap
           else "white-space:nowrap")
    return (f"<span style='background:{background};color:{foreground};padding:1px 5px;border-radius:3px;{fit}'>"
            f"{symbol} {html.escape(words)}</span>")


# The panel lists every audited asset (in-sync ones too, so a librarian sees what is fine); ``fixlist.fix_list``
# is the prioritised subset of fixable assets: the panel starts with them, in that order.
def local_fix_frame(result: AuditResult, smart_tags: pd.DataFrame | None, base_url: str) -> pd.DataFrame:
    """One row per audited asset, indexed by path, in fix-priority order (the fix list's, then every other
    asset in audit order): full name, folder, status, reason in words, tags (in stored order), top confidence
    and a link to AEM."""
    assets = result.assets
    frame = pd.DataFrame({"path": assets["path"].astype(str).to_numpy(), "name": assets["name"].astype(str).to_numpy(),
                          "folder": assets["folder"].astype(str).to_numpy(),
                          "status": pd.Categorical(assets["status"].astype(str).to_numpy(), dtype=STATUS_DTYPE),
                          "reason": result.reasons().to_numpy(dtype=object)})
    frame.index = pd.Index(frame["path"], name=None)
    tags = smart_tags if smart_tags is not None else result.expected
    named = tags[tags["name"].notna()]
    stored = named.sort_values(["asset_id", "order" if "order" in named else "index"], kind="stable")
    names = stored.astype({"asset": object, "name": str}).groupby("asset", sort=False)["name"]
    frame["tags"] = names.agg(", ".join).reindex(frame.index).fillna("")
    frame["top_confidence"] = named.groupby("asset", observed=True)["confidence"].max().reindex(frame.index).astype(
        float)
    frame["link"] = [asset_link(base_url, p) for p in frame["path"]]
    first = fix_list(result, smart_tags if smart_tags is not None else result.expected)["path"]
    order = pd.Index(first).append(frame.index.difference(first, sort=False))
    return frame.loc[order, FIX_COLUMNS]


class PagedGrid:
    """A paged, sortable table with a checkbox per row. ``show(frame)`` re-fills the same row widgets."""

    # (key, title, share of the width, narrowest in px): header buttons and row cells grow by the same shares
    # from 0 px with the same gap, so they line up at any width; text wraps inside its column, never over the next
    COLUMNS = (("name", "File name", 19, 110), ("folder", "Folder", 14, 70), ("status", "Status", 14, 110),
               ("reason", "Reason", 21, 110), ("tags", "Tags", 18, 80), ("top_confidence", "Top conf.", 9, 90),
               ("link", "AEM", 6, 52))
    GAP = "6px"
    SORTABLE = ("name", "folder", "status", "reason", "top_confidence")

    def __init__(self, page_size: int, is_selected: Callable[[str], bool],
                 on_toggle: Callable[[list[str], bool], None]) -> None:
        self.page_size = page_size
        self.is_selected = is_selected
        self.on_toggle = on_toggle
        self.frame = pd.DataFrame(columns=FIX_COLUMNS)
        self.common_folder = ""
        self.page = 0
        self.sort_by: str | None = None
        self.ascending = True
        self._filling = False
        self._paths: list[str | None] = [None] * page_size
        self.page_box = w.Checkbox(value=False, indent=False, tooltip="select this page",
                                   layout=w.Layout(width="28px", flex="none"))
        self.page_box.observe(self._on_page_box, names="value")
        self.headers: dict[str, w.Button] = {}
        header_cells: list[w.Widget] = [self.page_box]
        for key, title, share, narrowest in self.COLUMNS:
            column = w.Layout(flex=f"{share} 1 0px", width="auto", min_width=f"{narrowest}px",
                              margin=f"0 {self.GAP} 0 0")
            button = w.Button(description=title, layout=column,
                              tooltip=f"sort by {title.lower()}" if key in self.SORTABLE else "",
                              disabled=key not in self.SORTABLE)
            button.on_click(lambda _b, k=key: self.sort(k))
            button.add_class("xmpaudit-sort")
            self.headers[key] = button
            header_cells.append(button)
        self.checkboxes = [w.Checkbox(value=False, indent=False, layout=w.Layout(width="28px", flex="none"))
                           for _ in range(page_size)]
        self.cells = [w.HTML(layout=w.Layout(flex="1 1 auto", margin="0", min_width="0")) for _ in range(page_size)]
        self.rows = [w.HBox([box, cell], layout=w.Layout(width="100%", align_items="flex-start"))
                     for box, cell in zip(self.checkboxes, self.cells, strict=True)]
        for slot, box in enumerate(self.checkboxes):
            box.observe(lambda change, s=slot: self._on_check(s, change["new"]), names="value")
            box.add_class("xmpaudit-row-check")
        for row in self.rows:
            row.add_class("xmpaudit-row")
        self.first = w.Button(description="|◀", layout=w.Layout(width="40px"), tooltip="first page")
        self.prev = w.Button(description="◀", layout=w.Layout(width="40px"), tooltip="previous page")
        self.next = w.Button(description="▶", layout=w.Layout(width="40px"), tooltip="next page")
        self.last = w.Button(description="▶|", layout=w.Layout(width="40px"), tooltip="last page")
        for button, step in ((self.first, -10**12), (self.prev, -1), (self.next, 1), (self.last, 10**12)):
            button.on_click(lambda _b, s=step: self.turn(s))
        self.page_label = w.Label()
        self.page_label.add_class("xmpaudit-page")
        self.widget = w.VBox([w.HBox(header_cells, layout=w.Layout(width="100%")), *self.rows,
                              w.HBox([self.first, self.prev, self.page_label, self.next, self.last])])
        self.widget.add_class("xmpaudit-grid")

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.frame) // self.page_size))

    def show(self, frame: pd.DataFrame, *, keep_page: bool = False) -> None:
        """Show ``frame`` (already filtered), sorted by the chosen column."""
        if self.sort_by is not None:
            frame = frame.sort_values(self.sort_by, ascending=self.ascending, kind="stable", na_position="last")
        self.frame = frame
        self.page = min(self.page, self.pages - 1) if keep_page else 0
        self.fill()

    def set_root(self, folders: pd.Series) -> None:
        """Folders are shown relative to the common ancestor of all audited folders."""
        unique = folders.dropna().unique().tolist()
        self.common_folder = os.path.commonpath(unique) if unique else ""

    def sort(self, column: str) -> None:
        self.ascending = not self.ascending if self.sort_by == column else column != "top_confidence"
        self.sort_by = column
        for key, title, *_ in self.COLUMNS:
            mark = (" ▲" if self.ascending else " ▼") if key == column else ""
            self.headers[key].description = title + mark
        self.show(self.frame)

    def turn(self, step: int) -> None:
        self.page = min(max(0, self.page + step), self.pages - 1)
        self.fill()

    def page_paths(self) -> list[str]:
        return [p for p in self._paths if p is not None]

    def fill(self) -> None:
        """Write the current page into the row widgets."""
        start = self.page * self.page_size
        shown = self.frame.iloc[start:start + self.page_size]
        self._filling = True
        try:
            for slot in range(self.page_size):
                if slot < len(shown):
                    row = shown.iloc[slot]
                    self._paths[slot] = str(row["path"])
                    self.checkboxes[slot].value = self.is_selected(str(row["path"]))
                    self.cells[slot].value = self._row_html(row)
                    self.rows[slot].layout.display = None
                else:
                    self._paths[slot] = None
                    self.checkboxes[slot].value = False
                    self.rows[slot].layout.display = "none"
            paths = self.page_paths()
            self.page_box.value = bool(paths) and all(self.is_selected(p) for p in paths)
        finally:
            self._filling = False
        last = start + len(shown)
        self.page_label.value = (f"rows {start + 1 if len(shown) else 0:,}–{last:,} of {len(self.frame):,}"
                                 f" · page {self.page + 1:,} of {self.pages:,}")

    def _row_html(self, row: pd.Series) -> str:
        sizes = {key: (share, narrowest) for key, _, share, narrowest in self.COLUMNS}
        folder = str(row["folder"])[len(self.common_folder):].lstrip("/") or "/"
        confidence = confidence_words(row["top_confidence"])
        cells = {
            "name": f"<span title='{html.escape(str(row['path']))}'>{html.escape(str(row['name']))}</span>",
            "folder": html.escape(folder),
            "status": status_badge(str(row["status"]), wrap=True),
            "reason": html.escape(str(row["reason"])),
            "tags": html.escape(str(row["tags"])),
            "top_confidence": confidence,
            "link": "" if pd.isna(row["link"]) else
            f"<a href='{html.escape(str(row['link']))}' target='_blank' rel='noopener'>open</a>",
        }
        spans = "".join(f"<span class='xmpaudit-col-{key}' style='flex:{sizes[key][0]} 1 0px;min-width:"
                        f"{sizes[key][1]}px;margin-right:{self.GAP};overflow-wrap:anywhere;white-space:normal'>"
                        f"{cells[key]}</span>" for key in cells)
        return (f"<div style='display:flex;width:100%;line-height:20px;padding:4px 0;border-bottom:1px solid #eee'>"
                f"{spans}</div>")

    def _on_check(self, slot: int, value: bool) -> None:
        path = self._paths[slot]
        if self._filling or path is None:
            return
        self.on_toggle([path], value)

    def _on_page_box(self, change: dict) -> None:
        if self._filling:
            return
        self.on_toggle(self.page_paths(), bool(change["new"]))
        self.fill()
