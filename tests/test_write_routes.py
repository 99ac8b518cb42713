"""How each change travels to Sling: batch, its own metadata path, or a whole-node import (write/write_routes)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import DEMO_ROOT
from xmpaudit.core.acs import SyncArguments, expected_xmp_node
from xmpaudit.core.errors import AemError
from xmpaudit.write.plan import PlannedChange
from xmpaudit.write.sling_params import guarded_post, import_node, plan_batches
from xmpaudit.write.write_routes import BATCH, IMPORT, OWN_PATH, REFUSED, carried_exactly, route

pytestmark = pytest.mark.e2e


def change(asset: str, items: int = 2, node: str = "dam:predictedTags") -> PlannedChange:
    after = expected_xmp_node([(f"tag {i}", 0.5) for i in range(items)], SyncArguments())
    return PlannedChange(asset, f"{asset}/jcr:content/metadata/{node}", "missing", None, after)


@pytest.mark.parametrize("name", ['say "cheese".jpg', "cr\r.jpg", "lf\n.jpg"])
def test_names_no_multipart_field_name_carries_go_on_their_own_path(name):
    assert not carried_exactly(name, multipart=True) and carried_exactly(name, multipart=False)
    assert route(change(f"/content/dam/{name}"), multipart=True) == OWN_PATH
    assert route(change(f"/content/dam/{name}"), multipart=False) == BATCH  # URL-encoding carries them


@pytest.mark.parametrize("name", ["100% + & = ;.jpg", "😀 e\u0301.jpg", "a%22b%0A.jpg", "back\\slash.jpg"])
def test_other_names_go_in_batches(name):
    assert route(change(f"/content/dam/{name}"), multipart=True) == BATCH


def test_nodes_too_big_for_one_post_or_with_unsafe_item_names_are_imported():
    assert route(change("/content/dam/a.jpg", items=1_500), multipart=True) == BATCH  # 5 parameters an item
    assert route(change("/content/dam/a.jpg", items=2_000), multipart=True) == IMPORT  # > 9,000 parameters
    assert route(change("/content/dam/a.jpg", items=300), multipart=False) == IMPORT  # > 900 URL-encoded keys
    assert route(change("/content/dam/a.jpg", node='odd"node'), multipart=True) == IMPORT


def test_plan_batches_puts_every_change_that_travels_alone_in_a_batch_of_its_own():
    changes = [change(f"/content/dam/{n}.jpg") for n in "abc"] + [change('/content/dam/q".jpg'),
                                                                  change("/content/dam/big.jpg", items=3_000)]
    batches = plan_batches(changes, 400, multipart=True)
    assert sorted(len(b) for b in batches) == [1, 1, 3]
    with pytest.raises(ValueError, match="must be written on its own"):
        guarded_post(None, changes, "sync-1", multipart=True)  # type: ignore[arg-type]


def test_a_failed_import_puts_the_node_back_and_says_so(simulator, client, monkeypatch):
    asset = f"{DEMO_ROOT}/people/what?.jpg"
    node_path = f"{asset}/jcr:content/metadata/dam:predictedTags"
    old = expected_xmp_node([("old", 0.5)], SyncArguments())
    import_node(client, PlannedChange(asset, node_path, "x", None, old))
    big = PlannedChange(asset, node_path, "stale", old, expected_xmp_node([(f"t{i}", 0.5) for i in range(3_000)],
                                                                          SyncArguments()))
    real = client.sling_post

    def refuse_imports(path, data, **kw):
        if (":operation", "import") in list(data):
            raise AemError("Sling POST failed with 413: too large", status=413)
        return real(path, data, **kw)

    monkeypatch.setattr(client, "sling_post", refuse_imports)
    with pytest.raises(AemError, match="413: too large; the node as it was is back in place"):
        guarded_post(client, [big], "sync-20260101-000000-abcd")
    monkeypatch.undo()
    metadata = client.read_tree(f"{asset}/jcr:content/metadata")
    assert metadata["dam:predictedTags"] == old
    assert not [k for k in metadata if k.startswith("xmpaudit-backup-")]


def test_a_big_node_an_import_would_store_differently_is_refused_before_anything_is_sent(simulator, client):
    asset = f"{DEMO_ROOT}/people/what?.jpg"
    tags = [(f"t{i}", 0.5) for i in range(2_000)] + [("2024-01-01T00:00:00.000+01:00", 0.5)]
    big = PlannedChange(asset, f"{asset}/jcr:content/metadata/dam:predictedTags", "missing", None,
                        expected_xmp_node(tags, SyncArguments()))
    assert route(big, multipart=True) == REFUSED
    assert route(change(asset, items=10), multipart=True) == BATCH  # a small node is sent as typed fields
    sent = client.request_count
    refused = re.escape("would store '2024-01-01T00:00:00.000+01:00' as a Date; nothing was sent")
    with pytest.raises(AemError, match=refused):
        guarded_post(client, [big], "sync-20260101-000000-abcd", multipart=True)
    assert client.request_count == sent
