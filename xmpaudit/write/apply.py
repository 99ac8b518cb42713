"""Write the XMP array node exactly as the ACS process would: apply a previewed plan (the public entry point).

Every change is journaled (before/after) before it is sent; undo restores the journaled ``before``. The run
itself is ``write_run.WriteRun``."""

from __future__ import annotations

from xmpaudit.aem.client import AemClient
from xmpaudit.core.errors import ConfigError
from xmpaudit.core.progress import ProgressCallback
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
    """Apply a previewed plan in guarded, batched POSTs (``max_parallel`` requests in flight).

    Right before each batch is written its assets are read again (the guard read): an asset that changed since
    the preview, or is gone, is skipped. Where many of a folder's assets change, the guard read is a page of that
    folder (``folder_pages``; no paths in the URL) and the changes on that page are written right after it;
    the others are read by path, batch by batch. Intent is journaled before sending (a journal failure stops the
    run). Each POST moves the node it replaces aside in the same save; afterwards the moved-aside node is compared
    with what the preview read: a difference (another writer in between) is reported as ``conflict`` and their
    node is put back. A node the POST created for an asset deleted meanwhile is deleted again (``conflict``).
    Written nodes are read back; anything not written exactly is rewritten once with an import. A 401/403 on a
    write stops the run. ``multipart`` sends multipart/form-data POSTs (larger batches: no servlet-container form
    limits)."""
    if not isinstance(plan, SyncPlan):
        raise ConfigError("apply_plan needs the SyncPlan from plan_sync (preview first)")
    if batch_assets < 1:
        raise ConfigError("batch_assets must be >= 1")
    if not 1 <= max_parallel <= 16:
        raise ConfigError("max_parallel must be from 1 to 16")
    options = RunOptions(batch_assets=batch_assets, max_parallel=max_parallel, verify=verify, multipart=multipart,
                         folder_pages=folder_pages, show_progress=show_progress, on_progress=on_progress)
    return WriteRun(client, plan, journal, options, post=guarded_post).execute()
