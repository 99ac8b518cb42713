"""HTTP client for AEM: session, auth, CSRF, timeouts, retries and clear errors."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from xmpaudit.aem.auth import auth_for
from xmpaudit.aem.settings import ConnectionSettings
from xmpaudit.core.errors import (
    AemAuthError,
    AemConnectionError,
    AemError,
    AemHttpError,
    AemNotFoundError,
    AemResponseError,
    AemUncertainOutcomeError,
)
from xmpaudit.core.jcrpath import quote_path, validate_path
from xmpaudit.core.version import __version__

CSRF_PATH = "/libs/granite/csrf/token.json"
RETRY_STATUSES = (429, 502, 503, 504)
POST_RETRY_STATUSES = frozenset({429, 503})  # answers that say the POST was not processed
UNCERTAIN_POST_STATUSES = frozenset({502, 504})  # a gateway lost AEM's answer: the POST may have been applied
LOGIN_PAGE_MARKERS = ("j_security_check", "j_username", "login-box", "granite-login")
WORKFLOW_START_PATH = "/etc/workflow/instances"
FormData = Iterable[tuple[str, str]] | Mapping[str, str]


class _AemRetry(Retry):
    """urllib3 retries that never re-send a POST which may have reached AEM: a POST is retried only after a
    connection that never opened, or a 429/503 answer; a read error, reset or timeout after sending is raised."""

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if method.upper() == "POST" and status_code not in POST_RETRY_STATUSES:
            return False
        return super().is_retry(method, status_code, has_retry_after)

    def increment(self, method: str | None = None, url: str | None = None, *args: Any, **kwargs: Any) -> Any:
        error = kwargs.get("error")
        if method and method.upper() == "POST" and error is not None and self._is_read_error(error):
            raise error
        return super().increment(method, url, *args, **kwargs)


def _retry(
    total: int, backoff: float, statuses: tuple[int, ...], methods: frozenset[str], *, retry_after: bool = True
) -> Retry:
    """urllib3 retries; with ``retry_after`` a 413/429/503 carrying Retry-After is retried too."""
    return _AemRetry(
        total=total,
        connect=total,
        read=total,
        status=total,
        backoff_factor=backoff,
        status_forcelist=statuses,
        allowed_methods=methods,
        raise_on_status=False,
        respect_retry_after_header=retry_after,
    )


class AemClient:
    """One authenticated ``requests.Session`` to one AEM author.

    GETs are retried with backoff on 429/502/503/504, read errors and connection errors. A POST is re-sent only
    when it cannot have reached AEM (no connection, or 429/503; starting a workflow: 429 only); when it may have
    (read error, reset or timeout after sending, 502/504) ``AemUncertainOutcomeError`` is raised instead.
    """

    def __init__(self, settings: ConnectionSettings, *, session: requests.Session | None = None) -> None:
        self.settings = settings
        self.base_url = settings.url
        self.session = session or requests.Session()
        self.session.auth = auth_for(settings)
        self.session.verify = settings.verify_tls
        self.session.headers["User-Agent"] = f"xmpaudit/{__version__}"
        idempotent = _retry(
            settings.retries, settings.backoff, RETRY_STATUSES, frozenset({"GET", "HEAD", "POST"})
        )
        once = _retry(settings.retries, settings.backoff, (429,), frozenset({"POST"}), retry_after=False)
        self.session.mount("http://", HTTPAdapter(max_retries=idempotent, pool_maxsize=16))
        self.session.mount("https://", HTTPAdapter(max_retries=idempotent, pool_maxsize=16))
        self.session.mount(self.base_url + WORKFLOW_START_PATH, HTTPAdapter(max_retries=once))
        self._csrf_token: str | None = None
        self._lock = threading.Lock()
        self.requests_sent: Counter[str] = Counter()

    def __repr__(self) -> str:
        return f"AemClient(url={self.base_url!r}, auth={self.settings.auth_kind!r})"

    def __enter__(self) -> AemClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()

    @property
    def request_count(self) -> int:
        """Requests sent so far (retries by urllib3 not counted)."""
        return sum(self.requests_sent.values())

    def url_for(self, path: str) -> str:
        """Absolute URL for a repository path or endpoint path, percent-encoded."""
        if not path.startswith("/"):
            raise AemError(f"Expected an absolute path, got {path!r}")
        return self.base_url + quote_path(path)

    # -- low level ---------------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        expected: Iterable[int] = (200,),
        **kwargs: Any,
    ) -> requests.Response:
        """Send a request; raise a typed AemError naming the URL and status when it fails."""
        url = path_or_url if "://" in path_or_url else self.url_for(path_or_url)
        kwargs.setdefault("timeout", (self.settings.connect_timeout, self.settings.timeout))
        with self._lock:
            self.requests_sent[method] += 1
        for attempt in range(self.settings.retries + 1):
            try:
                response = self.session.request(method, url, **kwargs)
            except requests.exceptions.ChunkedEncodingError as exc:
                if method == "POST":
                    raise _uncertain(method, url, f"the answer was cut off ({_root_cause(exc)})") from None
                if attempt < self.settings.retries:
                    continue  # a GET may simply be sent again
                raise AemResponseError(f"{method} {url}: the answer was cut off ({_root_cause(exc)})",
                                       method=method, url=url) from None
            except requests.exceptions.RequestException as exc:
                raise _request_error(method, url, exc, self.settings.timeout) from None
            break
        if method == "POST" and response.status_code in UNCERTAIN_POST_STATUSES:
            raise _uncertain(method, url, f"HTTP {response.status_code} from a gateway")
        if _is_login_page(response):
            raise AemAuthError(f"{method} {url} answered AEM's login page instead of data (check the credentials)",
                               method=method, url=url, status=response.status_code)
        if response.status_code not in set(expected):
            raise error_for_response(response)
        return response

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET a JSON document; malformed JSON raises AemResponseError."""
        response = self.request("GET", path, params=params, headers={"Accept": "application/json"})
        return parse_json(response)

    def csrf_token(self, refresh: bool = False) -> str | None:
        """The Granite CSRF token (fetched once, refreshed on demand); None on a plain Sling without one."""
        if self._csrf_token is None or refresh:
            try:
                body = self.get_json(CSRF_PATH)
            except AemNotFoundError:
                return None
            token = body.get("token") if isinstance(body, dict) else None
            if not isinstance(token, str):
                raise AemResponseError(
                    f"{self.url_for(CSRF_PATH)} answered without a 'token'", url=self.url_for(CSRF_PATH)
                )
            self._csrf_token = token
        return self._csrf_token

    def post(
        self, path: str, data: FormData, *, expected: Iterable[int] = (200, 201), json_response: bool = True,
        multipart: bool = False,
    ) -> requests.Response:
        """POST a form (UTF-8, declared with ``_charset_``) with the CSRF token; on a 403 the token is refreshed
        and the POST sent once more. ``multipart`` sends multipart/form-data (parsed by Sling itself, so the
        servlet container's form-key and form-size limits do not apply)."""
        form = list(data.items()) if isinstance(data, Mapping) else list(data)
        if not any(name == "_charset_" for name, _ in form):
            form.append(("_charset_", "utf-8"))  # Sling decodes parameters as ISO-8859-1 without it
        headers = {"Accept": "application/json"} if json_response else {}
        for attempt in (0, 1):
            token = self.csrf_token(refresh=attempt == 1)
            if token is not None:
                headers["CSRF-Token"] = token
            try:
                if multipart:
                    fields = [(name, (None, value.encode("utf-8"))) for name, value in form]
                    return self.request("POST", path, files=fields, headers=headers, expected=expected)
                return self.request("POST", path, data=form, headers=headers, expected=expected)
            except AemAuthError as exc:
                if attempt == 1 or exc.status != 403:
                    raise
        raise AssertionError("unreachable")

    def sling_post(self, path: str, data: FormData, *, multipart: bool = False) -> dict[str, Any]:
        """Sling POST servlet call; returns its JSON answer, raising when ``status.code`` is an error."""
        response = self.post(path, data, multipart=multipart)
        body = parse_json(response)
        if not isinstance(body, dict):
            raise AemResponseError(f"POST {response.url} answered {type(body).__name__}, not an object")
        status = int(body.get("status.code", response.status_code))
        if status >= 400:
            message = (body.get("error") or {}).get("message") or body.get("status.message") or ""
            raise AemHttpError(
                f"Sling POST to {response.url} failed with {status}: {message}",
                method="POST",
                url=response.url,
                status=status,
            )
        return body

    # -- Sling GET ---------------------------------------------------------------------------------------

    def read_tree(self, path: str, depth: int | str = "infinity") -> dict[str, Any]:
        """Read a node as Sling JSON to ``depth``; when Sling answers 300 (too many nodes), read shallower
        and fetch the cut-off subtrees separately, so the result is always complete to ``depth``."""
        validate_path(path)
        response = self.request("GET", f"{path}.{depth}.json", expected=(200, 300))
        body = parse_json(response)
        if response.status_code == 200:
            if not isinstance(body, dict):
                raise AemResponseError(f"{response.url} is not a JSON object", url=response.url, status=200)
            return body
        # a node with more direct children than json.maximumresults is suggested only at .0.json (no children):
        # one level is always served, and its children are then read one by one
        allowed = max(_deepest_suggestion(body, response.url), 1)
        node = self.get_json(f"{path}.{allowed}.json")
        remaining = "infinity" if depth == "infinity" else int(depth) - allowed
        if remaining == 0:
            return node
        for child_path, holder, name in _nodes_at_depth(node, path, allowed):
            holder[name] = self.read_tree(child_path, remaining)
        return node


def _nodes_at_depth(node: dict[str, Any], path: str, depth: int) -> list[tuple[str, dict[str, Any], str]]:
    """(path, parent dict, name) of every child node exactly ``depth`` levels below ``node``."""
    found: list[tuple[str, dict[str, Any], str]] = []
    level: list[tuple[str, dict[str, Any]]] = [(path, node)]
    for current in range(1, depth + 1):
        next_level = []
        for parent_path, parent in level:
            for name, value in parent.items():
                if isinstance(value, dict):
                    child_path = f"{parent_path.rstrip('/')}/{name}"
                    if current == depth:
                        found.append((child_path, parent, name))
                    next_level.append((child_path, value))
        level = next_level
    return found


def _deepest_suggestion(body: Any, url: str) -> int:
    levels = []
    if isinstance(body, list):
        for suggestion in body:
            try:
                levels.append(int(str(suggestion).rsplit(".", 2)[-2]))
            except (ValueError, IndexError):
                continue
    if not levels:
        raise AemResponseError(f"{url} answered 300 without usable depth suggestions", url=url, status=300)
    return max(levels)


def _uncertain(method: str, url: str, what: str) -> AemUncertainOutcomeError:
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


def _request_error(method: str, url: str, exc: requests.exceptions.RequestException, timeout: float) -> AemError:
    """The typed error for a request that got no (complete) answer."""
    if isinstance(exc, requests.exceptions.RetryError):
        return AemHttpError(f"{method} {url} kept failing after retries: {_root_cause(exc)}", method=method, url=url)
    if isinstance(exc, requests.exceptions.SSLError):
        return AemConnectionError(f"TLS failed for {method} {url}: {_root_cause(exc)}", method=method, url=url)
    if method == "POST" and not _never_connected(exc):
        return _uncertain(method, url, f"no answer ({_root_cause(exc) or type(exc).__name__})")
    if isinstance(exc, requests.exceptions.Timeout):
        return AemConnectionError(f"{method} {url} timed out after {timeout:g}s", method=method, url=url)
    if isinstance(exc, requests.exceptions.ConnectionError):
        host = urlsplit(url).netloc
        return AemConnectionError(f"Cannot reach AEM at {host} ({method} {url}): {_root_cause(exc)}",
                                  method=method, url=url)
    return AemResponseError(f"{method} {url} failed: {_root_cause(exc) or type(exc).__name__}", method=method,
                            url=url)


def _is_login_page(response: requests.Response) -> bool:
    """AEM's login form served instead of data (an expired session or a misrouted request)."""
    if "html" not in response.headers.get("Content-Type", "").lower():
        return False
    head = response.text[:20000].lower()
    return any(marker in head for marker in LOGIN_PAGE_MARKERS)


def _root_cause(exc: BaseException) -> str:
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    text = str(exc)
    return text.split("] ", 1)[-1] if "] " in text else text or type(exc).__name__


def parse_json(response: requests.Response) -> Any:
    """The response body as JSON, or AemResponseError quoting the start of what came instead."""
    try:
        return response.json()
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


def require_root(client: AemClient, root: str) -> str:
    """``root`` if a node exists there; a clear AemNotFoundError (not "0 assets") when it does not."""
    validate_path(root)
    try:
        client.request("GET", f"{root}.json")
    except AemNotFoundError:
        raise AemNotFoundError(f"Root {root} does not exist on {client.base_url} (check the path)",
                               method="GET", url=client.url_for(root), status=404) from None
    return root


def absolute_location(client: AemClient, location: str) -> str:
    """A Location header as a repository path (AEM may send it absolute or relative)."""
    if "://" in location:
        location = urlsplit(urljoin(client.base_url + "/", location)).path
    return location
