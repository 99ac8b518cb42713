"""The what-if verb: what the ACS process would write at other minimumConfidence values, per tag confidence, and
the fix list (and sync preview) planned for a chosen threshold; read-only, from a snapshot or a fresh inventory."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from xmpaudit.aem.client import AemClient
from xmpaudit.audit.compare import audit
from xmpaudit.audit.result import AuditResult
from xmpaudit.audit.tag_confidence import confidence_per_tag
from xmpaudit.audit.whatif import (
    ThresholdModel,
    arguments_at,
    sweep_thresholds,
    threshold_label,
    threshold_words,
)
from xmpaudit.audit.whatif_table import SHOWN_STEPS, whatif_note, whatif_rows
from xmpaudit.cli.options import client_for, print_table, process_args_text, sync_arguments
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.dates import moment_words
from xmpaudit.core.errors import ConfigError
from xmpaudit.core.number_words import counted
from xmpaudit.core.statuses import FIXABLE_STATUSES
from xmpaudit.read.snapshot import Snapshot
from xmpaudit.write.plan import plan_sync


def _snapshot(args: argparse.Namespace) -> tuple[Snapshot, SyncArguments, AemClient | None]:
    if args.snapshot:
        snapshot = Snapshot.load(args.snapshot)
        return snapshot, (sync_arguments(args) if args.process_args else snapshot.arguments), None
    from xmpaudit.workspace.session import open_session  # the session's store, freshness rule and history

    session = open_session(None, args.root, process_args_text(args), client=client_for(args),
                           show_progress=not args.quiet, surface="cli what-if")
    print(session.arguments_line())
    return session.snapshot, session.args, session.client


def cmd_what_if(args: argparse.Namespace) -> int:
    snapshot, sync_args, client = _snapshot(args)
    result = audit(snapshot, sync_args)
    model = ThresholdModel.build(result, snapshot.smart_tags)
    current = model.current
    sweep = model.sweep(sweep_thresholds(args.threshold, current))
    chosen = args.threshold[-1] if args.threshold else None
    print(f"What the ACS process would write, from the snapshot taken {moment_words(snapshot.meta.get('taken_at'))} "
          f"({counted(len(snapshot.assets), 'asset')}); the step's minimumConfidence is {threshold_words(current)}")
    print_table(whatif_rows(sweep, chosen, [*SHOWN_STEPS, *args.threshold]), limit=len(sweep))
    print(whatif_note(sweep))
    for value in args.threshold:
        print(f"\nTags dropped most at minimumConfidence={threshold_words(value)} (newly: written now, not then):")
        print_table(model.dropped_tags(value, top=10))
    if args.csv:
        Path(args.csv).parent.mkdir(parents=True, exist_ok=True)
        sweep.to_csv(args.csv, index=False)
        print(f"\nSweep written to {args.csv}")
    table = confidence_per_tag(snapshot.smart_tags, current) if args.tags else None
    if table is not None:
        print(f"\nConfidence per smart tag (under the threshold: dropped at {threshold_words(current)}):")
        print_table(table, limit=40)
    if args.plot:
        _save_plots(args.plot, sweep, table, current, chosen)
    if args.plan is not None:
        _plan(args, snapshot, sync_args, client, current)
    return 0


def _save_plots(target: str, sweep: pd.DataFrame, table: pd.DataFrame | None, current: float,
                chosen: float | None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    from xmpaudit.audit.tag_confidence import tag_confidence_plot
    from xmpaudit.audit.whatif_plot import plot_what_if

    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    ax = plot_what_if(sweep, chosen=chosen)
    ax.figure.savefig(path, dpi=100)
    plt.close(ax.figure)
    print(f"What-if plot saved to {path}")
    if table is not None:
        tags_path = path.with_name(f"{path.stem}-tags{path.suffix}")
        ax = tag_confidence_plot(table, current)
        ax.figure.savefig(tags_path, dpi=100)
        plt.close(ax.figure)
        print(f"Tag confidence plot saved to {tags_path}")


def _plan(args: argparse.Namespace, snapshot: Snapshot, sync_args: SyncArguments, client: AemClient | None,
          current: float) -> None:
    chosen = arguments_at(sync_args, args.plan)
    label = threshold_label(chosen.minimum_confidence, current)
    planned: AuditResult = audit(snapshot, chosen)
    fixable = planned.assets[planned.assets["status"].isin(FIXABLE_STATUSES)]
    print(f"\nFix list {label}: {counted(len(fixable), 'asset')} to fix "
          f"({', '.join(f'{s} {n}' for s, n in fixable['status'].value_counts().items() if n)})")
    client = client or client_for(args)
    source = snapshot.meta.get("source")
    if source and source.rstrip("/") != client.base_url.rstrip("/"):
        raise ConfigError(f"The snapshot is of {source}, not of {client.base_url}: pass --url {source} to plan")
    plan = plan_sync(client, fixable["path"].astype(str).tolist(), chosen)
    print(f"Sync preview {label} (nothing written; apply with the step set to this value, or sync "
          f"--process-args minimumConfidence={threshold_words(args.plan)}):\n{plan.summary()}")
