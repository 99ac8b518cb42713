"""Regenerate the README figures from the demo DAM: ``python docs/make_figures.py``."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from xmpaudit import plots  # noqa: E402
from xmpaudit.audit import audit  # noqa: E402
from xmpaudit.connection import connect  # noqa: E402
from xmpaudit.headline import headline  # noqa: E402
from xmpaudit.inventory import take_inventory  # noqa: E402

HERE = Path(__file__).parent

if __name__ == "__main__":
    client = connect()
    snapshot = take_inventory(client, "/content/dam/xmpaudit-demo", show_progress=False)
    result = audit(snapshot)
    figure = plots.audit_dashboard(result, snapshot.smart_tags)
    figure.savefig(HERE / "audit-dashboard.png", dpi=80)
    print(headline(result, meta=snapshot.meta).to_markdown())
