"""Regenerate the figures of docs/whatif.md from the demo DAM: ``python docs/make_whatif_figures.py``.

The what-if and per-tag plots are of the demo at minimumConfidence 0.5. The history plot is of six audits of the
demo, a few missing assets synced between them (in the embedded simulator only), dated a week apart; the history
goes to a temporary folder, never to the user's."""

import atexit
import os
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
from matplotlib import pyplot as plt
from matplotlib.axes import Axes

from xmpaudit.aem.connection import connect
from xmpaudit.aem.demo_dam import stop_demo
from xmpaudit.audit.compare import audit
from xmpaudit.audit.tag_confidence import confidence_per_tag, tag_confidence_plot
from xmpaudit.audit.whatif import ThresholdModel, sweep_thresholds
from xmpaudit.audit.whatif_plot import plot_what_if
from xmpaudit.core.acs import SyncArguments
from xmpaudit.read.inventory import take_inventory
from xmpaudit.workspace.history import read_history, record_audit
from xmpaudit.workspace.history_plot import coverage_over_time
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import plan_sync

HERE = Path(__file__).parent
ROOT = "/content/dam/xmpaudit-demo"


def save(ax: Axes, name: str) -> None:
    ax.figure.savefig(HERE / name, dpi=80)
    plt.close(ax.figure)


if __name__ == "__main__":
    os.environ["XMPAUDIT_HOME"] = tempfile.mkdtemp(prefix="xmpaudit-figures-")
    atexit.register(stop_demo)  # the fresh demo DAM started in that folder ends with the script
    client = connect()
    args = SyncArguments(minimum_confidence=0.5)
    snapshot = take_inventory(client, ROOT, args, show_progress=False)
    result = audit(snapshot, args)
    model = ThresholdModel.build(result, snapshot.smart_tags)
    save(plot_what_if(model.sweep(sweep_thresholds([0.7], model.current)), chosen=0.7), "whatif-sweep.png")
    save(tag_confidence_plot(confidence_per_tag(snapshot.smart_tags, 0.5), 0.5, n=20), "whatif-tags.png")
    journal = Journal(Path(os.environ["XMPAUDIT_HOME"]) / "journal.jsonl")
    start = datetime(2026, 10, 1, 8, tzinfo=timezone.utc)
    for week in range(6):
        snapshot = take_inventory(client, ROOT, args, show_progress=False)
        snapshot.meta["taken_at"] = (start + timedelta(weeks=week)).isoformat(timespec="seconds")
        result = audit(snapshot, args)
        record_audit(result, snapshot.meta, "figures")
        fixable = result.assets.loc[result.assets["status"] == "missing_xmp", "path"].tolist()
        apply_plan(client, plan_sync(client, fixable[: 4 + 3 * week], args), journal, show_progress=False)
    save(coverage_over_time(read_history(client.base_url, ROOT)), "history-coverage.png")
    print("written: whatif-sweep.png, whatif-tags.png, history-coverage.png")
