"""The write protocol on the simulator and on real Sling: a run's lease in AEM keeps another terminal's cleanup off
its backups while it runs, and the import route (a node whose name no field name carries travels like one too big
for a POST) keeps the node replaced in its backup when the import is refused, then undo puts it back."""

from __future__ import annotations

import pytest

import xmpaudit.write.apply as sync
from tests.contract.test_guarded_write_contract import STALE, asset_type
from tests.contract.test_sling_contract import import_json, raw_get
from tests.contract.test_sync_contract import asset
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import AemUncertainOutcomeError
from xmpaudit.write.cleanup import IN_FLIGHT, apply_cleanup, journaled_backups
from xmpaudit.write.journal import Journal
from xmpaudit.write.lease import LEASES, run_key
from xmpaudit.write.plan import plan_sync
from xmpaudit.write.sling_params import BACKUP_PREFIX
from xmpaudit.write.undo import plan_undo
from xmpaudit.write.write_routes import IMPORT, route

pytestmark = pytest.mark.contract
ODD = SyncArguments(sequence_name='odd"tags')


def backups(client, path: str) -> dict:
    metadata = client.read_tree(f"{path}/jcr:content/metadata")
    return {k: v for k, v in metadata.items() if k.startswith(BACKUP_PREFIX)}


def test_a_cleanup_in_another_terminal_during_a_sync_leaves_the_runs_backups(backend, client, root, monkeypatch,
                                                                              tmp_path):
    names = ["a.jpg", "b.jpg", "c.jpg"]
    for name in names:
        import_json(client, root, name, asset(asset_type(backend), [("0", "cat", 0.7)], STALE))
    paths = [f"{root}/{n}" for n in names]
    plan = plan_sync(client, paths, SyncArguments())
    journal = Journal(tmp_path / "journal.jsonl")
    real_post = sync.guarded_post
    cleaned = []

    def post_then_the_other_terminal_cleans_up(c, batch, run, **kw):
        done = real_post(c, batch, run, **kw)
        with backend.client() as other:
            assert raw_get(other, f"{LEASES}/{run_key(run)}.json").json()["run"] == run  # visible to everyone
            found = journaled_backups(other, journal, run)
            cleaned.append((found, apply_cleanup(other, found, Journal(tmp_path / "other.jsonl"))))
        return done

    monkeypatch.setattr(sync, "guarded_post", post_then_the_other_terminal_cleans_up)
    result = sync.apply_plan(client, plan, journal, show_progress=False)
    found, cleanup = cleaned[0]
    assert len(found) == 3 and set(found.backups["action"]) == {IN_FLIGHT} and cleanup.removed == []
    assert result.ok and result.counts() == {"applied": 3}
    assert all(backups(client, p) == {} for p in paths)
    assert raw_get(client, f"{LEASES}/{run_key(result.run)}.json").status_code == 404  # removed at the end


def test_a_refused_import_keeps_the_node_replaced_and_undo_restores_it(backend, client, root, monkeypatch,
                                                                       tmp_path):
    old = {**STALE}
    content = asset(asset_type(backend), [("0", "cat", 0.7)])
    content["jcr:content"]["metadata"][ODD.sequence_name] = old
    import_json(client, root, "big.jpg", content)
    path = f"{root}/big.jpg"
    plan = plan_sync(client, [path], ODD)
    change = plan.changes[0]
    assert change.before == old and route(change, multipart=True) == IMPORT
    journal = Journal(tmp_path / "journal.jsonl")
    real = client.sling_post

    def imports_lost_at_the_gateway(target, data, **kwargs):
        if (":operation", "import") in list(data):
            raise AemUncertainOutcomeError("POST: HTTP 504 from a gateway")  # never reached Sling
        return real(target, data, **kwargs)

    monkeypatch.setattr(client, "sling_post", imports_lost_at_the_gateway)
    result = sync.apply_plan(client, plan, journal, show_progress=False)
    monkeypatch.undo()
    kept = backups(client, path)
    assert not result.ok and list(kept.values()) == [old]  # the only copy, kept
    assert result.backups_left == [f"{path}/jcr:content/metadata/{next(iter(kept))}"]
    assert ODD.sequence_name not in client.read_tree(f"{path}/jcr:content/metadata")
    assert sync.apply_plan(client, plan_undo(client, journal, result.run), journal, show_progress=False).ok
    assert client.read_tree(change.node_path) == old and backups(client, path) == {}
