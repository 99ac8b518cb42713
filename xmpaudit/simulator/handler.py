"""The simulator's request handler: routes each AEM endpoint to the repository, with faults and limits."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote, urlsplit

from xmpaudit.simulator.cloud_limits import CloudLimits, QueryReadLimitExceeded
from xmpaudit.simulator.faults import Fault
from xmpaudit.simulator.multipart import SLING_MAX_PARAMETERS, is_multipart, parse_multipart
from xmpaudit.simulator.querybuilder import QueryError, run_query
from xmpaudit.simulator.repository import Property, Repository
from xmpaudit.simulator.sling import json_depth, resolve, sling_post
from xmpaudit.simulator.stats import Stats, endpoint_of


class Served(Protocol):
    """What the handler needs of the simulator that serves it (the ``Simulator`` in ``server``)."""

    repo: Repository
    limits: CloudLimits
    stats: Stats
    url: str
    models: Any
    csrf_tokens: Any
    json_max_results: int
    latency_s: float
    querybuilder_doubles_without_point: bool
    _lock: threading.Lock

    def authenticate(self, header: str | None) -> str | None: ...

    def new_csrf_token(self) -> str: ...

    def start_workflow(self, model: str, payload: str, user: str) -> str: ...

    def take_fault(self, method: str, path: str) -> Fault | None: ...


class SimulatorHandler(BaseHTTPRequestHandler):
    """Routes one request to the repository (the class attribute ``simulator`` is set per server)."""

    simulator: Served
    protocol_version = "HTTP/1.1"
    server_version = "xmpaudit-simulator"
    disable_nagle_algorithm = True  # no 40 ms delayed-ACK stalls on keep-alive connections
    wbufsize = 1 << 16  # headers and body leave in one write; flushed after each request

    def log_message(self, format: str, *args: Any) -> None:  # quiet by default
        return

    # -- plumbing ----------------------------------------------------------------------------------------

    pending_fault: Fault | None = None  # a fault that fails the answer after the request was processed

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        fault, self.pending_fault = self.pending_fault, None
        if fault is not None and fault.after_processing(self, status, body, content_type, headers):
            return
        started = getattr(self, "_started", None)
        if started is not None and status < 500 and self.simulator.limits.too_slow(time.monotonic() - started):
            status, body, content_type, headers = 503, b"Request took too long", "text/plain", {}
        if status >= 400:
            with self.simulator._lock:
                self.simulator.stats.errors[status] += 1
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")  # compact, as Sling
        self._send(status, body, "application/json;charset=utf-8", headers)

    def _text(self, status: int, text: str) -> None:
        self._send(status, text.encode("utf-8"), "text/plain;charset=utf-8")

    def _read_form(self) -> list[tuple[str, str]]:
        """Form parameters decoded like Sling: ISO-8859-1 unless a ``_charset_`` parameter names the encoding;
        past 10,000 parameters the rest are dropped (URL-encoded or multipart, as measured on Sling 11)."""
        length = int(self.headers.get("Content-Length") or 0)
        if is_multipart(self.headers.get("Content-Type")):
            self._form_error = None  # Jetty's form limits apply to URL-encoded bodies only
            body = self.rfile.read(length) if length else b""
            return [pair for pair in parse_multipart(self.headers["Content-Type"], body) if pair[0] != "_charset_"]
        raw = self.rfile.read(length).decode("ascii", errors="replace") if length else ""
        urlencoded = (self.headers.get("Content-Type") or "application/x-www-form-urlencoded").startswith(
            "application/x-www-form-urlencoded")  # Jetty's form limits apply to URL-encoded bodies only
        self._form_error = self.simulator.limits.form_error(length, raw.count("&") + 1 if raw else 0) if urlencoded \
            else None
        charset = dict(parse_qsl(raw, keep_blank_values=True, encoding="latin-1")).get("_charset_", "ISO-8859-1")
        try:
            form = parse_qsl(raw, keep_blank_values=True, encoding=charset, errors="replace")
        except LookupError:
            form = parse_qsl(raw, keep_blank_values=True, encoding="latin-1")
        return [(name, value) for name, value in form[:SLING_MAX_PARAMETERS] if name != "_charset_"]

    def _route(self) -> None:
        sim = self.simulator
        self._started = time.monotonic()
        refused = sim.limits.request_line_error(self.requestline)
        if refused:
            if self.command == "POST":
                self._read_form()
            self._text(*refused)
            return
        if not sim.limits.enter():
            self._send(429, b"Too Many Requests", "text/plain", {"Retry-After": str(sim.limits.retry_after_s)})
            return
        try:
            self._limited_route()
        finally:
            sim.limits.leave()

    def _limited_route(self) -> None:
        sim = self.simulator
        split = urlsplit(self.path)
        path = unquote(split.path)
        query = parse_qsl(split.query, keep_blank_values=True)
        with sim._lock:
            sim.stats.by_endpoint[endpoint_of(self.command, path)] += 1
            sim.stats.log.append((self.command, path))
        if self.command == "POST":
            form = self._read_form()
            if self._form_error:
                self._text(*self._form_error)
                return
        if sim.latency_s:
            time.sleep(sim.latency_s)
        fault = sim.take_fault(self.command, path)
        if fault:
            if fault.before:
                fault.before()
            if fault.answers_instead:
                fault.answer(self)
                return
            self.pending_fault = fault
        user = sim.authenticate(self.headers.get("Authorization"))
        if user is None:
            self._send(401, b"Unauthorized", "text/plain", {"WWW-Authenticate": 'Basic realm="Sling (Development)"'})
            return
        if self.command == "POST":
            if self.headers.get("CSRF-Token") not in sim.csrf_tokens:
                self._text(403, "Forbidden: missing or invalid CSRF-Token header")
                return
            self._post(path, form, user)
        else:
            self._get(path, dict(query))

    def do_GET(self) -> None:
        self._route()

    def do_HEAD(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    # -- GET ---------------------------------------------------------------------------------------------

    def _get(self, path: str, query: dict[str, str]) -> None:
        sim = self.simulator
        if path == "/libs/granite/csrf/token.json":
            self._json(200, {"token": sim.new_csrf_token()})
        elif path == "/bin/querybuilder.json":
            try:
                with sim.repo.lock:
                    answer = run_query(sim.repo, query, sim.limits.query_read_limit, sim.limits.ordered_index,
                                       sim.querybuilder_doubles_without_point)
                self._json(200, answer)
            except QueryError as exc:
                self._json(400, {"success": False, "errorMessage": str(exc)})
            except QueryReadLimitExceeded as exc:  # Sling's error page for an uncaught exception
                self._send(500, f"<html><body><h1>500 Internal Server Error</h1><p>{exc}</p></body></html>".encode(),
                           "text/html;charset=utf-8")
        elif path == "/etc/workflow/models.json":
            self._json(200, [{"uri": uri, "title": title} for uri, title in sim.models.items()])
        else:
            self._sling_get(path)

    def _sling_get(self, path: str) -> None:
        sim = self.simulator
        with sim.repo.lock:
            node, resource_path, rest = resolve(sim.repo, path)
            prop = sim.repo.item(path) if node is None else None
            if isinstance(prop, Property) and prop.type == "Binary" and not prop.multiple:
                self._send_binary(bytes(prop.value))  # Sling serves a Binary property's path as its content
                return
            if node is None:
                self._send(404, f"Resource at '{path}' not found".encode(), "text/html;charset=utf-8")
                return
            parts = rest.split(".")[1:] if rest else []
            extension = parts[-1] if parts else ""
            if extension == "json":
                depth = json_depth(parts[:-1])
                allowed = sim.repo.overflow_level(node, depth, sim.json_max_results)
                if allowed != -1:
                    self._json(300, [f"{resource_path}.{level}.json" for level in range(allowed, -1, -1)])
                    return
                self._json(200, sim.repo.to_json(node, depth))
                return
            if extension:
                self._send(404, b"No renderer for this extension", "text/html")
                return
            binary = self._binary_of(resource_path)
        if binary is None:
            self._send(403, b"Directory listing is not supported", "text/html")
            return
        self._send_binary(binary)

    def _binary_of(self, path: str) -> bytes | None:
        repo = self.simulator.repo
        node = repo.node(path)
        if node is None:
            return None
        if node.primary_type == "dam:Asset":
            path = f"{path}/jcr:content/renditions/original"
            node = repo.node(path)
        if node is not None and node.primary_type == "nt:file":
            resource = repo.node(f"{path}/jcr:content")
            if resource is not None and "jcr:data" in resource.properties:
                return bytes(resource.properties["jcr:data"].value)
        return None

    def _send_binary(self, data: bytes) -> None:
        header = self.headers.get("Range", "")
        if header.startswith("bytes="):
            start_text, _, end_text = header[6:].split(",")[0].partition("-")
            try:
                if start_text:
                    start = int(start_text)
                    end = min(int(end_text), len(data) - 1) if end_text else len(data) - 1
                else:
                    start, end = max(0, len(data) - int(end_text)), len(data) - 1
            except ValueError:
                start, end = 0, -1
            if start >= len(data) or start > end:
                self._send(416, b"", "application/octet-stream", {"Content-Range": f"bytes */{len(data)}"})
                return
            self._send(206, data[start : end + 1], "application/octet-stream",
                       {"Content-Range": f"bytes {start}-{end}/{len(data)}", "Accept-Ranges": "bytes"})
            return
        self._send(200, data, "application/octet-stream", {"Accept-Ranges": "bytes"})

    # -- POST --------------------------------------------------------------------------------------------

    def _post(self, path: str, form: list[tuple[str, str]], user: str) -> None:
        sim = self.simulator
        if path == "/etc/workflow/instances":
            values = dict(form)
            if values.get("payloadType", "JCR_PATH") != "JCR_PATH":
                self._text(400, "Only payloadType=JCR_PATH is supported")
                return
            try:
                instance = sim.start_workflow(values.get("model", ""), values.get("payload", ""), user)
            except QueryError as exc:
                self._text(400, str(exc))
                return
            self._send(201, b"", "text/plain", {"Location": sim.url + instance})
            return
        result = sling_post(sim.repo, path, form)
        if "json" in (self.headers.get("Accept") or ""):
            self._json(result.status, result.to_json())
        else:
            html = f"<html><body><div id='Status'>{result.status}</div><div id='Message'>{result.message}</div>"
            self._send(result.status, (html + "</body></html>").encode(), "text/html;charset=utf-8")
