"""Writeback outcomes as they are (#22 item 7): an asset with nothing to write back (an orphan XMP node the sync
cleaned up: no smart tags, no node) is its own outcome with its own words, not a failure; counts and the exit
code follow what happened."""

import pytest

from tests.conftest import DEMO_ROOT
from tests.test_sync_outcomes import cli  # noqa: F401  (fixture)
from xmpaudit.audit.compare import audit
from xmpaudit.core.acs import SyncArguments
from xmpaudit.read.inventory import take_inventory
from xmpaudit.write.journal import Journal
from xmpaudit.write.outcomes import BINARY_WORDS, NOTHING_TO_WRITE_REASON, BinaryOutcome
from xmpaudit.write.plan import plan_sync
from xmpaudit.write.sync_writeback import sync_and_writeback

pytestmark = pytest.mark.e2e


def orphan_and_missing(client) -> tuple[str, list[str]]:
    """One orphan XMP node (a node without smart tags) and two jpg assets with no node yet."""
    assets = audit(take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False)).assets
    jpg = assets["name"].str.endswith(".jpg")
    orphan = assets.loc[(assets["status"] == "orphan_xmp") & jpg, "path"].iloc[0]
    missing = assets.loc[(assets["status"] == "missing_xmp") & jpg, "path"].tolist()[:2]
    return orphan, missing


def test_an_orphan_node_cleaned_up_has_nothing_to_write_back_and_is_not_a_failure(simulator, client, tmp_path):
    orphan, missing = orphan_and_missing(client)
    plan = plan_sync(client, [orphan, *missing], SyncArguments())
    combined = sync_and_writeback(client, plan, Journal(tmp_path / "j.jsonl"), poll_interval=0.02,
                                  show_progress=False)
    rows = combined.writeback.set_index("asset")
    assert rows.loc[orphan, "binary_status"] == BinaryOutcome.NOTHING_TO_WRITE == "nothing_to_write"
    assert rows.loc[orphan, "binary_reason"] == NOTHING_TO_WRITE_REASON
    assert set(rows.loc[missing, "binary_status"]) == {BinaryOutcome.WRITTEN_BACK}
    assert combined.ok and "writeback: 1 nothing_to_write, 2 written_back" in combined.summary()
    assert BINARY_WORDS[BinaryOutcome.NOTHING_TO_WRITE] == "nothing to write back"


def test_the_cli_counts_nothing_to_write_apart_and_exits_0(simulator, client, cli, tmp_path):  # noqa: F811
    orphan, missing = orphan_and_missing(client)
    (tmp_path / "assets.txt").write_text("\n".join([orphan, *missing]), encoding="utf-8")
    code, out, _ = cli("sync", "--assets-file", str(tmp_path / "assets.txt"), "--writeback", "--apply")
    assert "Binaries: 1 nothing to write back, 2 written back" in out
    assert "1 asset with nothing to write back (no smart tags and no XMP node):" in out and orphan in out
    assert "NOT written back" not in out and code == 0
