"""core/progress.py: a live bar only on a terminal (or in a notebook); one plain line per stage otherwise."""

from __future__ import annotations

import io
import sys

from xmpaudit.core.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_without_a_terminal_each_stage_is_one_plain_line(monkeypatch):
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    seen = []
    with Progress(None, "Inventory /content/dam/a", callback=lambda done, total: seen.append(done)) as progress:
        progress.set_total(3)
        progress.advance(2)
        progress.advance()
    progress.close()  # closing twice still writes one line
    with Progress(1, "XMP writeback", unit="workflow") as progress:
        progress.advance()
    assert sys.stderr.getvalue() == "Inventory /content/dam/a: 3 assets\nXMP writeback: 1 workflow\n"
    assert seen == [2, 3]


def test_on_a_terminal_a_live_bar(monkeypatch):
    monkeypatch.setattr(sys, "stderr", Terminal())
    with Progress(2, "Sync 2 assets") as progress:
        progress.advance(2)
    shown = sys.stderr.getvalue()
    assert "\r" in shown and "Sync 2 assets" in shown and "2/2" in shown


def test_show_false_shows_nothing(monkeypatch):
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with Progress(2, "Sync", show=False) as progress:
        progress.advance(2)
    assert sys.stderr.getvalue() == ""
