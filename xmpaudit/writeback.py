"""XMP writeback: pre-flight of the model, launchers and assets; start the workflow per asset at most once
with a concurrency limit; poll to a final state; prove in the binaries that the tags arrived."""

from __future__ import annotations

import html
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import unquote

import pandas as pd

from .acs import SyncArguments
from .client import WORKFLOW_START_PATH, AemClient, absolute_location
from .errors import AemConnectionError, AemError, AemNotFoundError, ConfigError
from .folder_reads import read_assets
from .jcrpath import validate_path
from .journal import Journal
from .progress import Progress, ProgressCallback
from .workflow_models import (
    XMP_WRITEBACK_PROCESS,
    Launcher,
    ProcessStep,
    read_launchers,
    read_tree_or_none,
    runtime_model_steps,
)

WRITEBACK_MODEL = "/var/workflow/models/dam-xmp-writeback"
WORKFLOW_MODELS_PATH = "/etc/workflow/models.json"
FINAL_STATES = frozenset({"COMPLETED", "ABORTED", "FAILED", "TERMINATED"})
RUNNING_STATES = frozenset({"RUNNING", "SUSPENDED", "ACTIVE"})
RESULT_COLUMNS = ["asset", "instance", "state", "started", "finished", "seconds", "error"]
PROOF_COLUMNS = ["binary_status", "binary_reason"]
INSTANCES_ROOT = "/var/workflow/instances"
QUERYBUILDER_PATH = "/bin/querybuilder.json"
ADOPT_WINDOW = timedelta(minutes=2)  # clock-skew allowance: a finished instance started since (POST - this) is ours
CLOUD_NOTES = (
    "AEM as a Cloud Service ships XMP writeback switched off (its launcher is disabled): binaries change only "
    "when a writeback is started, as here.",
    "Writeback breaks MSM inheritance: a live-copy asset whose binary is rewritten stops receiving its "
    "blueprint's rollouts for that binary.",
)
CREATEVERSION_NOTE = ("createversion:true needs a user id to own the version: on AEM as a Cloud Service a "
                      "workflow started by a technical account (service credentials) may fail to create it.")


# -- pre-flight -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One pre-flight finding: ``level`` error (blocks), warning (needs --force) or note (for information)."""

    level: str
    code: str
    message: str


@dataclass
class WritebackPreflight:
    """What was checked before starting writeback: the model's step and arguments, launchers, live copies."""

    model: str
    assets: list[str]
    steps: list[ProcessStep] = field(default_factory=list)
    launchers: list[Launcher] = field(default_factory=list)
    live_copies: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def _messages(self, level: str) -> list[str]:
        return [f.message for f in self.findings if f.level == level]

    @property
    def errors(self) -> list[str]:
        return self._messages("error")

    @property
    def warnings(self) -> list[str]:
        return self._messages("warning")

    @property
    def notes(self) -> list[str]:
        return self._messages("note")

    @property
    def ok(self) -> bool:
        """No errors (warnings still need a deliberate confirmation)."""
        return not self.errors

    @property
    def codes(self) -> set[str]:
        return {f.code for f in self.findings}

    def summary(self) -> str:
        verdict = ("ready" if not self.warnings else "ready with warnings") if self.ok else "NOT ready"
        lines = [f"Writeback pre-flight for {len(self.assets)} assets with {self.model}: {verdict}"]
        for finding in self.findings:
            lines.append(f"  {finding.level}: {finding.message}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        colours = {"error": "#b00020", "warning": "#a15c00", "note": "#555"}
        items = "".join(f"<li style='color:{colours[f.level]}'><b>{f.level}</b>: {html.escape(f.message)}</li>"
                        for f in self.findings)
        head = html.escape(self.summary().splitlines()[0])
        return f"<div><b>{head}</b><ul>{items}</ul></div>"


def writeback_arguments(args: str) -> dict[str, list[str]]:
    """The XMP writeback step's arguments (``key:value`` pairs separated by commas or line breaks)."""
    parsed: dict[str, list[str]] = {}
    for part in args.replace("\n", ",").split(","):
        key, sep, value = part.strip().partition(":")
        if sep:
            parsed.setdefault(key.strip().lower(), []).append(value.strip())
    return parsed


def _live_copies(client: AemClient, assets: list[str]) -> tuple[list[str], list[str]]:
    """(live-copy assets, missing assets), read in batched queries: an asset is a live copy when it or its
    jcr:content carries the ``cq:LiveRelationship`` mixin."""
    hits = read_assets(client, assets)
    live = []
    for path in assets:
        hit = hits.get(path)
        if hit is None:
            continue
        content = hit.get("jcr:content") if isinstance(hit.get("jcr:content"), dict) else {}
        holders = [hit, content, content.get("metadata") if isinstance(content.get("metadata"), dict) else {}]
        if any("cq:LiveRelationship" in (h.get("jcr:mixinTypes") or []) for h in holders):
            live.append(path)
    return live, [p for p in assets if p not in hits]


def _short_list(paths: list[str], limit: int = 5) -> str:
    shown = ", ".join(paths[:limit])
    return shown + (f" … and {len(paths) - limit} more" if len(paths) > limit else "")


def writeback_preflight(client: AemClient, assets: Iterable[str] | pd.Series | pd.DataFrame,
                        model: str = WRITEBACK_MODEL) -> WritebackPreflight:
    """Check, before anything starts: the model exists and has the XMP writeback step with
    ``createversion:true,rendition:original`` (as the ACS docs require); which launchers start writeback on
    metadata changes and whether they are enabled; which chosen assets are MSM live copies."""
    if isinstance(assets, pd.DataFrame):
        assets = assets["path"]
    paths = list(dict.fromkeys(validate_path(str(a)) for a in assets))
    report = WritebackPreflight(model=model, assets=paths)
    add = report.findings.append
    tree = read_tree_or_none(client, validate_path(model))
    if tree is None:
        add(Finding("error", "model_missing", f"Workflow model {model} does not exist (or may not be read): "
                                              "no writeback can be started with it."))
    else:
        report.steps = runtime_model_steps(model, tree)
        writeback = [s for s in report.steps if s.is_xmp_writeback]
        if not writeback:
            add(Finding("error", "step_missing",
                        f"Model {model} has no XMP Writeback process step ({XMP_WRITEBACK_PROCESS}): the workflow "
                        "would finish without writing anything into the binaries."))
        for step in writeback:
            values = writeback_arguments(step.args)
            if "original" not in values.get("rendition", []):
                add(Finding("warning", "no_rendition_original",
                            f"Step {step.step_title!r} has no rendition:original (arguments {step.args!r}): the "
                            "smart tags will not reach the original binary, which is the file creative "
                            "applications download; every asset will end as not_written_back."))
            if "true" not in [v.lower() for v in values.get("createversion", [])]:
                add(Finding("warning", "no_createversion",
                            f"Step {step.step_title!r} has no createversion:true (arguments {step.args!r}): AEM "
                            "will rewrite each original without saving a version first, so the previous binary "
                            "cannot be restored from the version history."))
            else:
                add(Finding("note", "createversion_user", CREATEVERSION_NOTE))
    report.launchers = [launcher for launcher in read_launchers(client)
                        if launcher.workflow == model and launcher.watches_metadata]
    for launcher in report.launchers:
        if launcher.enabled:
            add(Finding("warning", "launcher_enabled",
                        f"Launcher {launcher.path} is enabled: AEM itself starts {model} whenever metadata under "
                        f"{launcher.glob!r} changes, so the sync has already queued a writeback for each asset; "
                        "starting it here too writes each binary twice (and may loop with DAM Update Asset)."))
        else:
            add(Finding("note", "launcher_disabled",
                        f"Launcher {launcher.path} exists but is disabled: writeback happens only when started."))
    if paths:
        live, missing = _live_copies(client, paths)
        report.live_copies = live
        if live:
            add(Finding("warning", "live_copies",
                        f"{len(live)} of the chosen assets are MSM live copies ({_short_list(live)}): writeback "
                        "rewrites their binary and breaks inheritance from the blueprint; later rollouts no longer "
                        "update it."))
        if missing:
            add(Finding("warning", "missing_assets",
                        f"{len(missing)} chosen assets do not exist: {_short_list(missing)}."))
    for note in CLOUD_NOTES:
        add(Finding("note", "cloud_service", note))
    return report


# -- starting and polling ---------------------------------------------------------------------------------


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


def outcome_uncertain(exc: AemError) -> bool:
    """Whether a failed POST may still have been carried out (no answer, or a 5xx from a proxy or AEM)."""
    return isinstance(exc, AemConnectionError) or exc.status is None or exc.status >= 500


def _parse_time(value: Any) -> datetime | None:
    text = str(value or "")
    for parse in (lambda t: datetime.fromisoformat(t.replace("Z", "+00:00")),
                  lambda t: datetime.strptime(t[:33], "%a %b %d %Y %H:%M:%S GMT%z")):
        try:
            moment = parse(text)
        except ValueError:
            continue
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return None


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
        started = _parse_time(hit.get("startTime"))
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
    prove: bool = True,
    args: SyncArguments | None = None,
    journal: Journal | None = None,
    run: str | None = None,
    show_progress: bool = True,
    on_progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """Run the writeback workflow for each asset, at most ``max_concurrent`` at a time, each started at most
    once; poll each instance until a final state or ``timeout_s``. With ``prove`` the original binaries of
    exactly these assets are read afterwards: ``binary_status`` is written_back or not_written_back (with
    ``binary_reason``). With ``journal`` (and ``run``) each start and end is journaled as an event of that run.
    One row per asset; failures are rows, not exceptions."""
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
    record = _journal_writer(journal, run, model)
    rows: list[dict[str, Any]] = []
    running: list[_Running] = []
    with Progress(len(queue), "XMP writeback", show=show_progress, callback=on_progress) as progress:
        while queue or running:
            while queue and len(running) < max_concurrent:
                asset = queue.popleft()
                try:
                    instance, _ = start_at_most_once(client, asset, model)
                except AemError as exc:
                    rows.append(_row(asset, "", "NOT_STARTED", _now(), None, str(exc)))
                    record("writeback_not_started", asset, error=str(exc))
                    progress.advance()
                    continue
                record("writeback_started", asset, instance=instance)
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
                    record("writeback_finished", item.asset, instance=item.instance, state=state, error=error)
                    progress.advance()
                else:
                    still.append(item)
            running = still
    report = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    if prove:
        report = prove_written_back(client, report, args, show_progress=show_progress)
        for row in report.itertuples():
            record("writeback_proof", row.asset, binary_status=row.binary_status, reason=row.binary_reason)
    return report


def _journal_writer(journal: Journal | None, run: str | None, model: str) -> Callable[..., None]:
    def record(event: str, asset: str, **extra: Any) -> None:
        if journal is not None and run is not None:
            journal.append([{"run": run, "kind": run.split("-", 1)[0], "event": event, "asset": asset,
                             "model": model, **extra}])
    return record


def prove_written_back(client: AemClient, report: pd.DataFrame, args: SyncArguments | None = None, *,
                       show_progress: bool = True) -> pd.DataFrame:
    """Read the original binaries of exactly the report's assets and add ``binary_status`` (written_back /
    not_written_back) and ``binary_reason``: written_back only when the binary's smart tag array equals the
    asset's XMP node (names, order, confidences)."""
    from .audit import audit
    from .binxmp import check_binaries
    from .inventory import snapshot_of

    out = report.copy()
    out["binary_status"], out["binary_reason"] = "not_written_back", ""
    if out.empty:
        return out
    args = args or SyncArguments()
    result = audit(snapshot_of(client, out["asset"].tolist(), args), args)
    result, _ = check_binaries(client, result, args, show_progress=show_progress)
    audited = result.assets.set_index("path")
    for index, row in out.iterrows():
        asset = row["asset"]
        if asset not in audited.index:
            status, reason = "not_written_back", "asset no longer exists"
        else:
            status = str(audited.loc[asset, "status"])
            found = audited.loc[asset, "reason"]
            reason = "" if pd.isna(found) else str(found)
            if status not in ("written_back", "not_written_back"):
                reason = f"XMP node is {status}{': ' + reason if reason else ''}; nothing to compare the binary with"
                status = "not_written_back"
        if status == "not_written_back" and row["state"] != "COMPLETED":
            reason = f"workflow {row['state']}: {row['error'] or reason}"
        out.at[index, "binary_status"] = status
        out.at[index, "binary_reason"] = "" if status == "written_back" else (reason or "binary differs")
    return out


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


# -- sync + writeback as one run --------------------------------------------------------------------------


@dataclass
class SyncWritebackResult:
    """A sync run and the writeback of the assets it wrote, journaled under one run id."""

    sync: Any  # sync.ApplyResult
    writeback: pd.DataFrame

    @property
    def run(self) -> str:
        return str(self.sync.run)

    @property
    def ok(self) -> bool:
        return bool(self.sync.ok) and bool((self.writeback["binary_status"] == "written_back").all())

    def summary(self) -> str:
        counts = self.writeback["binary_status"].value_counts().to_dict() if len(self.writeback) else {}
        proof = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no writeback"
        return f"{self.sync.summary()}\nwriteback: {proof}"


def check_preflight(preflight: WritebackPreflight, *, force: bool) -> None:
    """Raise ConfigError on errors, and on warnings unless ``force``."""
    if not preflight.ok:
        raise ConfigError("Writeback pre-flight failed: " + " | ".join(preflight.errors))
    if preflight.warnings and not force:
        raise ConfigError(f"Writeback pre-flight has {len(preflight.warnings)} warnings (shown above); "
                          "confirm with --force (force=True) to start anyway")


def sync_and_writeback(
    client: AemClient,
    plan: Any,
    journal: Journal,
    *,
    model: str = WRITEBACK_MODEL,
    force: bool = False,
    max_concurrent: int = 4,
    poll_interval: float = 1.0,
    show_progress: bool = True,
) -> SyncWritebackResult:
    """Apply a previewed sync plan, then start writeback for exactly the assets it wrote and verified, as the
    ACS docs' example model does (sync step, then writeback step). Pre-flight runs first: errors stop before
    anything is written, warnings need ``force``. Every event goes into ``journal`` under the sync's run id."""
    from .sync import apply_plan

    check_preflight(writeback_preflight(client, [c.asset for c in plan.changes], model), force=force)
    result = apply_plan(client, plan, journal, show_progress=show_progress)
    outcomes = result.outcomes
    written = outcomes.loc[(outcomes["outcome"] == "applied") & outcomes["verified"].fillna(False), "asset"]
    report = run_writeback(client, written.tolist(), model=model, max_concurrent=max_concurrent,
                           poll_interval=poll_interval, args=plan.arguments, journal=journal, run=result.run,
                           show_progress=show_progress)
    return SyncWritebackResult(result, report)
