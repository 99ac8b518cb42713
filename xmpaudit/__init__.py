"""xmpaudit: audit and fix how AEM Assets smart tags are carried into XMP metadata.

This is the public face: notebooks, the README and users import from here (``from xmpaudit import open_session``).
Module paths below it are internal. Names load on first use, so ``import xmpaudit`` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

from xmpaudit.core.version import __version__

# public name -> the module that owns it (a name equal to its module's last part is that module itself)
_OWNERS: dict[str, str] = {
    # the session every surface opens: connection, process arguments, a fresh snapshot
    "open_session": "xmpaudit.workspace.session",
    "NotebookSession": "xmpaudit.workspace.session",
    # AEM
    "connect": "xmpaudit.aem.connection",
    "ConnectionSettings": "xmpaudit.aem.settings",
    "AemClient": "xmpaudit.aem.client",
    "resolve_process_args": "xmpaudit.aem.process_args",
    # the domain
    "SyncArguments": "xmpaudit.core.acs",
    "STATUSES": "xmpaudit.core.statuses",
    "status_words": "xmpaudit.core.statuses",
    "XmpAuditError": "xmpaudit.core.errors",
    "ConfigError": "xmpaudit.core.errors",
    "AemError": "xmpaudit.core.errors",
    # reading
    "take_inventory": "xmpaudit.read.inventory",
    "refresh_inventory": "xmpaudit.read.incremental",
    "Snapshot": "xmpaudit.read.snapshot",
    "read_binary_xmp": "xmpaudit.read.binxmp",
    # the audit and how it is shown
    "audit": "xmpaudit.audit.compare",
    "AuditResult": "xmpaudit.audit.result",
    "check_binaries": "xmpaudit.audit.binaries",
    "headline": "xmpaudit.audit.headline",
    "Headline": "xmpaudit.audit.headline",
    "fix_list": "xmpaudit.audit.fixlist",
    "FixListTable": "xmpaudit.audit.fixlist",
    "export": "xmpaudit.audit.fixlist",
    "export_all": "xmpaudit.audit.fixlist",
    "write_report": "xmpaudit.audit.report",
    "plots": "xmpaudit.audit.plots",
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
    # the demo AEM
    "Simulator": "xmpaudit.simulator",
    "DemoSpec": "xmpaudit.simulator",
    "build_demo_repository": "xmpaudit.simulator",
}

__all__ = ["__version__", *sorted(_OWNERS)]


def __getattr__(name: str) -> Any:
    owner = _OWNERS.get(name)
    if owner is None:
        raise AttributeError(f"module 'xmpaudit' has no attribute {name!r}")
    module = importlib.import_module(owner)
    value = module if owner.rsplit(".", 1)[-1] == name else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)

