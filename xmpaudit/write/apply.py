"""Write the XMP array node exactly as the ACS process would: apply a previewed plan (the public entry point).

Every change is journaled (before/after) before it is sent; undo restores the journaled ``before``. The run
itself is ``write_run.WriteRun``."""

from __future__ import annotations

from xmpaudit.aem.client import AemClient
from xmpaudit.core.errors import UsageError
from xmpaudit.core.progress import ProgressCallback
from xmpaudit.write.argument_check import check_arguments
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import SyncPlan
from xmpaudit.write.result import DONE_REASONS, ApplyResult
from xmpaudit.write.sling_params import guarded_post
from xmpaudit.write.write_run import RunOptions, WriteRun

__all__ = ["DEFAULT_BATCH_ASSETS", "DEFAULT_PARALLEL_BATCHES", "DONE_REASONS", "ApplyResult", "apply_plan"]

DEFAULT_BATCH_ASSETS = 400
DEFAULT_PARALLEL_BATCHES = 4


def apply_plan(
    client: AemClient,
    plan: SyncPlan,
    journal: Journal,
    *,
    batch_assets: int = DEFAULT_BATCH_ASSETS,
    verify: bool = True,
    show_progress: bool = True,
    on_progress: ProgressCallback | None = None,
    multipart: bool = True,
    max_parallel: int = DEFAULT_PARALLEL_BATCHES,
    folder_pages: bool = True,
) -> ApplyResult:
    """Apply a previewed plan in guarded, batched POSTs (``max_parallel`` requests in flight); the run is a
    ``WriteRun`` and follows the write protocol of docs/writes.md.

    Arguments the preview read from AEM (``plan.arguments_from_aem``) are read again first: a change since the
    preview refuses the run (``ConfigError``, nothing sent). Right before each batch is written its assets are
    read again (the guard read): an asset that changed since the preview, or is gone, is skipped (by folder
    page where dense, ``folder_pages``; else by path). The run's lease is written to AEM before its first move and
    removed at its end. Intent (with the backup path) is journaled before sending (a journal failure stops the
    run). Each POST moves the node it replaces aside in the same save; a batch AEM refuses is split so the others
    land. Afterwards the moved-aside node is compared with what the preview read: another writer's change is a
    ``conflict`` (their node is put back); a backup someone else removed is a ``conflict`` that keeps what was
    written. Written nodes are read back and repaired once with an import; a backup is removed only once its node
    reads back as planned, else it is kept and journaled as left. A 401/403 on a write stops the run.
    ``multipart`` sends multipart/form-data POSTs (no servlet-container form limits)."""
    if not isinstance(plan, SyncPlan):
        raise UsageError("apply_plan needs the SyncPlan from plan_sync (preview first)")
    if batch_assets < 1:
        raise UsageError("batch_assets must be >= 1")
    if not 1 <= max_parallel <= 16:
        raise UsageError("max_parallel must be from 1 to 16")
    check_arguments(client, plan.arguments, read_from_aem=plan.arguments_from_aem and plan.kind == "sync")
    options = RunOptions(batch_assets=batch_assets, max_parallel=max_parallel, verify=verify, multipart=multipart,
                         folder_pages=folder_pages, show_progress=show_progress, on_progress=on_progress)
    return WriteRun(client, plan, journal, options, post=guarded_post).execute()
