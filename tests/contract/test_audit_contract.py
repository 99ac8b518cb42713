"""The audit's exact node comparison on JCR types as the simulator and a real Sling render them in JSON."""

from __future__ import annotations

import json

import pytest

from tests.contract.test_sling_contract import import_json, raw_get
from xmpaudit.audit.compare import audit
from xmpaudit.core.acs import SyncArguments, expected_xmp_node
from xmpaudit.core.statuses import stale_reasons
from xmpaudit.read.inventory import snapshot_of

pytestmark = pytest.mark.contract
ARGS = SyncArguments()
TAGS = [("dog", 0.9), ("cat", 1.0)]


def content(asset_type: str, xmp: dict | None) -> dict:
    tags = {str(i): {"jcr:primaryType": "nt:unstructured", "name": n, "confidence": c, "isCustom": False}
            for i, (n, c) in enumerate(TAGS)}
    meta = {"jcr:primaryType": "nt:unstructured", "predictedTags": {"jcr:primaryType": "nt:unstructured", **tags}}
    if xmp is not None:
        meta["dam:predictedTags"] = xmp
    return {"jcr:primaryType": asset_type, "jcr:content": {"jcr:primaryType": "nt:unstructured", "metadata": meta}}


def with_item(field: str, value: object, item: str = "2") -> dict:
    node = json.loads(json.dumps(expected_xmp_node(TAGS, ARGS)))
    node[item][field] = value
    return node


def test_jcr_types_as_rendered_decide_in_sync(backend, client, root):
    asset_type = "dam:Asset" if backend.name == "simulator" else "nt:unstructured"  # plain Sling has no dam types
    nodes = {
        "exact.jpg": expected_xmp_node(TAGS, ARGS),  # JSON import: 1.0 -> Double, 2 -> Long
        "long.jpg": with_item("dam:predictedTagConfidence", 1),  # Long 1, not Double 1.0
        "string.jpg": with_item("dam:predictedTagConfidence", "1.0"),
        "extra.jpg": with_item("isCustom", False),
        "grandchild.jpg": with_item("deep", {"jcr:primaryType": "nt:unstructured"}),
        "decimal.jpg": expected_xmp_node(TAGS, ARGS),  # made Decimal below
    }
    for name, xmp in nodes.items():
        import_json(client, root, name, content(asset_type, xmp))
    item = f"{root}/decimal.jpg/jcr:content/metadata/dam:predictedTags/2"
    client.sling_post(item, [("dam:predictedTagConfidence", "1.0"), ("dam:predictedTagConfidence@TypeHint", "Decimal")])
    rendered = raw_get(client, f"{item}.json").text
    assert '"dam:predictedTagConfidence":"1.0"' in rendered  # Sling renders a Decimal as a JSON string
    assert '"dam:predictedTagConfidence":1.0' in raw_get(client, f"{root}/exact.jpg/jcr:content/metadata/"
                                                         "dam:predictedTags/2.json").text

    result = audit(snapshot_of(client, [f"{root}/{name}" for name in nodes], ARGS), ARGS)
    reasons = [",".join(stale_reasons(flags)) for flags in result.assets["stale_flags"]]
    got = dict(zip(result.assets["name"], zip(result.assets["status"].astype(str), reasons, strict=True),
                   strict=True))
    assert got["exact.jpg"][0] == "in_sync"
    assert {name: reason for name, (_, reason) in got.items() if name != "exact.jpg"} == {
        "long.jpg": "types", "string.jpg": "types", "decimal.jpg": "types",
        "extra.jpg": "extra properties", "grandchild.jpg": "structure"}
