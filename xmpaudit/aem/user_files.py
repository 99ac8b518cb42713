"""The user's own files (profiles, tokens, credentials, process arguments, asset lists) read as text, each failure
one ConfigError naming the file."""

from __future__ import annotations

from pathlib import Path

from xmpaudit.core.errors import ConfigError


def read_user_text(path: str | Path, what: str) -> str:
    """The UTF-8 text of a file the user named (``~`` expanded). A folder, a missing, unreadable or non-UTF-8 file
    is one ConfigError starting with ``what`` and the path as given."""
    file = Path(path).expanduser()
    if file.is_dir():
        raise ConfigError(f"{what} {path} is a folder, not a file")
    try:
        return file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{what} {path} does not exist") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{what} {path} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{what} {path} cannot be read: {exc.strerror or exc}") from None
