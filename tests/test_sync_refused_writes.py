"""A sync whose write is refused with 401, or answered 504 by a gateway (simulator over HTTP, both read modes):
the run stops after a 401 with the rest skipped; a 504 is never re-sent and the batch is settled by reading."""

import pytest

from tests.conftest import DEMO_ROOT, fixable
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import AemNotFoundError
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.plan import plan_sync

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("sync_reads")]


def sling_posts(simulator):
    return [path for method, path in simulator.stats.log if method == "POST" and not path.startswith("/etc/")]


def test_401_on_a_write_stops_the_run(simulator, client, journal):
    plan = plan_sync(client, fixable(client), SyncArguments())
    simulator.stats.reset()
    simulator.inject(status=401, method="POST", path_prefix=DEMO_ROOT)
    result = apply_plan(client, plan, journal, batch_assets=10, max_parallel=1, show_progress=False)
    assert result.counts() == {"failed": 10, "skipped": len(plan) - 10}
    failed = result.outcomes[result.outcomes["outcome"] == "failed"]
    assert failed["reason"].str.contains("HTTP 401").all()
    skipped = result.outcomes[result.outcomes["outcome"] == "skipped"]
    assert skipped["reason"].str.startswith("not attempted: the run stopped after a write was refused").all()
    assert len(sling_posts(simulator)) == 1  # the refused one, not re-sent; nothing after it
    assert all(client.read_tree(c.node_path) == c.before for c in plan.changes if c.before is not None)


def test_504_on_a_write_is_uncertain_never_resent_and_settled_by_reading(simulator, client, journal):
    folders = fixable(client)["path"].str.rsplit("/", n=1).str[0]
    plan = plan_sync(client, fixable(client)[folders == folders.value_counts().index[0]][:4], SyncArguments())
    simulator.stats.reset()
    simulator.inject(status=504, method="POST", path_prefix=DEMO_ROOT)  # once: a re-send would be answered
    result = apply_plan(client, plan, journal, show_progress=False)
    assert len(sling_posts(simulator)) == 1  # never re-sent
    assert set(result.outcomes["outcome"]) == {"failed"} and not result.ok
    assert result.outcomes["reason"].str.endswith("(read back: not applied)").all()
    assert result.outcomes["verified"].eq(False).sum() == len(plan)  # known, not NA: the read-back showed the old node
    for change in plan.changes:
        events = [r for r in journal.read() if r["asset"] == change.asset]
        assert [r["event"] for r in events] == ["intent", "uncertain", "failed"]
        assert "HTTP 504 from a gateway" in events[1]["error"]
        if change.before is None:
            with pytest.raises(AemNotFoundError):
                client.read_tree(change.node_path)
        else:
            assert client.read_tree(change.node_path) == change.before
