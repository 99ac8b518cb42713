"""The simulator's HTTP server: the AEM endpoints xmpaudit uses, over real HTTP on a loopback port."""

from __future__ import annotations

import base64
import itertools
import secrets
import threading
import time
from datetime import datetime, timezone
from http.server import ThreadingHTTPServer
from typing import Any

from xmpaudit.simulator.cloud_limits import CloudLimits
from xmpaudit.simulator.faults import Fault
from xmpaudit.simulator.handler import SimulatorHandler
from xmpaudit.simulator.querybuilder import QueryError
from xmpaudit.simulator.repository import Repository, utc_now
from xmpaudit.simulator.stats import Stats
from xmpaudit.simulator.workflow_models import payload_node, process_steps, runtime_models, writes_original
from xmpaudit.simulator.xmp_embed import UnsupportedBinary, build_packet, embed_packet

WRITEBACK_MODEL = "/var/workflow/models/dam-xmp-writeback"

WORKFLOW_ROOT = "/var/workflow/instances/server0"


class Simulator:
    """An AEM-compatible server around a Repository. Use as a context manager or call start()/stop().

    Basic auth (``users``) and bearer tokens (``tokens``) are accepted; every POST needs a CSRF token.
    ``limits``: the AEM as a Cloud Service limits enforced (default: all on; ``CloudLimits.off()`` for none).
    """

    def __init__(
        self,
        repo: Repository | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        users: dict[str, str] | None = None,
        tokens: set[str] | None = None,
        json_max_results: int = 1000,
        workflow_seconds: float = 0.05,
        latency_s: float = 0.0,
        limits: CloudLimits | None = None,
    ) -> None:
        if repo is None:
            from xmpaudit.simulator.demo import build_demo_repository

            repo = build_demo_repository()
        self.repo = repo
        self.host = host
        self.port = port
        self.users = {"admin": "admin"} if users is None else users
        self.tokens = {"demo-token"} if tokens is None else tokens
        self.json_max_results = json_max_results
        self.workflow_seconds = workflow_seconds
        self.latency_s = latency_s
        self.limits = CloudLimits() if limits is None else limits
        # QueryBuilder hits print a whole-number Double as an integer (1.0 -> 1), as older AEM JSON writers do
        self.querybuilder_doubles_without_point = False
        self.faults: list[Fault] = []
        self.stats = Stats()
        self.csrf_tokens: set[str] = set()
        self.models = runtime_models(repo) or {WRITEBACK_MODEL: "DAM Metadata WriteBack"}
        self._workflow_ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._timers: list[threading.Timer] = []
        self._lock = threading.Lock()
        self._ensure_workflow_root()

    # -- lifecycle ---------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> Simulator:
        handler = type("BoundHandler", (SimulatorHandler,), {"simulator": self})
        self._server = ThreadingHTTPServer((self.host, self.port), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="xmpaudit-simulator",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def inject(self, **kwargs: Any) -> Fault:
        """Add a Fault (see its fields) and return it."""
        fault = Fault(**kwargs)
        with self._lock:
            self.faults.append(fault)
        return fault

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Wait until no request is being handled: a request whose client died (killed in a ``before`` hook) is
        still processed, as AEM finishes a request whose caller is gone."""
        deadline = time.monotonic() + timeout
        while self.limits.in_flight and time.monotonic() < deadline:
            time.sleep(0.01)

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    fault.times -= 1
                    return fault
        return None

    # -- auth --------------------------------------------------------------------------------------------

    def authenticate(self, header: str | None) -> str | None:
        """The user name for an Authorization header, or None."""
        if not header:
            return None
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "basic":
            try:
                user, _, password = base64.b64decode(value).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                return None
            return user if self.users.get(user) == password else None
        if scheme.lower() == "bearer" and value in self.tokens:
            return "token-user"
        return None

    def new_csrf_token(self) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self.csrf_tokens.add(token)
        return token

    # -- workflows ---------------------------------------------------------------------------------------

    def _ensure_workflow_root(self) -> None:
        with self.repo.lock:
            self.repo.ensure_node(WORKFLOW_ROOT, "sling:Folder")

    def start_workflow(self, model: str, payload: str, user: str) -> str:
        """Create a RUNNING instance node and finish it in the background; returns the instance path."""
        if model not in self.models:
            raise QueryError(f"Workflow model {model} not found")
        with self.repo.lock:
            if self.repo.node(payload) is None:
                raise QueryError(f"Payload {payload} does not exist")
            day = datetime.now(timezone.utc).strftime("%Y-%m-%d")
            model_id = model.rsplit("/", 1)[-1]
            path = f"{WORKFLOW_ROOT}/{day}/{model_id}_{next(self._workflow_ids)}"
            node = self.repo.ensure_node(path, "cq:Workflow", types={f"{WORKFLOW_ROOT}/{day}": "sling:Folder"})
            node.set("modelId", model)
            node.set("payload", payload)
            node.set("payloadType", "JCR_PATH")
            node.set("initiator", user)
            node.set("state", "RUNNING")
            node.set("status", "RUNNING")
            node.set("startTime", utc_now())
            payload_node(node, payload)
            self.repo.changed()
        with self._lock:
            self.stats.running_workflows += 1
            self.stats.max_running_workflows = max(self.stats.max_running_workflows, self.stats.running_workflows)
        timer = threading.Timer(self.workflow_seconds, self._finish_workflow, args=(path, model, payload))
        timer.daemon = True
        self._timers.append(timer)
        timer.start()
        return path

    def _finish_workflow(self, path: str, model: str, payload: str) -> None:
        state, message = "COMPLETED", ""
        try:
            steps = process_steps(self.repo, model)
            if (model == WRITEBACK_MODEL) if steps is None else writes_original(steps):
                self.write_back(payload)
        except (UnsupportedBinary, KeyError, LookupError) as exc:
            state, message = "ABORTED", f"XMP writeback failed for {payload}: {exc}"
        with self.repo.lock:
            node = self.repo.node(path)
            if node is not None:
                node.set("state", state)
                node.set("status", state)
                node.set("endTime", utc_now())
                if message:
                    node.set("failureMessage", message)
            self.repo.changed()
        with self._lock:
            self.stats.running_workflows -= 1

    def write_back(self, asset_path: str) -> None:
        """Embed the metadata node into the original rendition's XMP (createversion:true,rendition:original)."""
        with self.repo.lock:
            content = self.repo.node(f"{asset_path}/jcr:content")
            if content is None or "metadata" not in content.children:
                raise LookupError("asset has no metadata node")
            resource_path = f"{asset_path}/jcr:content/renditions/original/jcr:content"
            resource = self.repo.node(resource_path)
            if resource is None:
                raise LookupError("asset has no original rendition")
            data = resource.properties["jcr:data"].value
            resource.set("jcr:data", embed_packet(data, build_packet(content.children["metadata"])), "Binary")
            content.set("jcr:lastModified", utc_now())
            versions = int(content.get("xmpaudit:versionCount", 0)) + 1
            content.set("xmpaudit:versionCount", versions)
            self.repo.changed([f"{resource_path}/jcr:data", f"{asset_path}/jcr:content/jcr:lastModified",
                               f"{asset_path}/jcr:content/xmpaudit:versionCount"])
