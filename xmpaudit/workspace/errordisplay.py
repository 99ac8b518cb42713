"""Show xmpaudit errors in a notebook as one line (the message), not a traceback."""

from __future__ import annotations

from typing import Any

from xmpaudit.core.errors import XmpAuditError


def _one_line(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None) -> list[str]:
    lines = [f"\x1b[31m{type(value).__name__}: {value}\x1b[0m"]
    shell._showtraceback(etype, value, lines)  # an error output of one line; the cell still counts as failed
    return lines


def install_error_display() -> bool:
    """In IPython, print xmpaudit errors as one red line; returns False outside IPython (nothing to do)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a runtime dependency of the notebooks
        return False
    shell = get_ipython()
    if shell is None:
        return False
    shell.set_custom_exc((XmpAuditError,), _one_line)
    return True
