"""Writing the XMP node does not touch the asset's ``jcr:content/jcr:lastModified`` (on the simulator and real
Sling): what incremental re-inventory relies on when it adds the journal's assets to the modified ones."""

from __future__ import annotations

import pytest

from tests.contract.test_sling_contract import import_json, raw_get
from tests.contract.test_sync_contract import asset
from xmpaudit.core.acs import SyncArguments
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import plan_sync

pytestmark = pytest.mark.contract
STAMP = "2024-01-02T03:04:05.678Z"


def test_a_sync_and_a_plain_metadata_post_leave_jcr_last_modified_alone(backend, client, root, tmp_path):
    content = asset("dam:Asset" if backend.name == "simulator" else "nt:unstructured", [("0", "sky", 0.9)])
    content["jcr:content"]["jcr:lastModified"] = STAMP
    import_json(client, root, "a.jpg", content)
    path = f"{root}/a.jpg"
    before = raw_get(client, f"{path}/jcr:content.json").json()["jcr:lastModified"]
    plan = plan_sync(client, [path], SyncArguments())
    assert len(plan) == 1
    assert apply_plan(client, plan, Journal(tmp_path / "journal.jsonl"), show_progress=False).ok
    client.sling_post(f"{path}/jcr:content/metadata", [("dc:title", "edited by another tool")])
    after = raw_get(client, f"{path}/jcr:content.json").json()
    assert after["jcr:lastModified"] == before
    assert "jcr:lastModifiedBy" not in after
