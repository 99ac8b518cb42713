"""How AEM's answers and a transport's failures become JSON or one-line typed errors."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import requests

from xmpaudit.core.errors import (
    AemAuthError,
    AemConnectionError,
    AemError,
    AemHttpError,
    AemNotFoundError,
    AemResponseError,
    AemUncertainOutcomeError,
)

LOGIN_PAGE_MARKERS = ("j_security_check", "j_username", "login-box", "granite-login")


def json_object(body: Any, response: requests.Response) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise AemResponseError(f"{response.url} is not a JSON object", url=response.url,
                               status=response.status_code)
    return body


def uncertain_outcome(method: str, url: str, what: str) -> AemUncertainOutcomeError:
    return AemUncertainOutcomeError(
        f"{method} {url}: {what}; it may or may not have been applied and was not re-sent", method=method, url=url
    )


def _never_connected(exc: BaseException) -> bool:
    """True when the error chain shows the connection never opened (so nothing was sent)."""
    from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, (NewConnectionError, ConnectTimeoutError, NameResolutionError, ConnectionRefusedError,
                             requests.exceptions.ConnectTimeout)):
            return True
        reason = getattr(seen, "reason", None)
        seen = reason if isinstance(reason, BaseException) else (seen.__cause__ or seen.__context__)
    return False


def request_error(method: str, url: str, exc: requests.exceptions.RequestException, timeout: float) -> AemError:
    """The typed error for a request that got no (complete) answer."""
    if isinstance(exc, requests.exceptions.RetryError):
        return AemHttpError(f"{method} {url} kept failing after retries: {root_cause(exc)}", method=method, url=url)
    if isinstance(exc, requests.exceptions.SSLError):
        return AemConnectionError(f"TLS failed for {method} {url}: {root_cause(exc)}", method=method, url=url)
    if method == "POST" and not _never_connected(exc):
        return uncertain_outcome(method, url, f"no answer ({root_cause(exc) or type(exc).__name__})")
    if isinstance(exc, requests.exceptions.Timeout):
        return AemConnectionError(f"{method} {url} timed out after {timeout:g}s", method=method, url=url)
    if isinstance(exc, requests.exceptions.ConnectionError):
        host = urlsplit(url).netloc
        return AemConnectionError(f"Cannot reach AEM at {host} ({method} {url}): {root_cause(exc)}",
                                  method=method, url=url)
    return AemResponseError(f"{method} {url} failed: {root_cause(exc) or type(exc).__name__}", method=method,
                            url=url)


def is_login_page(response: requests.Response) -> bool:
    """AEM's login form served instead of data (an expired session or a misrouted request)."""
    if "html" not in response.headers.get("Content-Type", "").lower():
        return False
    head = response.text[:20000].lower()
    return any(marker in head for marker in LOGIN_PAGE_MARKERS)


def root_cause(exc: BaseException) -> str:
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    text = str(exc)
    return text.split("] ", 1)[-1] if "] " in text else text or type(exc).__name__


def parse_json(response: requests.Response) -> Any:
    """The response body as JSON, or AemResponseError quoting the start of what came instead (or saying it is
    nested too deeply to read)."""
    try:
        return response.json()
    except RecursionError:
        raise AemResponseError(
            f"{response.request.method} {response.url} answered HTTP {response.status_code} with JSON nested too "
            "deeply to read",
            method=response.request.method or "", url=response.url, status=response.status_code,
        ) from None
    except (ValueError, json.JSONDecodeError):
        snippet = response.text[:200].replace("\n", " ")
        raise AemResponseError(
            f"{response.request.method} {response.url} answered HTTP {response.status_code} with a body that "
            f"is not JSON: {snippet!r}",
            method=response.request.method or "",
            url=response.url,
            status=response.status_code,
        ) from None


def error_for_response(response: requests.Response) -> AemError:
    """The typed error for a failed response, naming method, URL, status and AEM's message."""
    method = response.request.method or ""
    url = response.url
    status = response.status_code
    detail = _error_detail(response)
    text = f"{method} {url} failed: HTTP {status} {response.reason or ''}".rstrip()
    if detail:
        text += f" – {detail}"
    kwargs = {"method": method, "url": url, "status": status}
    if status in (401, 403):
        hint = "check the credentials" if status == 401 else "check permissions or the CSRF token"
        return AemAuthError(f"{text} ({hint})", **kwargs)  # type: ignore[arg-type]
    if status == 404:
        return AemNotFoundError(text, **kwargs)  # type: ignore[arg-type]
    return AemHttpError(text, **kwargs)  # type: ignore[arg-type]


def _error_detail(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
        return str(body.get("status.message") or body.get("message") or "")
    return ""
