"""Exceptions raised by xmpaudit, in two kinds: what a user can act on (``XmpAuditError``, one line on every
surface, exit 2 on the CLI) and a bug in the calling code (``UsageError``, a normal traceback). Each names what
failed and where. The tree and what each surface shows: docs/errors.md.

    Exception
    ├── XmpAuditError               a user can act on it: one line, never a traceback
    │   ├── ConfigError             bad input or a refused run (settings, files, process arguments, paths, snapshots)
    │   ├── AemError                an AEM request failed (method, URL, status)
    │   │   ├── AemConnectionError · AemAuthError · AemNotFoundError · AemHttpError · AemResponseError
    │   │   └── AemUncertainOutcomeError
    │   └── JournalError            the journal cannot be written: nothing is sent
    └── ValueError
        └── UsageError              the API was called wrongly: a bug, shown as a traceback
"""

from __future__ import annotations


class XmpAuditError(Exception):
    """Base class of every error a user can act on: every surface shows it as one line (the CLI exits 2)."""


class ConfigError(XmpAuditError):
    """Bad user input or a refused run: connection settings, profile and other named files, process arguments,
    paths, options, snapshots on disk, or arguments that would make a run destructive."""


class UsageError(ValueError):
    """The calling code used xmpaudit's API wrongly (a bug to fix in that code, not input to correct): shown as a
    normal traceback, never as one line."""


class AemError(XmpAuditError):
    """An AEM request failed; carries the method, URL and HTTP status (None if no answer)."""

    def __init__(self, message: str, *, method: str = "", url: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.method = method
        self.url = url
        self.status = status


class AemConnectionError(AemError):
    """The host could not be reached (DNS, refused, timeout, TLS)."""


class AemAuthError(AemError):
    """AEM answered 401 or 403: credentials, token or permissions are wrong."""


class AemNotFoundError(AemError):
    """AEM answered 404: the path does not exist (any more)."""


class AemHttpError(AemError):
    """AEM answered another error status."""


class AemResponseError(AemError):
    """AEM answered, but the body is not what the API promises (malformed JSON, wrong shape)."""


class AemUncertainOutcomeError(AemError):
    """A POST may have reached AEM but no answer came back (read error, reset or timeout after sending, or a
    gateway 502/504): it was not re-sent; read the state to learn whether it was applied."""


class JournalError(XmpAuditError):
    """The journal could not be written; nothing is sent to AEM without its record."""
