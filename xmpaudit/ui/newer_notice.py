"""The "newer numbers" line of a page: polls its session's ``newer_elsewhere()`` on a timer thread and shows the
line with a Refresh button, hidden while nothing is newer."""

from __future__ import annotations

import html
import logging
import threading
from collections.abc import Callable, Collection
from typing import Any

log = logging.getLogger(__name__)


class NewerNotice:
    """``NewerNotice(session, on_refresh, interval)``: ``.widget`` to place on the page; ``check()`` looks now;
    ``close()`` stops the timer. ``on_refresh`` is called (on the widget's thread) by the Refresh button. With
    ``ask_aem`` each look also asks AEM for a count of assets modified since (one QueryBuilder request)."""

    def __init__(self, session: Any, on_refresh: Callable[[], None], interval: float = 10.0, *,
                 ask_aem: bool = False, own_runs: Callable[[], Collection[str]] = tuple,
                 paused: Callable[[], bool] = lambda: False) -> None:
        import ipywidgets as w

        self.session, self.on_refresh, self.interval, self.ask_aem = session, on_refresh, interval, ask_aem
        self.own_runs = own_runs  # the page's own writes (the journal's run ids): it shows them already
        self.paused = paused  # the page is writing (its run id not known yet): no look until it is done
        self.label = w.HTML()
        self.button = w.Button(description="Refresh", button_style="warning", tooltip="read what changed and audit")
        self.button.on_click(lambda _: self.refresh())
        self.widget = w.HBox([self.label, self.button], layout=w.Layout(display="none", align_items="center"))
        self.widget.add_class("xmpaudit-newer")
        self.line: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="xmpaudit-newer", daemon=True)
        self._thread.start()

    def check(self) -> str | None:
        """Look now: show the line (or hide it) and return it."""
        try:
            line = self.session.newer_elsewhere(ask_aem=self.ask_aem, own_runs=self.own_runs())
        except Exception as exc:  # a damaged local file must not stop the page: nothing shown, logged
            log.warning("newer numbers could not be checked: %s", exc)
            line = None
        self.line = line
        self.label.value = "" if line is None else f"<b>{html.escape(line)}</b>"
        self.widget.layout.display = "none" if line is None else "flex"
        return line

    def refresh(self) -> None:
        """The button: hide the line and ask the page to refresh."""
        self.widget.layout.display = "none"
        self.on_refresh()

    def close(self) -> None:
        self._stop.set()

    def _poll(self) -> None:
        while not self._stop.wait(self.interval):
            if not self.paused():
                self.check()
