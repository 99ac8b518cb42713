"""Namespaces and names in the way, on the simulator and on real Sling: the registry xmpaudit reads, what the
repository does with an unregistered prefix (node refused, property stored escaped), and sync refusing a run
only for a name it cannot write while a property in the way blocks just its asset."""

from __future__ import annotations

import pytest

from tests.contract.test_guarded_write_contract import asset_type
from tests.contract.test_sling_contract import import_json, raw_get, raw_post
from tests.contract.test_sync_contract import asset
from xmpaudit.aem.namespaces import registered_prefixes
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import ConfigError
from xmpaudit.write.plan import plan_sync

pytestmark = pytest.mark.contract


def test_registered_prefixes_come_from_the_namespace_registry(client):
    prefixes = registered_prefixes(client)
    assert prefixes is not None and {"jcr", "nt", "mix", "sling", "dam", "dc"} <= prefixes
    assert "acme" not in prefixes


def test_unregistered_prefix_refuses_a_node_but_stores_a_property(client, root):
    refused = raw_post(client, root, [("./acme:tags/jcr:primaryType", "nt:unstructured")])
    body = refused.json()
    assert refused.status_code == 500 and body["changes"] == []
    assert body["status.message"] == ("org.apache.sling.api.resource.PersistenceException: "
                                      "Unable to commit changes to session.")
    assert raw_get(client, f"{root}/acme:tags.json").status_code == 404
    stored = raw_post(client, root, [("./acme:label", "kept")])
    assert stored.status_code == 200 and client.read_tree(root, 0)["acme:label"] == "kept"


def test_sync_with_an_unregistered_sequence_name_is_refused_with_nothing_written(backend, client, root):
    import_json(client, root, "a.jpg", asset(asset_type(backend), [("0", "cat", 0.7)]))
    before = raw_get(client, f"{root}.infinity.json").content
    with pytest.raises(ConfigError, match=r"prefix 'acme' of 'acme:tags' is not registered.*Nothing was written"):
        plan_sync(client, [f"{root}/a.jpg"], SyncArguments(sequence_name="acme:tags"))
    assert raw_get(client, f"{root}.infinity.json").content == before


def test_a_property_at_sequence_name_blocks_only_its_asset(backend, client, root):
    import_json(client, root, "a.jpg", asset(asset_type(backend), [("0", "cat", 0.7)]))  # has dc:title
    plan = plan_sync(client, [f"{root}/a.jpg"], SyncArguments(sequence_name="dc:title"))
    assert len(plan) == 0 and plan.skipped["reason"].tolist() == [
        "sequenceName=dc:title is a property on this asset: the ACS process would delete it to write the node; "
        "not synced (move or remove the property first)"]
