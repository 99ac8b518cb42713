"""The statuses are one table: every view is derived from its rows, the classifier looks codes up by name (so the
rows' order changes no classification), and one function decides what at sequenceName is "in the way" for the
audit, the fix list, the preview and the write."""

import ast
import dataclasses
import random
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import DEMO_ROOT, asset_hit, fixable, snapshot_from_hits, xmp_node
from xmpaudit.audit import expected
from xmpaudit.audit.compare import audit
from xmpaudit.audit.fixlist import fix_list
from xmpaudit.audit.headline import headline
from xmpaudit.core import statuses
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import UsageError
from xmpaudit.core.statuses import STATUS_TABLE, VIEWS, views_of
from xmpaudit.read.folder_reads import read_assets
from xmpaudit.read.inventory import take_inventory
from xmpaudit.write.plan import blocked_slot, plan_sync

SEQ = "dam:predictedTags"
MODULE_VIEWS = {"STATUSES": "names", "STATUS_CODE": "code", "STATUS_ORDER": "order", "STATUS_RANK": "rank",
                "STATUS_DTYPE": "dtype", "STATUS_COLOURS": "colours", "STATUS_WORDS": "words",
                "STATUS_REASON_WORDS": "reason_words", "STATUS_BADGES": "badges", "NODE_IN_SYNC": "node_in_sync",
                "FIXABLE_STATUSES": "fixable", "NOT_TAGGED": "not_tagged", "FLAGGED_STATUSES": "from_flags"}


def tag(name, confidence):
    return {"name": name, "confidence": confidence}


def every_status_snapshot():
    """Hand-built hits giving each status the audit decides (binary statuses come from the binary check)."""
    hits = [
        asset_hit("/c/d/missing.jpg", [tag("cat", 0.9)]),
        asset_hit("/c/d/stale.jpg", [tag("cat", 0.9), tag("dog", 0.8)], xmp=xmp_node([("cat", 0.9)])),
        asset_hit("/c/d/orphan.jpg", [], xmp=xmp_node([("cat", 0.9)])),
        asset_hit("/c/d/untagged.jpg", []),
        asset_hit("/c/d/synced.jpg", [tag("cat", 0.9)], xmp=xmp_node([("cat", 0.9)])),
        asset_hit("/c/d/no-metadata.jpg", metadata=False),
        asset_hit("/c/d/property.jpg", [tag("cat", 0.9)], xmp="a property"),
        asset_hit("/c/d/untagged-stale.jpg", [], xmp=xmp_node([], size=2)),
    ]
    return snapshot_from_hits(hits, root="/c/d")


def shuffled_table(seed):
    rows = list(STATUS_TABLE)
    random.Random(seed).shuffle(rows)
    assert [r.name for r in rows] != [r.name for r in STATUS_TABLE]
    return tuple(rows)


def use_table(monkeypatch, table):
    """Every loaded xmpaudit module sees the views of ``table`` in place of the views of STATUS_TABLE."""
    views = views_of(table)
    for module in [m for name, m in sys.modules.items() if name.startswith("xmpaudit") and m is not None]:
        for attribute, field in MODULE_VIEWS.items():
            if getattr(module, attribute, None) is getattr(VIEWS, field):
                monkeypatch.setattr(module, attribute, getattr(views, field))
    return views


def classified(snapshot):
    result = audit(snapshot)
    assets = result.assets.set_index(result.assets["path"].astype(str))
    return (assets["status"].astype(str).to_dict(), assets["reason"].astype(object).to_dict(),
            assets["stale_flags"].astype(int).to_dict(), result.counts().to_dict(),
            fix_list(result, snapshot.smart_tags)[["path", "status"]].astype(str).values.tolist(),
            headline(result).coverage_pct)


def test_every_view_is_derived_from_the_one_table():
    for attribute, field in MODULE_VIEWS.items():
        assert getattr(statuses, attribute) is getattr(VIEWS, field), attribute
    assert dataclasses.asdict(views_of(STATUS_TABLE)) == dataclasses.asdict(VIEWS)
    # no second copy: each status's name, words and colour is written once in the module, in its row
    tree = ast.parse(Path(statuses.__file__).read_text(encoding="utf-8"))
    literals = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    for row in STATUS_TABLE:
        for text in (row.name, row.words, row.colour):
            assert literals.count(text) == 1, text
    # a view follows its row: another row's words, colour, rank or coverage role change every view of it
    changed = [dataclasses.replace(r, words="Lost", colour="#123456", coverage=statuses.NOT_COUNTED)
               if r.name == "in_sync" else r for r in STATUS_TABLE]
    views = views_of(changed)
    assert views.words["in_sync"] == "Lost" and views.colours["in_sync"] == "#123456"
    assert "in_sync" in views.not_tagged and "in_sync" not in views.node_in_sync


def test_the_views_keep_the_kit_s_order_and_names():
    assert statuses.STATUS_ORDER == ("missing_xmp", "stale_xmp", "orphan_xmp", "invalid", "no_smart_tags", "in_sync",
                                     "not_written_back", "written_back")
    assert statuses.FIXABLE_STATUSES == ("missing_xmp", "stale_xmp", "orphan_xmp")
    assert statuses.NODE_IN_SYNC == ("in_sync", "not_written_back", "written_back")
    assert set(statuses.NOT_TAGGED) == {"no_smart_tags", "invalid", "orphan_xmp"}
    assert list(statuses.STATUS_DTYPE.categories) == list(statuses.STATUS_ORDER)
    assert {name: code for code, name in enumerate(statuses.STATUSES)} == statuses.STATUS_CODE


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_reordering_the_table_changes_no_classification(monkeypatch, seed):
    snapshot = every_status_snapshot()
    before = classified(snapshot)
    assert set(before[0].values()) == {"missing_xmp", "stale_xmp", "orphan_xmp", "no_smart_tags", "in_sync",
                                       "invalid"}
    views = use_table(monkeypatch, shuffled_table(seed))
    result = audit(snapshot)
    assert list(result.assets["status"].cat.categories) == list(views.names)  # the shuffled codes were used
    assert classified(snapshot) == before


def test_a_status_inserted_first_changes_no_classification(monkeypatch):
    snapshot = every_status_snapshot()
    before = classified(snapshot)
    new = statuses.Status("quarantined", "Quarantined", "#999999", 0, statuses.NOT_COUNTED, False, "black", "?")
    use_table(monkeypatch, (new, *(dataclasses.replace(r, rank=r.rank + 1) for r in STATUS_TABLE)))
    after = classified(snapshot)
    assert after[0] == before[0] and after[3].pop("quarantined") == 0 and after[3] == before[3]


def test_a_table_with_two_rows_of_one_name_is_refused():
    with pytest.raises(UsageError, match="unique names"):
        views_of((*STATUS_TABLE, STATUS_TABLE[0]))


# -- one owner decides "in the way" ------------------------------------------------------------------------------

@pytest.mark.parametrize("value, kind", [(None, None), ("text", "(a property)"), (["a", "b"], "(a property)"),
                                         ({"xmpNodeType": "xmpArray"}, "xmpArray"), ({"city": "Basel"}, None),
                                         ({"xmpNodeType": 5}, None), ({"xmpNodeType": "xmpStruct"}, "xmpStruct")])
def test_the_write_and_the_audit_name_what_sits_at_sequence_name_alike(value, kind):
    """``slot_kind`` of a JSON value equals the inventory's ``xmp_node_type`` for it, so both ask one question."""
    assert expected.slot_kind(value) == kind
    hit = asset_hit("/c/d/a.jpg", [tag("cat", 0.9)], xmp=value)
    column = snapshot_from_hits([hit]).assets["xmp_node_type"].astype(object).iloc[0]
    assert (None if pd.isna(column) else column) == kind
    status = str(audit(snapshot_from_hits([hit])).assets["status"].iloc[0])
    assert (status == "invalid") == bool(expected.in_the_way(value, SyncArguments()))


def test_mutating_the_one_in_the_way_decision_changes_the_audit_the_fix_list_the_preview_and_the_write(
        simulator, client, monkeypatch):
    targets = fixable(client)
    victim = str(targets.loc[targets["status"] == "missing_xmp", "path"].iloc[0])
    simulator.repo.node(f"{victim}/jcr:content/metadata").set(SEQ, ["cat", "dog"])
    simulator.repo.changed()

    def victim_in_audit_fix_list_and_preview():
        snapshot = take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False)
        result = audit(snapshot)
        status = str(result.assets.set_index("path").loc[victim, "status"])
        listed = victim in set(fix_list(result, snapshot.smart_tags)["path"])
        return status, listed, victim in {change.asset for change in plan_sync(client, targets,
                                                                               SyncArguments()).changes}

    hit = read_assets(client, [victim])[victim]
    assert victim_in_audit_fix_list_and_preview() == ("invalid", False, False)
    assert blocked_slot(hit, SyncArguments()).startswith(f"sequenceName={SEQ} is a property")
    monkeypatch.setattr(expected, "kind_in_the_way", lambda kind, args: "")  # the mutation: nothing is in the way
    assert victim_in_audit_fix_list_and_preview() == ("missing_xmp", True, True)
    assert blocked_slot(hit, SyncArguments()) == ""


def test_an_unknown_stale_reason_is_api_misuse():
    assert statuses.stale_flags_of("size", "names") == 0b11
    with pytest.raises(UsageError, match="Unknown stale reason 'colour'"):
        statuses.stale_flags_of("size", "colour")
