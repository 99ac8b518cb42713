"""Workflow instances in AEM: the writeback model's path, start at most once, adopt, poll."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import unquote

from xmpaudit.aem.client import WORKFLOW_START_PATH, AemClient, absolute_location
from xmpaudit.aem.querybuilder import QUERYBUILDER_PATH
from xmpaudit.core.dates import parse_jcr_date
from xmpaudit.core.errors import AemConnectionError, AemError

WRITEBACK_MODEL = "/var/workflow/models/dam-xmp-writeback"
WORKFLOW_MODELS_PATH = "/etc/workflow/models.json"
FINAL_STATES = frozenset({"COMPLETED", "ABORTED", "FAILED", "TERMINATED"})
RUNNING_STATES = frozenset({"RUNNING", "SUSPENDED", "ACTIVE"})
INSTANCES_ROOT = "/var/workflow/instances"
ADOPT_WINDOW = timedelta(minutes=2)  # clock-skew allowance: a finished instance started since (POST - this) is ours


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


def outcome_uncertain(exc: AemError) -> bool:
    """Whether a failed POST may still have been carried out (no answer, or a 5xx from a proxy or AEM)."""
    return isinstance(exc, AemConnectionError) or exc.status is None or exc.status >= 500


def find_instances(client: AemClient, asset: str, model: str) -> list[dict[str, Any]]:
    """Workflow instances of ``model`` for payload ``asset``, newest first (QueryBuilder on
    /var/workflow/instances: ``modelId`` and ``data/payload/path``)."""
    params = {
        "path": INSTANCES_ROOT, "type": "cq:Workflow",
        "1_property": "modelId", "1_property.value": model,
        "2_property": "data/payload/path", "2_property.value": asset,
        "orderby": "@startTime", "orderby.sort": "desc", "p.limit": "20",
        "p.hits": "selective", "p.properties": "jcr:path status state startTime",
    }
    body = client.get_json(QUERYBUILDER_PATH, params)
    hits = body.get("hits") if isinstance(body, dict) else None
    return [h for h in hits or [] if isinstance(h, dict) and h.get("jcr:path")]


def adopt_instance(client: AemClient, asset: str, model: str, sent_at: datetime) -> str | None:
    """After an uncertain start: the instance our POST may have created (a running one, or one that started
    within ADOPT_WINDOW of the POST), or None."""
    for hit in find_instances(client, asset, model):
        state = str(hit.get("status") or hit.get("state") or "").upper()
        started = parse_jcr_date(hit.get("startTime"))
        if state in RUNNING_STATES or (started is not None and started >= sent_at - ADOPT_WINDOW):
            return str(hit["jcr:path"])
    return None


def start_at_most_once(client: AemClient, asset: str, model: str = WRITEBACK_MODEL) -> tuple[str, str]:
    """Start ``model`` on ``asset`` unless the outcome is unknown: then look for the instance the POST may have
    created and never send it again. Returns (instance, note); raises AemError when nothing was started."""
    sent_at = datetime.now(timezone.utc)
    try:
        return start_workflow(client, asset, model), ""
    except AemError as exc:
        if not outcome_uncertain(exc):
            raise
        first = exc
    try:
        instance = adopt_instance(client, asset, model, sent_at)
    except AemError as exc:
        raise AemError(f"start of {model} for {asset} may or may not have happened ({first}); the check for an "
                       f"instance failed too ({exc}); not started again") from None
    if instance is None:
        raise AemError(f"start of {model} for {asset} got no answer ({first}) and no instance exists for it; "
                       "not started again (run the writeback again for this asset)")
    return instance, f"start answered no response; adopted existing instance {instance}"


def workflow_state(client: AemClient, instance: str) -> dict[str, Any]:
    """The instance node's JSON (``status``/``state`` is RUNNING, SUSPENDED, ABORTED or COMPLETED)."""
    body = client.get_json(f"{instance}.json")
    if not isinstance(body, dict):
        raise AemError(f"Workflow instance {instance} did not answer a JSON object")
    return body
