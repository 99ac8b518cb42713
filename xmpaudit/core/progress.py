"""Progress reporting: tqdm bars in notebooks and terminals, or a callback for widgets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ProgressCallback = Callable[[int, int | None], None]


class Progress:
    """Counts work done; drives a tqdm bar (``show=True``) and/or a ``callback(done, total)``."""

    def __init__(self, total: int | None, desc: str, *, show: bool = True,
                 callback: ProgressCallback | None = None, unit: str = "asset") -> None:
        self.total = total
        self.done = 0
        self.callback = callback
        self._bar: Any = None
        if show:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=total, desc=desc, unit=unit, leave=True)

    def set_total(self, total: int | None) -> None:
        self.total = total
        if self._bar is not None and total is not None:
            self._bar.total = total
            self._bar.refresh()

    def advance(self, count: int = 1) -> None:
        self.done += count
        if self._bar is not None:
            self._bar.update(count)
        if self.callback is not None:
            self.callback(self.done, self.total)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
