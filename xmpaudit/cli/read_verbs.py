"""The verbs that read: inventory and audit."""

from __future__ import annotations

import argparse
from pathlib import Path

from xmpaudit.audit.binaries import check_binaries
from xmpaudit.audit.compare import audit
from xmpaudit.audit.fixlist import export
from xmpaudit.audit.headline import summary
from xmpaudit.audit.report import write_report
from xmpaudit.audit.summary_json import audit_summary, write_summary_json
from xmpaudit.cli.options import client_for, require_root, sync_arguments
from xmpaudit.core.errors import ConfigError
from xmpaudit.read.incremental import incremental_since, refresh_inventory
from xmpaudit.read.inventory import take_inventory
from xmpaudit.read.snapshot import Snapshot
from xmpaudit.workspace.history import previous_counts, record_audit
from xmpaudit.write.journal import Journal


def cmd_inventory(args: argparse.Namespace) -> int:
    previous = Snapshot.load(args.out) if args.incremental else None
    if previous is not None and previous.meta.get("root") != args.root:
        raise ConfigError(f"{args.out} holds an inventory of {previous.meta.get('root')}, not {args.root}")
    client = client_for(args)
    require_root(client, args.root)
    sync_args = sync_arguments(args, client)
    if previous is not None:
        since = incremental_since(previous)
        journal_path = Path(args.journal)
        written = Journal(journal_path).assets_since(args.root, since) if journal_path.exists() else []
        snapshot, changes = refresh_inventory(client, previous, sync_args, since=since, workers=args.workers,
                                              page_size=args.page_size, read_budget=args.read_limit // 2,
                                              show_progress=not args.quiet, also_read=written)
        print(f"Since the previous snapshot: {changes.summary()}")
    else:
        snapshot = take_inventory(client, args.root, sync_args, workers=args.workers, page_size=args.page_size,
                                  read_budget=args.read_limit // 2, checkpoint_dir=args.checkpoint,
                                  show_progress=not args.quiet)
    snapshot.save(args.out)
    print(f"{snapshot.summary()}\nSaved to {args.out}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    client = None
    if args.snapshot:
        snapshot = Snapshot.load(args.snapshot)
        sync_args = sync_arguments(args) if args.process_args else snapshot.arguments
    else:
        client = client_for(args)
        require_root(client, args.root)
        sync_args = sync_arguments(args, client)
        snapshot = take_inventory(client, args.root, sync_args, show_progress=not args.quiet)
    result = audit(snapshot, sync_args)
    if args.binaries:

        result, _ = check_binaries(client or client_for(args), result, sync_args, show_progress=not args.quiet)
    previous = previous_counts(snapshot.meta)
    record_audit(result, snapshot.meta, "cli audit")
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
