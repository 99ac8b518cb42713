"""Progress reporting: tqdm bars on a terminal or in a notebook, one plain line per stage otherwise, or a callback
for widgets."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from xmpaudit.core.number_words import counted

ProgressCallback = Callable[[int, int | None], None]


def bars_fit() -> bool:
    """True where a live bar reads well: stderr is a terminal, or the code runs in a Jupyter kernel (widget bars)."""
    stream = sys.stderr
    if stream is not None and getattr(stream, "isatty", None) and stream.isatty():
        return True
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    return shell is not None and hasattr(shell, "kernel")


class Progress:
    """Counts work done; shows it (``show=True``) as a tqdm bar where one fits (``bars_fit``), else as one plain
    line on stderr when the stage ends; and/or calls ``callback(done, total)``."""

    def __init__(self, total: int | None, desc: str, *, show: bool = True,
                 callback: ProgressCallback | None = None, unit: str = "asset") -> None:
        self.total = total
        self.done = 0
        self.callback = callback
        self.desc = desc
        self.unit = unit
        self._bar: Any = None
        self._line = show and not bars_fit()
        if show and not self._line:
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
        elif self._line:
            self._line = False  # one line per stage, even when closed twice
            print(f"{self.desc}: {counted(self.done, self.unit)}", file=sys.stderr, flush=True)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
