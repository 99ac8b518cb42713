"""The panel's confirm step: a previewed writeback or undo waits here; Confirm carries out exactly that."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ipywidgets as w

from xmpaudit.core.errors import XmpAuditError


def no_check(_force: bool) -> None:
    """A pending write with nothing to accept first."""


@dataclass(frozen=True)
class Pending:
    """A previewed write: what it is (``kind``, ``payload``), the check run on Confirm (``check(force)`` raises
    to refuse, keeping the preview) and how to start it."""

    kind: str
    payload: Any
    start: Callable[[], None]
    check: Callable[[bool], None] = no_check


class ConfirmStep:
    """The Confirm button and the tick box accepting pre-flight warnings. ``arm`` offers a previewed write,
    ``cancel`` withdraws it (any change of selection or a new preview does), ``confirm`` starts it."""

    def __init__(self, button: w.Button, force_box: w.Checkbox, is_busy: Callable[[], bool]) -> None:
        self.button = button
        self.force_box = force_box
        self.is_busy = is_busy
        self.pending: Pending | None = None
        force_box.observe(lambda _c: self.update(), names="value")

    def arm(self, pending: Pending, label: str, *, needs_force: bool = False) -> None:
        """Show Confirm (labelled ``label``, which always says how many assets) for a previewed write; with
        ``needs_force`` it stays disabled until the pre-flight warnings are accepted with the tick box."""
        self.pending = pending
        self.button.description = label
        self.button.tooltip = label
        self.button.layout.display = None
        self.force_box.value = False
        self.force_box.layout.display = None if needs_force else "none"
        self.update()

    def cancel(self) -> None:
        self.pending = None
        self.button.layout.display = "none"
        self.force_box.layout.display = "none"
        self.force_box.value = False

    def update(self) -> None:
        """Confirm is clickable only with a write pending, no job running and the warnings accepted if needed."""
        needs_force = self.force_box.layout.display != "none"
        self.button.disabled = self.is_busy() or self.pending is None or (needs_force and not self.force_box.value)

    def confirm(self) -> None:
        """Carry out the previewed write (its check first: a refusal keeps the preview)."""
        pending = self.pending
        if pending is None:
            raise XmpAuditError("Nothing previewed to confirm")
        pending.check(bool(self.force_box.value))
        self.cancel()
        pending.start()
