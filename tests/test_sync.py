"""Sync end to end against the simulator: plan, batched apply, verify, journal, undo."""

import json

import pytest

from tests.conftest import DEMO_ROOT, asset_hit, client_for, fixable, small_repository, xmp_node
from xmpaudit.audit.compare import audit
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import ConfigError, UsageError
from xmpaudit.read.inventory import snapshot_of, take_inventory
from xmpaudit.simulator import Simulator
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.plan import PlannedChange, plan_sync
from xmpaudit.write.sling_params import import_node, node_params
from xmpaudit.write.undo import plan_undo

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("sync_reads")]



def test_plan_is_a_dry_run(simulator, client):
    simulator.json_max_results = 1_000_000  # whole-tree reads in one request
    before = client.read_tree(DEMO_ROOT)
    plan = plan_sync(client, fixable(client), SyncArguments())
    assert len(plan) > 20 and plan.skipped.empty
    assert simulator.stats.by_endpoint["POST sling"] == 0
    assert client.read_tree(DEMO_ROOT) == before
    frame = plan.to_frame()
    assert set(frame["action"]) == {"create", "replace"}
    change = next(c for c in plan.changes if c.before is None)
    assert change.diff_text().startswith("---") and '"xmpArraySize"' in change.diff_text()
    assert "<b>sync plan:" in plan._repr_html_()


def test_sync_writes_exactly_the_acs_node_then_undo_restores_byte_for_byte(simulator, client, journal):
    simulator.json_max_results = 1_000_000  # whole-tree reads in one request
    before = json.dumps(client.read_tree(DEMO_ROOT))
    targets = fixable(client)
    plan = plan_sync(client, targets, SyncArguments())
    simulator.stats.reset()
    result = apply_plan(client, plan, journal, show_progress=False)
    assert result.ok and result.counts() == {"applied": len(plan)}
    assert result.outcomes["verified"].sum() == len(result.outcomes) and not result.outcomes["repaired"].any()
    # batched: far fewer requests than assets (naive would be >= 2 per asset)
    assert simulator.stats.total / len(plan) < 0.5
    assert audit(take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False)).fixable().empty
    change = plan.changes[0]
    node = client.read_tree(change.node_path)
    assert node == change.after
    assert isinstance(node["xmpArraySize"], int) and all(
        isinstance(v["dam:predictedTagConfidence"], float) for v in node.values() if isinstance(v, dict))
    assert [k for k, v in node.items() if isinstance(v, dict)] == [str(i) for i in range(1, node["xmpArraySize"] + 1)]

    undo = plan_undo(client, journal)
    assert undo.undoes == result.run and len(undo) == len(plan)
    undone = apply_plan(client, undo, journal, show_progress=False)
    assert undone.ok
    assert json.dumps(client.read_tree(DEMO_ROOT)) == before
    runs = journal.runs()
    assert runs["kind"].tolist() == ["sync", "undo"] and runs["undoes"].tolist()[1] == result.run


def test_types_survive_including_whole_number_doubles(tmp_path, journal):
    path = "/content/dam/t/one.jpg"
    tags = [{"name": "dog", "confidence": 1.0}, {"name": "cat", "confidence": 1}]
    repo = small_repository({path: asset_hit(path, tags)})
    with Simulator(repo) as sim, client_for(sim) as client:
        result = apply_plan(client, plan_sync(client, [path], SyncArguments()), journal, show_progress=False)
        assert result.ok
        node = repo.require(f"{path}/jcr:content/metadata/dam:predictedTags")
        assert node.properties["xmpArraySize"].type == "Long"
        assert [c.properties["dam:predictedTagConfidence"].type for c in node.children.values()] == ["Double"] * 2
        assert node.children["2"].get("dam:predictedTagConfidence") == 1.0


def test_skips_invalid_missing_and_in_sync_assets(client):
    snap = take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False)
    result = audit(snap)
    invalid = result.assets.loc[result.assets["status"] == "invalid", "path"].tolist()[:2]
    in_sync = result.assets.loc[result.assets["status"] == "in_sync", "path"].tolist()[:1]
    plan = plan_sync(client, [*invalid, *in_sync, f"{DEMO_ROOT}/people/gone.jpg"], SyncArguments())
    assert len(plan) == 0
    reasons = dict(zip(plan.skipped["asset"], plan.skipped["reason"], strict=True))
    assert "ACS process would fail" in reasons[invalid[0]]
    assert reasons[in_sync[0]] == "nothing to do (in_sync)"
    assert "no longer exists" in reasons[f"{DEMO_ROOT}/people/gone.jpg"]


def test_asset_deleted_or_changed_between_preview_and_apply(simulator, client, journal):
    plan = plan_sync(client, fixable(client), SyncArguments())
    gone, touched, tagged = plan.changes[0], plan.changes[1], plan.changes[2]
    client.sling_post(gone.asset, [(":operation", "delete")])
    client.sling_post(touched.node_path.rsplit("/", 1)[0], [(f"./{touched.node_path.rsplit('/', 1)[1]}/extra", "x")])
    client.sling_post(f"{tagged.asset}/jcr:content/metadata/predictedTags", [("./new/name", "late tag"),
                                                                            ("./new/confidence", "0.9"),
                                                                            ("./new/confidence@TypeHint", "Double")])
    result = apply_plan(client, plan, journal, show_progress=False)
    outcome = result.outcomes.set_index("asset")
    assert outcome.loc[gone.asset, "outcome"] == "skipped" and "no longer exists" in outcome.loc[gone.asset, "reason"]
    assert "changed since the preview" in outcome.loc[touched.asset, "reason"]
    assert "smart tags changed" in outcome.loc[tagged.asset, "reason"]
    assert (outcome["outcome"] == "applied").sum() == len(plan) - 3
    assert simulator.repo.node(gone.asset) is None  # not resurrected by relative-path POSTs


def test_failed_batch_is_journaled_and_loses_nothing(simulator, client, journal):
    """A batch AEM refuses once (nothing saved) is split in halves and sent again: every asset lands, each intent
    journaled once."""
    plan = plan_sync(client, fixable(client), SyncArguments())
    simulator.inject(status=500, times=1, method="POST", path_prefix=DEMO_ROOT)
    result = apply_plan(client, plan, journal, batch_assets=10, show_progress=False)
    assert result.counts() == {"applied": len(plan)} and result.ok
    events = [r["event"] for r in journal.read()]
    assert events.count("intent") == len(plan) and events.count("failed") == 0
    assert len(plan_sync(client, plan.to_frame()["asset"], SyncArguments())) == 0


def test_verification_repairs_with_import(simulator, client, journal, monkeypatch):
    plan = plan_sync(client, fixable(client)[:3], SyncArguments())
    import xmpaudit.write.apply as sync

    real_post = sync.guarded_post

    def lossy_post(c, changes, run, **kw):  # a server that drops the last tag of every node
        broken = []
        for ch in changes:
            after = dict(ch.after)
            last = max((k for k, v in after.items() if isinstance(v, dict)), default=None)
            if last:
                after.pop(last)
            broken.append(PlannedChange(ch.asset, ch.node_path, ch.status, ch.before, after))
        return real_post(c, broken, run, **kw)

    monkeypatch.setattr(sync, "guarded_post", lossy_post)
    result = apply_plan(client, plan, journal, show_progress=False)
    assert result.ok and result.outcomes["repaired"].all()
    assert client.read_tree(plan.changes[0].node_path) == plan.changes[0].after
    assert [r["event"] for r in journal.read()][-3:] == ["repaired"] * 3


def test_import_node_and_params(client):
    asset = f"{DEMO_ROOT}/people/what?.jpg"
    change = PlannedChange(asset, f"{asset}/jcr:content/metadata/dam:predictedTags", "x", None,
                           xmp_node([("a", 0.5), ("b", 1.0)]))
    import_node(client, change)
    assert client.read_tree(change.node_path) == change.after
    import_node(client, PlannedChange(asset, change.node_path, "x", change.after, None))
    assert "dam:predictedTags" not in client.read_tree(f"{asset}/jcr:content/metadata", 1)
    params = node_params("./a/x", {"jcr:primaryType": "nt:unstructured", "n": 2, "c": 1.0, "b": True, "s": "t",
                                   "m": ["p", "q"]})
    assert params[0] == ("./a/x@Delete", "")
    assert ("./a/x/c", "1.0") in params and ("./a/x/c@TypeHint", "Double") in params
    assert ("./a/x/n@TypeHint", "Long") in params and ("./a/x/m@TypeHint", "String[]") in params


def test_undo_skips_assets_changed_after_the_run(client, journal):
    plan = plan_sync(client, fixable(client)[:4], SyncArguments())
    run = apply_plan(client, plan, journal, show_progress=False).run
    changed = plan.changes[0]
    client.sling_post(changed.node_path, [("./xmpArraySize", "99"), ("./xmpArraySize@TypeHint", "Long")])
    undo = plan_undo(client, journal, run)
    assert len(undo) == 3
    assert "changed after the run" in undo.skipped.iloc[0]["reason"]
    with pytest.raises(ConfigError, match="not in journal"):
        plan_undo(client, journal, "sync-nope")


def test_apply_needs_a_plan(client, journal):
    with pytest.raises(UsageError, match="preview first"):
        apply_plan(client, ["/content/dam/a.jpg"], journal)  # type: ignore[arg-type]


def test_custom_arguments_write_custom_names(journal):
    path = "/content/dam/t/a.jpg"
    repo = small_repository({path: asset_hit(path, [{"name": "dog", "confidence": 0.9},
                                                    {"name": "cat", "confidence": 0.2}])})
    args = SyncArguments.from_process_args("sequenceName=dam:smart\nnameProperty=n\nconfidenceProperty=c\n"
                                           "minimumConfidence=0.5")
    with Simulator(repo) as sim, client_for(sim) as client:
        assert apply_plan(client, plan_sync(client, [path], args), journal, show_progress=False).ok
        node = client.read_tree(f"{path}/jcr:content/metadata/dam:smart")
        assert node["xmpArraySize"] == 1 and node["1"]["n"] == "dog" and node["1"]["c"] == 0.9
        assert audit(snapshot_of(client, [path], args), args).assets.loc[0, "status"] == "in_sync"


def test_asset_deleted_between_write_and_verify_is_not_recreated(simulator, client, journal, monkeypatch):
    import xmpaudit.write.apply as sync

    plan = plan_sync(client, fixable(client)[:2], SyncArguments())
    victim = plan.changes[0].asset
    real_post = sync.guarded_post

    def post_then_delete(c, changes, run, **kw):
        answer = real_post(c, changes, run, **kw)
        if any(change.asset == victim for change in changes):  # not after another batch written before it
            c.sling_post(victim, [(":operation", "delete")])  # someone deletes it right after our write
        return answer

    monkeypatch.setattr(sync, "guarded_post", post_then_delete)
    result = apply_plan(client, plan, journal, show_progress=False)
    outcome = result.outcomes.set_index("asset")
    assert not outcome.loc[victim, "verified"] and "disappeared" in outcome.loc[victim, "reason"]
    assert simulator.repo.node(victim) is None
    assert outcome.loc[plan.changes[1].asset, "verified"]
