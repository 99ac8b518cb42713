"""HTTP client for AEM: session, auth, CSRF, timeouts, retries and clear errors."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from xmpaudit.aem.auth import auth_for
from xmpaudit.aem.responses import (
    error_for_response,
    is_login_page,
    json_object,
    parse_json,
    request_error,
    root_cause,
    uncertain_outcome,
)
from xmpaudit.aem.settings import ConnectionSettings
from xmpaudit.core.errors import (
    AemAuthError,
    AemHttpError,
    AemNotFoundError,
    AemResponseError,
    UsageError,
)
from xmpaudit.core.jcrpath import quote_path, validate_path
from xmpaudit.core.version import __version__

CSRF_PATH = "/libs/granite/csrf/token.json"
RETRY_STATUSES = (429, 502, 503, 504)
POST_RETRY_STATUSES = frozenset({429, 503})  # answers that say the POST was not processed
UNCERTAIN_POST_STATUSES = frozenset({502, 504})  # a gateway lost AEM's answer: the POST may have been applied
WORKFLOW_START_PATH = "/etc/workflow/instances"
# Subtrees cut off a Sling GET are read one by one up to this many, else with this many GETs in flight.
SUBTREES_IN_SEQUENCE = 8
SUBTREE_WORKERS = 4
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
            raise UsageError(f"Expected an absolute path, got {path!r}")
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
                    raise uncertain_outcome(method, url, f"the answer was cut off ({root_cause(exc)})") from None
                if attempt < self.settings.retries:
                    continue  # a GET may simply be sent again
                raise AemResponseError(f"{method} {url}: the answer was cut off ({root_cause(exc)})",
                                       method=method, url=url) from None
            except requests.exceptions.RequestException as exc:
                raise request_error(method, url, exc, self.settings.timeout) from None
            break
        if method == "POST" and response.status_code in UNCERTAIN_POST_STATUSES:
            raise uncertain_outcome(method, url, f"HTTP {response.status_code} from a gateway")
        if is_login_page(response):
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
        """Read a node as Sling JSON to ``depth``, always complete: when Sling answers 300 (more nodes than its
        ``json.maximumresults``), read it to the deepest level it offers — at least one, since Sling always lists
        all of a node's children (SLING-2320) — and read each subtree cut off there separately. A cut read is
        never taken as a node without children: a ``.1.json`` answered 300 raises AemHttpError."""
        validate_path(path)
        if depth != "infinity" and int(depth) <= 1:
            return self._read_node(f"{path}.{int(depth)}.json")
        response = self.request("GET", f"{path}.{depth}.json", expected=(200, 300))
        body = parse_json(response)
        if response.status_code == 200:
            return json_object(body, response)
        level = max(_deepest_suggestion(body, response.url), 1)
        if depth != "infinity":
            level = min(level, int(depth) - 1)
        node = self._read_node(f"{path}.{level}.json")
        remaining = "infinity" if depth == "infinity" else int(depth) - level
        cut = _nodes_at_depth(node, path, level)
        if len(cut) <= SUBTREES_IN_SEQUENCE:
            subtrees = [self.read_tree(child_path, remaining) for child_path, _, _ in cut]
        else:
            with ThreadPoolExecutor(SUBTREE_WORKERS, thread_name_prefix="xmpaudit-subtrees") as pool:
                subtrees = list(pool.map(lambda item: self.read_tree(item[0], remaining), cut))
        for (_, holder, name), subtree in zip(cut, subtrees, strict=True):
            holder[name] = subtree
        return node

    def _read_node(self, path_json: str) -> dict[str, Any]:
        response = self.request("GET", path_json)
        return json_object(parse_json(response), response)


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
