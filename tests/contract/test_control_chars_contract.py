"""Tag names holding C0 control characters: what the simulator and a real Sling store and give back in JSON, and
that the audit reads them back unchanged (so the exports have every character to keep or escape)."""

from __future__ import annotations

import pytest

from tests.contract.test_sling_contract import import_json
from xmpaudit.audit.compare import audit
from xmpaudit.core.acs import SyncArguments
from xmpaudit.read.inventory import snapshot_of

pytestmark = pytest.mark.contract
C0 = [chr(code) for code in range(32)]


def test_tag_names_with_every_c0_control_character_come_back_unchanged(backend, client, root):
    asset_type = "dam:Asset" if backend.name == "simulator" else "nt:unstructured"  # plain Sling has no dam types
    tags = {str(i): {"jcr:primaryType": "nt:unstructured", "name": f"t{char}x", "confidence": 0.5}
            for i, char in enumerate(C0)}
    meta = {"jcr:primaryType": "nt:unstructured", "predictedTags": {"jcr:primaryType": "nt:unstructured", **tags}}
    import_json(client, root, "cc.jpg", {"jcr:primaryType": asset_type,
                                         "jcr:content": {"jcr:primaryType": "nt:unstructured", "metadata": meta}})
    snapshot = snapshot_of(client, [f"{root}/cc.jpg"], SyncArguments())
    assert snapshot.smart_tags["name"].astype(str).tolist() == [f"t{char}x" for char in C0]
    result = audit(snapshot)
    assert result.assets["status"].astype(str).tolist() == ["missing_xmp"]
