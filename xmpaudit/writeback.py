"""Start the XMP writeback workflow per asset with a concurrency limit, poll to a final state, report."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote

import pandas as pd

from .client import WORKFLOW_START_PATH, AemClient, absolute_location
from .errors import AemError, AemNotFoundError, ConfigError
from .jcrpath import validate_path
from .progress import Progress, ProgressCallback

WRITEBACK_MODEL = "/var/workflow/models/dam-xmp-writeback"
WORKFLOW_MODELS_PATH = "/etc/workflow/models.json"
FINAL_STATES = frozenset({"COMPLETED", "ABORTED", "FAILED", "TERMINATED"})
RESULT_COLUMNS = ["asset", "instance", "state", "started", "finished", "seconds", "error"]


@dataclass
class _Running:
    asset: str
    instance: str
    started: float
    started_at: str


def list_models(client: AemClient) -> list[str]:
    """URIs of the workflow models AEM knows."""
    body = client.get_json(WORKFLOW_MODELS_PATH)
    items = body if isinstance(body, list) else []
    return [str(item.get("uri")) for item in items if isinstance(item, dict) and item.get("uri")]


def start_workflow(client: AemClient, asset: str, model: str = WRITEBACK_MODEL) -> str:
    """Start ``model`` on one asset; returns the instance path from the Location header."""
    response = client.post(
        WORKFLOW_START_PATH,
        [("model", model), ("payloadType", "JCR_PATH"), ("payload", asset)],
        expected=(201,),
        json_response=False,
    )
    location = response.headers.get("Location")
    if not location:
        raise AemError(f"Workflow start for {asset} answered 201 without a Location header",
                       method="POST", url=response.url, status=201)
    return unquote(absolute_location(client, location))


def workflow_state(client: AemClient, instance: str) -> dict[str, Any]:
    """The instance node's JSON (``state`` is RUNNING, SUSPENDED, ABORTED or COMPLETED)."""
    body = client.get_json(f"{instance}.json")
    if not isinstance(body, dict):
        raise AemError(f"Workflow instance {instance} did not answer a JSON object")
    return body


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def run_writeback(
    client: AemClient,
    assets: Iterable[str] | pd.Series | pd.DataFrame,
    *,
    model: str = WRITEBACK_MODEL,
    max_concurrent: int = 4,
    poll_interval: float = 1.0,
    timeout_s: float = 600.0,
    check_model: bool = True,
    show_progress: bool = True,
    on_progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """Run the writeback workflow for each asset, at most ``max_concurrent`` at a time; poll each instance
    until a final state or ``timeout_s``. Returns one row per asset; failures are rows, not exceptions."""
    if isinstance(assets, pd.DataFrame):
        assets = assets["path"]
    queue = deque(dict.fromkeys(validate_path(str(a)) for a in assets))
    if max_concurrent < 1:
        raise ConfigError("max_concurrent must be >= 1")
    if check_model and queue:
        models = list_models(client)
        if model not in models:
            raise ConfigError(f"Workflow model {model} does not exist on {client.base_url} "
                              f"(models: {', '.join(models) or 'none'})")
    rows: list[dict[str, Any]] = []
    running: list[_Running] = []
    with Progress(len(queue), "XMP writeback", show=show_progress, callback=on_progress) as progress:
        while queue or running:
            while queue and len(running) < max_concurrent:
                asset = queue.popleft()
                try:
                    instance = start_workflow(client, asset, model)
                except AemError as exc:
                    rows.append(_row(asset, "", "NOT_STARTED", _now(), None, str(exc)))
                    progress.advance()
                    continue
                running.append(_Running(asset, instance, time.monotonic(), _now()))
            if not running:
                continue
            time.sleep(poll_interval)
            still = []
            for item in running:
                state, error = _poll(client, item)
                elapsed = time.monotonic() - item.started
                if state not in FINAL_STATES and elapsed > timeout_s:
                    state, error = "TIMEOUT", f"still {state} after {timeout_s:g}s (instance left running)"
                if state in FINAL_STATES or state == "TIMEOUT":
                    rows.append(_row(item.asset, item.instance, state, item.started_at, elapsed, error))
                    progress.advance()
                else:
                    still.append(item)
            running = still
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def _poll(client: AemClient, item: _Running) -> tuple[str, str]:
    try:
        body = workflow_state(client, item.instance)
    except AemNotFoundError:
        return "FAILED", f"workflow instance {item.instance} disappeared"
    except AemError as exc:
        return "RUNNING", str(exc)
    state = str(body.get("state") or body.get("status") or "UNKNOWN").upper()
    if state in FINAL_STATES:
        return state, "" if state == "COMPLETED" else str(body.get("failureMessage") or f"workflow {state}")
    return state, ""


def _row(asset: str, instance: str, state: str, started: str, elapsed: float | None, error: str) -> dict[str, Any]:
    return {
        "asset": asset,
        "instance": instance,
        "state": state,
        "started": started,
        "finished": _now(),
        "seconds": None if elapsed is None else round(elapsed, 2),
        "error": error,
    }
