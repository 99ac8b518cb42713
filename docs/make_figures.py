"""Regenerate the README figures from the demo DAM: ``python docs/make_figures.py``."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from xmpaudit.aem.connection import connect
from xmpaudit.audit import plots
from xmpaudit.audit.compare import audit
from xmpaudit.audit.headline import headline
from xmpaudit.core.acs import SyncArguments
from xmpaudit.read.inventory import take_inventory

HERE = Path(__file__).parent

if __name__ == "__main__":
    client = connect()
    snapshot = take_inventory(client, "/content/dam/xmpaudit-demo", SyncArguments(), show_progress=False)
    result = audit(snapshot)
    figure = plots.audit_dashboard(result, snapshot.smart_tags)
    figure.savefig(HERE / "audit-dashboard.png", dpi=80)
    print(headline(result, meta=snapshot.meta).to_markdown())
