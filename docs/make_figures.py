"""Regenerate the README figures from the demo DAM: ``python docs/make_figures.py``."""

import atexit
import os
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from xmpaudit.aem.connection import connect
from xmpaudit.aem.demo_dam import stop_demo
from xmpaudit.audit import plots
from xmpaudit.audit.compare import audit
from xmpaudit.audit.headline import headline
from xmpaudit.core.acs import SyncArguments
from xmpaudit.read.inventory import take_inventory

HERE = Path(__file__).parent

if __name__ == "__main__":
    os.environ["XMPAUDIT_HOME"] = tempfile.mkdtemp(prefix="xmpaudit-figures-")  # a fresh demo DAM, not yours
    atexit.register(stop_demo)
    client = connect()
    snapshot = take_inventory(client, "/content/dam/xmpaudit-demo", SyncArguments(), show_progress=False)
    result = audit(snapshot)
    figure = plots.audit_dashboard(result, snapshot.smart_tags)
    figure.savefig(HERE / "audit-dashboard.png", dpi=80)
    print(headline(result, meta=snapshot.meta).to_markdown())
