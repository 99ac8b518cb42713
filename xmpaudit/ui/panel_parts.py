"""What the panel's actions share: the connection, the journal, the data, the view, the worker, the confirm step
and the record of the panel's own writes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from xmpaudit.aem.client import AemClient
from xmpaudit.ui.background import BackgroundWorker
from xmpaudit.ui.panel_confirm import ConfirmStep
from xmpaudit.ui.panel_data import PanelData
from xmpaudit.ui.panel_view import PanelView
from xmpaudit.write.journal import Journal

KEPT_RESULTS = 10  # outcome frames kept for scripts (``panel.results``): the latest, not every run's


@dataclass
class PanelWrites:
    """What this panel wrote: the assets its syncs applied, those a writeback carried into the file, its runs, and
    the outcome frames of its latest writes (at most ``KEPT_RESULTS``, so a long session does not keep them all)."""

    synced: list[str] = field(default_factory=list)
    written_back: set[str] = field(default_factory=set)
    results: list[pd.DataFrame] = field(default_factory=list)
    runs: set[str] = field(default_factory=set)  # the journal's run ids of this panel's writes

    def keep(self, outcomes: pd.DataFrame, run: str) -> None:
        self.runs.add(run)
        self.results.append(outcomes)
        del self.results[:-KEPT_RESULTS]


@dataclass
class PanelParts:
    """The parts every action works with. ``rows_changed()`` shows the table again after an action changed it;
    ``changed(action, outcome)`` tells the panel's ``on_change`` callbacks."""

    client: AemClient
    journal: Journal
    data: PanelData
    view: PanelView
    worker: BackgroundWorker
    confirm: ConfirmStep
    rows_changed: Callable[[], None]
    changed: Callable[[str, Any], None]
    args_from_aem: Callable[[], bool] = lambda: False  # the arguments were read from AEM: writes check them again
    writes: PanelWrites = field(default_factory=PanelWrites)
