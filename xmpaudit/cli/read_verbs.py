"""The verbs that read: inventory and audit."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from pathlib import Path

from xmpaudit.aem.client import require_root
from xmpaudit.audit.binaries import check_binaries
from xmpaudit.audit.compare import audit
from xmpaudit.audit.fixlist import export
from xmpaudit.audit.headline import summary
from xmpaudit.audit.report import write_report
from xmpaudit.audit.summary_json import audit_summary, write_summary_json
from xmpaudit.cli.options import client_for, process_args_text, sync_arguments
from xmpaudit.core.errors import ConfigError
from xmpaudit.read.incremental import incremental_since, refresh_inventory
from xmpaudit.read.inventory import take_inventory
from xmpaudit.read.snapshot import Snapshot
from xmpaudit.read.snapshot_store import SnapshotStore
from xmpaudit.workspace.freshness import journaled_since, stamp_reads
from xmpaudit.workspace.history import previous_counts, record_audit
from xmpaudit.workspace.session import open_session


def cmd_inventory(args: argparse.Namespace) -> int:
    client = client_for(args)
    store = SnapshotStore.at(args.out) if args.out else SnapshotStore.of(client.base_url, args.root)
    previous = store.latest() if args.incremental else None
    if args.incremental and previous is None:
        raise ConfigError(f"No snapshot in {store.folder} to update: run inventory without --incremental first")
    if previous is not None and previous.meta.get("root") != args.root:
        raise ConfigError(f"{store.folder} holds an inventory of {previous.meta.get('root')}, not {args.root}")
    require_root(client, args.root)
    sync_args = sync_arguments(args, client)
    started = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    if previous is not None:
        since = incremental_since(previous)
        written, _ = journaled_since(args.journal, args.root, since)
        snapshot, changes = refresh_inventory(client, previous, sync_args, since=since, workers=args.workers,
                                              page_size=args.page_size, read_budget=args.read_limit // 2,
                                              show_progress=not args.quiet, also_read=written)
        print(f"Since the previous snapshot: {changes.summary()}")
    else:
        snapshot = take_inventory(client, args.root, sync_args, workers=args.workers, page_size=args.page_size,
                                  read_budget=args.read_limit // 2, checkpoint_dir=args.checkpoint,
                                  show_progress=not args.quiet)
    stamp_reads(snapshot.meta, started, None if previous is None else previous.meta)
    print(f"{snapshot.summary()}\nSaved to {store.save(snapshot)}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    """Offline (``--snapshot``): that folder as it is. Live: the session every surface opens, so the saved
    snapshot is reused or refreshed by the same rules as in the notebooks and the app."""
    client = None
    previous = None
    if args.snapshot:
        snapshot = Snapshot.load(args.snapshot)
        sync_args = sync_arguments(args) if args.process_args else snapshot.arguments
        result = audit(snapshot, sync_args)
        previous = previous_counts(snapshot.meta, arguments=sync_args)
        record_audit(result, snapshot.meta, "cli audit", live=not args.process_args)  # another threshold: offline
    else:
        client = client_for(args)
        session = open_session(None, args.root, process_args_text(args), args.snapshot_dir, refresh=args.refresh,
                               journal=args.journal, max_age=args.max_age, show_progress=not args.quiet,
                               client=client, surface="cli audit")
        print(session.banner_text(), end="\n\n")
        snapshot, sync_args = session.snapshot, session.args
        result = session.audit()
        previous = session.previous_counts()
    if args.binaries:
        result, _ = check_binaries(client or client_for(args), result, sync_args, show_progress=not args.quiet)
    print(summary(result, previous, snapshot.meta))
    for report in args.report:
        print(f"Report written to {write_report(result, snapshot, report, previous=previous)}")
        if Path(report).suffix.lower() in (".html", ".htm"):
            data = audit_summary(result, snapshot.meta, previous)
            print(f"Summary for dashboards written to {write_summary_json(data, Path(report).with_suffix('.json'))}")
    base_url = client.base_url if client is not None else snapshot.meta.get("source")
    for target in args.export:
        written = export(result, snapshot.smart_tags, target, client_base_url=base_url, previous=previous,
                         meta=snapshot.meta, tag_property=args.tag_property)
        print(f"Fix list exported to {written}")
    return 0
