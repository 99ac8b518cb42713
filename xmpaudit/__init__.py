"""xmpaudit: audit and fix how AEM Assets smart tags are carried into XMP metadata.

This is the public face: notebooks, the README and users import from here (``from xmpaudit import open_session``).
Module paths below it are internal. Names load on first use, so ``import xmpaudit`` stays light.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

from xmpaudit.core.version import __version__

# public name -> the module that owns it (the name is an attribute of that module, or the module itself in _MODULES)
_OWNERS: dict[str, str] = {
    # the session every surface opens: connection, process arguments, a fresh snapshot
    "open_session": "xmpaudit.workspace.session",
    "NotebookSession": "xmpaudit.workspace.session",
    "SnapshotStore": "xmpaudit.read.snapshot_store",
    "default_journal_path": "xmpaudit.core.locations",
    "max_snapshot_age": "xmpaudit.workspace.freshness",
    # AEM
    "connect": "xmpaudit.aem.connection",
    "ConnectionSettings": "xmpaudit.aem.settings",
    "AemClient": "xmpaudit.aem.client",
    "resolve_process_args": "xmpaudit.aem.process_args",
    "asset_link": "xmpaudit.aem.asset_links",
    # the domain
    "SyncArguments": "xmpaudit.core.acs",
    "STATUSES": "xmpaudit.core.statuses",
    "status_words": "xmpaudit.core.statuses",
    "reason_words": "xmpaudit.core.statuses",
    "stale_reasons": "xmpaudit.core.statuses",
    "coverage_of": "xmpaudit.core.statuses",
    "STATUS_ORDER": "xmpaudit.core.statuses",
    "XmpAuditError": "xmpaudit.core.errors",
    "ConfigError": "xmpaudit.core.errors",
    "AemError": "xmpaudit.core.errors",
    "UsageError": "xmpaudit.core.errors",
    # reading
    "take_inventory": "xmpaudit.read.inventory",
    "refresh_inventory": "xmpaudit.read.incremental",
    "Snapshot": "xmpaudit.read.snapshot",
    "read_binary_xmp": "xmpaudit.read.binxmp",
    # the audit and how it is shown
    "audit": "xmpaudit.audit.compare",
    "AuditResult": "xmpaudit.audit.result",
    "audit_partitions": "xmpaudit.audit.partitions",
    "check_binaries": "xmpaudit.audit.binaries",
    "headline": "xmpaudit.audit.headline",
    "Headline": "xmpaudit.audit.headline",
    "fix_list": "xmpaudit.audit.fixlist",
    "FixListTable": "xmpaudit.audit.fixlist",
    "as_table": "xmpaudit.audit.tables",
    "export": "xmpaudit.audit.fixlist",
    "export_all": "xmpaudit.audit.fixlist",
    "write_report": "xmpaudit.audit.report",
    "plots": "xmpaudit.audit.plots",
    "audit_summary": "xmpaudit.audit.summary_json",
    # what-if for minimumConfidence and confidence per tag
    "ThresholdModel": "xmpaudit.audit.whatif",
    "what_if": "xmpaudit.audit.whatif",
    "audit_at": "xmpaudit.audit.whatif",
    "sweep_thresholds": "xmpaudit.audit.whatif",
    "threshold_label": "xmpaudit.audit.whatif",
    "plot_what_if": "xmpaudit.audit.whatif_plot",
    "whatif_rows": "xmpaudit.audit.whatif_table",
    "whatif_note": "xmpaudit.audit.whatif_table",
    "history_table": "xmpaudit.audit.history_table",
    "confidence_per_tag": "xmpaudit.audit.tag_confidence",
    "tag_confidence_plot": "xmpaudit.audit.tag_confidence",
    # coverage over time
    "read_history": "xmpaudit.workspace.history",
    "previous_counts": "xmpaudit.workspace.history",
    "coverage_alert": "xmpaudit.workspace.history",
    "coverage_over_time": "xmpaudit.workspace.history_plot",
    # writing
    "plan_sync": "xmpaudit.write.plan",
    "SyncPlan": "xmpaudit.write.plan",
    "apply_plan": "xmpaudit.write.apply",
    "ApplyResult": "xmpaudit.write.apply",
    "plan_undo": "xmpaudit.write.undo",
    "find_backups": "xmpaudit.write.cleanup",
    "journaled_backups": "xmpaudit.write.cleanup",
    "apply_cleanup": "xmpaudit.write.cleanup",
    "Journal": "xmpaudit.write.journal",
    "writeback_preflight": "xmpaudit.write.writeback_preflight",
    "check_preflight": "xmpaudit.write.writeback_preflight",
    "run_writeback": "xmpaudit.write.writeback",
    "sync_and_writeback": "xmpaudit.write.sync_writeback",
    # surfaces
    "AuditPanel": "xmpaudit.ui.panel",
    "dashboard": "xmpaudit.ui.app",
    "what_if_view": "xmpaudit.ui.whatif_view",
    # the demo AEM
    "Simulator": "xmpaudit.simulator",
    "DemoSpec": "xmpaudit.simulator",
    "build_demo_repository": "xmpaudit.simulator",
}

# public names that are modules (``plots.status_by_folder(result)``); every other name is a function or a class
_MODULES = {"plots"}

__all__ = ["__version__", *sorted(_OWNERS)]


def __getattr__(name: str) -> Any:
    owner = _OWNERS.get(name)
    if owner is None:
        raise AttributeError(f"module 'xmpaudit' has no attribute {name!r}")
    module = importlib.import_module(owner)
    value = module if name in _MODULES else getattr(module, name)
    globals()[name] = value
    return value


class _PublicFace(types.ModuleType):
    """The package, whose public names a sub-package of the same name (``audit``) cannot hide once imported."""

    def __getattribute__(self, name: str) -> Any:
        value = super().__getattribute__(name)
        if isinstance(value, types.ModuleType) and name in _OWNERS and name not in _MODULES:
            return __getattr__(name)
        return value


sys.modules[__name__].__class__ = _PublicFace


def __dir__() -> list[str]:
    return sorted(__all__)

