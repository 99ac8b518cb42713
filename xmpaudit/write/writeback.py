"""XMP writeback: pre-flight of the model, launchers and assets; start the workflow per asset at most once
with a concurrency limit; poll to a final state; prove in the binaries that the tags arrived."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import pandas as pd

from xmpaudit.aem.client import AemClient
from xmpaudit.aem.workflows import FINAL_STATES, WRITEBACK_MODEL, list_models, start_at_most_once, workflow_state
from xmpaudit.audit.binaries import check_binaries
from xmpaudit.audit.compare import audit
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import AemError, AemNotFoundError, ConfigError
from xmpaudit.core.jcrpath import validate_path
from xmpaudit.core.progress import Progress, ProgressCallback
from xmpaudit.core.statuses import reason_words
from xmpaudit.read.inventory import snapshot_of
from xmpaudit.write.argument_check import check_arguments
from xmpaudit.write.journal import Journal
from xmpaudit.write.outcomes import BINARY_WORDS, NOTHING_TO_WRITE_REASON, BinaryOutcome

RESULT_COLUMNS = ["asset", "instance", "state", "started", "finished", "seconds", "error"]
PROOF_COLUMNS = ["binary_status", "binary_reason"]


@dataclass
class _Running:
    asset: str
    instance: str
    started: float
    started_at: str


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
    args: SyncArguments,
    journal: Journal | None = None,
    run: str | None = None,
    show_progress: bool = True,
    on_progress: ProgressCallback | None = None,
    args_from_aem: bool = False,
) -> pd.DataFrame:
    """Run the writeback workflow for each asset, at most ``max_concurrent`` at a time, each started at most
    once; poll each instance until a final state or ``timeout_s``. With ``prove`` the original binaries of
    exactly these assets are read afterwards: ``binary_status`` is a ``BinaryOutcome`` — written_back,
    not_written_back (with ``binary_reason``), or nothing_to_write (no smart tags and no XMP node). With
    ``journal`` (and ``run``) each start and end is journaled as an event of that run.
    One row per asset; failures are rows, not exceptions. With ``args_from_aem`` (``args`` were read from the
    workflow model) they are read again first: a change refuses the run (``ConfigError``, nothing started)."""
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
    if queue:
        check_arguments(client, args, read_from_aem=args_from_aem)
    record = _journal_writer(journal, run, model)
    with Progress(len(queue), "XMP writeback", show=show_progress, callback=on_progress) as progress:
        rows = _drive(client, queue, _Pace(model, max_concurrent, poll_interval, timeout_s), record, progress)
    report = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    if prove:
        report = prove_written_back(client, report, args, show_progress=show_progress)
        for row in report.itertuples():
            record("writeback_proof", row.asset, binary_status=row.binary_status, reason=row.binary_reason)
    return report


@dataclass(frozen=True)
class _Pace:
    model: str
    max_concurrent: int
    poll_interval: float
    timeout_s: float


def _drive(client: AemClient, queue: deque[str], pace: _Pace, record: Callable[..., None],
           progress: Progress) -> list[dict[str, Any]]:
    """Start the queued assets' workflows (at most ``max_concurrent`` running) and poll each to its end."""
    rows: list[dict[str, Any]] = []
    running: list[_Running] = []
    while queue or running:
        while queue and len(running) < pace.max_concurrent:
            asset = queue.popleft()
            try:
                instance, _ = start_at_most_once(client, asset, pace.model)
            except AemError as exc:
                rows.append(_row(asset, "", "NOT_STARTED", _now(), None, str(exc)))
                record("writeback_not_started", asset, error=str(exc))
                progress.advance()
                continue
            record("writeback_started", asset, instance=instance)
            running.append(_Running(asset, instance, time.monotonic(), _now()))
        if not running:
            continue
        time.sleep(pace.poll_interval)
        still = []
        for item in running:
            state, error = _poll(client, item)
            elapsed = time.monotonic() - item.started
            if state not in FINAL_STATES and elapsed > pace.timeout_s:
                state, error = "TIMEOUT", f"still {state} after {pace.timeout_s:g}s (instance left running)"
            if state in FINAL_STATES or state == "TIMEOUT":
                rows.append(_row(item.asset, item.instance, state, item.started_at, elapsed, error))
                record("writeback_finished", item.asset, instance=item.instance, state=state, error=error)
                progress.advance()
            else:
                still.append(item)
        running = still
    return rows


def _journal_writer(journal: Journal | None, run: str | None, model: str) -> Callable[..., None]:
    def record(event: str, asset: str, **extra: Any) -> None:
        if journal is not None and run is not None:
            journal.append([{"run": run, "kind": run.split("-", 1)[0], "event": event, "asset": asset,
                             "model": model, **extra}])
    return record


def prove_written_back(client: AemClient, report: pd.DataFrame, args: SyncArguments, *,
                       show_progress: bool = True) -> pd.DataFrame:
    """Read the original binaries of exactly the report's assets and add ``binary_status`` (a ``BinaryOutcome``)
    and ``binary_reason``: written_back only when the binary's smart tag array equals the asset's XMP node
    (names, order, confidences); nothing_to_write when the asset has neither smart tags nor an XMP node and its
    workflow completed."""

    out = report.copy()
    out["binary_status"], out["binary_reason"] = BinaryOutcome.NOT_WRITTEN_BACK, ""
    if out.empty:
        return out
    result = audit(snapshot_of(client, out["asset"].tolist(), args), args)
    result, _ = check_binaries(client, result, args, show_progress=show_progress)
    audited = result.assets.set_index("path")
    for index, row in out.iterrows():
        status, reason = _binary_outcome(audited, row)
        out.at[index, "binary_status"] = status
        out.at[index, "binary_reason"] = reason
    return out


def _binary_outcome(audited: pd.DataFrame, row: pd.Series) -> tuple[BinaryOutcome, str]:
    """One report row's binary outcome and reason ('' when written back)."""
    asset = row["asset"]
    if asset not in audited.index:
        status, reason = BinaryOutcome.NOT_WRITTEN_BACK, "asset no longer exists"
    else:
        status = str(audited.loc[asset, "status"])
        reason = reason_words(status, audited.loc[asset, "reason"], audited.loc[asset, "stale_flags"])
        if status == "no_smart_tags" and row["state"] == "COMPLETED":
            return BinaryOutcome.NOTHING_TO_WRITE, NOTHING_TO_WRITE_REASON
        if status not in (BinaryOutcome.WRITTEN_BACK, BinaryOutcome.NOT_WRITTEN_BACK):
            reason = f"XMP node is {status}{': ' + reason if reason else ''}; nothing to compare the binary with"
            status = BinaryOutcome.NOT_WRITTEN_BACK
    if status == BinaryOutcome.NOT_WRITTEN_BACK and row["state"] != "COMPLETED":
        reason = f"workflow {row['state']}: {row['error'] or reason}"
    status = BinaryOutcome(status)
    return status, "" if status == BinaryOutcome.WRITTEN_BACK else (reason or "binary differs")


def binary_counts(report: pd.DataFrame) -> str:
    """A writeback report's binary outcomes in words with their counts ("2 written back, 1 nothing to write
    back"; "no writeback" when empty)."""
    counts = report["binary_status"].value_counts() if len(report) else pd.Series(dtype=int)
    return ", ".join(f"{int(n)} {BINARY_WORDS.get(str(s), str(s))}"
                     for s, n in sorted(counts.items(), key=lambda item: str(item[0]))) or "no writeback"


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
