"""Exceptions raised by xmpaudit; each names what failed and where."""

from __future__ import annotations


class XmpAuditError(Exception):
    """Base class of every error raised by xmpaudit."""


class ConfigError(XmpAuditError):
    """Connection settings, profile files or process arguments are wrong."""


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
