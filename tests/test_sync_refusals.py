"""One asset's condition does not block a run: a damaged XMP array is rewritten (and undone exactly), a property or
another XMP node at sequenceName makes only that asset invalid; only destructive or unwritable arguments refuse
the whole run, before any write (simulator over HTTP, through the API and the CLI)."""

import copy
from datetime import datetime, timezone

import pytest

from tests.conftest import DEMO_ROOT, client_for, every, fixable
from xmpaudit.aem.namespaces import name_problem, registered_prefixes
from xmpaudit.audit.compare import audit
from xmpaudit.audit.fixlist import fix_list
from xmpaudit.cli.main import main
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import ConfigError
from xmpaudit.read.inventory import take_inventory
from xmpaudit.simulator import Repository, Simulator
from xmpaudit.simulator.bulk_dam import add_asset, metadata_node
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import plan_sync
from xmpaudit.write.undo import plan_undo

pytestmark = pytest.mark.e2e

MANY_ROOT = "/content/dam/many"
SEQ = "dam:predictedTags"


def many_assets(count: int) -> Repository:
    """``count`` assets with smart tags and no XMP node (all missing_xmp), each with its own metadata node."""
    repo = Repository()
    root = repo.ensure_node(MANY_ROOT, "sling:Folder", types={"/content": "sling:Folder",
                                                             "/content/dam": "sling:Folder"})
    created = datetime(2025, 1, 1, tzinfo=timezone.utc)
    for index in range(count):
        folder = root.child(f"f{index % 2}") or root.add_child(f"f{index % 2}", "sling:Folder")
        tags = [("cat", 0.9), (f"tag{index}", 0.5)]
        add_asset(folder, f"a{index:04d}.jpg", created, metadata_node(tags, args=SyncArguments(), with_xmp=False))
    repo.changed()
    return repo


def metadata_of(repo: Repository, asset: str):
    return repo.node(f"{asset}/jcr:content/metadata")


def sling_posts(simulator):
    return [path for method, path in simulator.stats.log if method == "POST" and not path.startswith("/etc/")]


@pytest.fixture
def cli_env(simulator, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for key, value in {"XMPAUDIT_URL": simulator.url, "XMPAUDIT_USER": "admin", "XMPAUDIT_PASSWORD": "admin"}.items():
        monkeypatch.setenv(key, value)
    return tmp_path / "journal.jsonl"


def test_damaged_xmp_node_among_1000_fixable_is_rewritten_and_undo_restores_it_exactly(tmp_path):
    repo = many_assets(1000)
    damaged = f"{MANY_ROOT}/f1/a0501.jpg"
    node = metadata_node([("old", 0.7), ("older", 0.2)], args=SyncArguments(), with_xmp=True).children[SEQ]
    del node.properties["xmpNodeType"]  # the array lost its xmpNodeType: still an array, damaged
    node.properties["note"] = copy.deepcopy(node.properties["xmpArrayType"])
    metadata_of(repo, damaged).children[SEQ] = node
    as_it_was = copy.deepcopy(node)
    journal = Journal(tmp_path / "journal.jsonl")
    with Simulator(repo) as simulator, client_for(simulator) as client:
        result = audit(take_inventory(client, MANY_ROOT, SyncArguments(), show_progress=False))
        statuses = result.assets.set_index("path")["status"].astype(str)
        assert statuses[damaged] == "stale_xmp" and (statuses == "missing_xmp").sum() == 999
        plan = plan_sync(client, result.fixable(), SyncArguments())
        assert len(plan) == 1000 and plan.skipped.empty
        applied = apply_plan(client, plan, journal, show_progress=False)
        assert applied.ok and every(applied.outcomes["verified"]) and applied.backups_left == []
        rewritten = client.read_tree(f"{damaged}/jcr:content/metadata/{SEQ}")
        assert rewritten["xmpNodeType"] == "xmpArray" and "note" not in rewritten
        after = audit(take_inventory(client, MANY_ROOT, SyncArguments(), show_progress=False)).assets
        assert set(after["status"].astype(str)) == {"in_sync"}
        undone = apply_plan(client, plan_undo(client, journal), journal, show_progress=False)
        assert undone.ok and len(undone.outcomes) == 1000
        restored = metadata_of(repo, damaged).children[SEQ]
        assert restored == as_it_was  # same types, values and children (JCR keeps no property order)
        assert [name for name in metadata_of(repo, damaged).children] == ["predictedTags", SEQ]  # no backup left
        assert all(SEQ not in metadata_of(repo, f"{MANY_ROOT}/f{i % 2}/a{i:04d}.jpg").children
                   for i in range(1000) if i != 501)


def test_property_in_the_way_makes_only_that_asset_invalid_in_audit_fix_list_preview_and_cli(
        simulator, client, cli_env, capsys):
    targets = fixable(client)
    victim = str(targets.loc[targets["status"] == "missing_xmp", "path"].iloc[3])
    metadata_of(simulator.repo, victim).set(SEQ, ["cat", "dog"])  # someone's multi-value property of that name
    result = audit(take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False))
    row = result.assets.set_index("path").loc[victim]
    assert row["status"] == "invalid"
    reason = f"sequenceName={SEQ} is a property on this asset: the ACS process would delete it to write the node"
    assert str(row["reason"]).startswith(reason)
    assert victim not in set(fix_list(result, result_smart_tags(client)).loc[:, "path"])
    plan = plan_sync(client, targets, SyncArguments())
    skipped = plan.skipped.set_index("asset")["reason"]
    assert skipped.to_dict() == {victim: str(row["reason"])} and len(plan) == len(targets) - 1
    assets_file = cli_env.parent / "assets.txt"
    assets_file.write_text("\n".join(targets["path"]), encoding="utf-8")
    code = main(["-q", "sync", "--assets-file", str(assets_file), "--journal", str(cli_env), "--apply"])
    out = capsys.readouterr().out
    assert code == 1 and "1 asset NOT done:" in out and reason in out.replace("\n", " ")
    assert metadata_of(simulator.repo, victim).get(SEQ) == ["cat", "dog"]  # left alone
    snapshot = take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False)
    statuses = audit(snapshot).assets.set_index("path")["status"]
    others = statuses[[p for p in targets["path"] if p != victim]].astype(str)
    assert set(others) == {"in_sync", "no_smart_tags"} and statuses[victim] == "invalid"  # orphans: no_smart_tags


def test_sync_by_root_says_how_many_invalid_assets_it_does_not_choose(simulator, client, cli_env, capsys):
    snapshot = take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False)
    invalid = int((audit(snapshot).assets["status"] == "invalid").sum())
    assert invalid > 1
    assert main(["-q", "sync", "--root", DEMO_ROOT, "--journal", str(cli_env)]) == 0
    out = capsys.readouterr().out
    assert f"{invalid} invalid assets under {DEMO_ROOT} not chosen: the ACS process would fail on them" in out
    assert main(["-q", "sync", "--root", DEMO_ROOT, "--status", "invalid", "--journal", str(cli_env)]) == 0
    assert "not chosen" not in capsys.readouterr().out  # chosen on purpose: the plan lists each with its reason


def result_smart_tags(client):
    return take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False).smart_tags


def test_property_named_by_sequence_name_on_some_assets_blocks_only_those(simulator, client, journal):
    targets = fixable(client)[:10]
    owners = list(targets["path"][:4])
    for path in owners:
        metadata_of(simulator.repo, path).set("xmp:custom", "keep me")
    args = SyncArguments(sequence_name="xmp:custom")
    plan = plan_sync(client, targets, args)
    blocked = plan.skipped["reason"].str.startswith("sequenceName=xmp:custom is a property on this asset")
    assert sorted(plan.skipped.loc[blocked, "asset"]) == sorted(owners)
    assert plan.skipped.loc[~blocked, "reason"].str.startswith("nothing to do").all()  # untagged ones
    assert len(plan) == 10 - len(plan.skipped) > 0
    result = apply_plan(client, plan, journal, show_progress=False)
    assert (result.outcomes["outcome"] == "applied").sum() == len(plan) and not result.ok
    assert sorted(result.not_done()["asset"]) == sorted(owners)
    assert all(metadata_of(simulator.repo, p).get("xmp:custom") == "keep me" for p in owners)


def test_other_xmp_node_in_the_way_is_invalid_and_kept(simulator, client, journal):
    targets = fixable(client)[:5]
    victim = str(targets["path"].iloc[1])
    struct = metadata_of(simulator.repo, victim).children.get(SEQ) or \
        metadata_of(simulator.repo, victim).add_child(SEQ)
    struct.properties.clear()
    struct.children.clear()
    struct.set("xmpNodeType", "xmpStruct")
    struct.set("city", "Basel")
    plan = plan_sync(client, targets, SyncArguments())
    assert plan.skipped.set_index("asset")["reason"][victim].startswith(
        f"sequenceName={SEQ} is an XMP xmpStruct node on this asset, not an array")
    result = apply_plan(client, plan, journal, show_progress=False)
    assert (result.outcomes["outcome"] == "applied").sum() == 4
    assert client.read_tree(f"{victim}/jcr:content/metadata/{SEQ}") == {
        "jcr:primaryType": "nt:unstructured", "xmpNodeType": "xmpStruct", "city": "Basel"}


def test_unregistered_prefix_refuses_the_whole_run_before_any_write(simulator, cli_env, capsys):
    simulator.stats.reset()
    code = main(["-q", "sync", "--root", DEMO_ROOT, "--process-args", "sequenceName=acme:tags",
                 "--journal", str(cli_env), "--apply"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert err == ("error: Refusing to sync: sequenceName: the namespace prefix 'acme' of 'acme:tags' is not "
                   "registered in this repository; the ACS process fails on every asset too. Nothing was written.")
    assert sling_posts(simulator) == [] and not cli_env.exists()


@pytest.mark.parametrize(("name", "words"), [("a:b:c", "characters JCR forbids"), ("tags\x01x", "characters JCR"),
                                             (":tags", "not a valid JCR name")])
def test_names_the_repository_rejects_refuse_the_run(simulator, client, name, words):
    simulator.stats.reset()
    with pytest.raises(ConfigError, match=f"Refusing to sync: sequenceName: .*{words}.*Nothing was written"):
        plan_sync(client, fixable(client)[:3], SyncArguments(sequence_name=name))
    assert sling_posts(simulator) == []


def test_registered_prefixes_are_read_from_the_namespace_registry(simulator, client):
    prefixes = registered_prefixes(client)
    assert {"jcr", "dam", "dc", "xmp"} <= prefixes and "acme" not in prefixes
    simulator.repo.node("/jcr:system/rep:namespaces").set("acme", "http://acme.example/ns/1.0")
    assert "acme" in registered_prefixes(client)
    assert name_problem("acme:tags", registered_prefixes(client)) == ""
    simulator.repo.remove("/jcr:system/rep:namespaces")  # a user who may not read /jcr:system: 404
    assert registered_prefixes(client) is None
    assert name_problem("acme:tags", None) == ""  # registry unreadable: only the characters are checked
    assert name_problem("a:b:c", None).startswith("'a:b:c' holds characters JCR forbids")
