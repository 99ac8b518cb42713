"""Property test: asset and tag names from the whole range Oak stores (every XML character but ``/ : [ ] | *``,
whitespace only as inner plain spaces) are synced in place and undone exactly — many examples on the simulator, a
small derandomized sample on real Sling."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.contract.test_sling_contract import import_json, raw_get
from tests.contract.test_sync_contract import asset
from xmpaudit.core.acs import SyncArguments
from xmpaudit.simulator.oak_names import is_valid_local_name
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import plan_sync
from xmpaudit.write.undo import plan_undo

pytestmark = pytest.mark.contract


def xml_char(char: str) -> bool:
    code = ord(char)
    return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or code >= 0x10000


CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="/:[]|*").filter(xml_char)
AWKWARD = st.sampled_from(['"', "%", "+", "&", "=", ";", "#", "?", "\\", "'", "%22", "%0A", "😀", "e\u0301",
                           "\u00a0", "\u0085", "@MoveFrom", ".json", " "])
NAME_PART = st.one_of(AWKWARD, st.text(CHARS, min_size=1, max_size=4))
ASSET_NAMES = st.lists(NAME_PART, min_size=1, max_size=4).map("".join).filter(is_valid_local_name)
TAG_NAMES = st.lists(st.one_of(AWKWARD, st.sampled_from(["\n", "\r", "\t"]), st.text(CHARS, max_size=4)),
                     min_size=1, max_size=4).map("".join)
ASSETS = st.lists(st.tuples(ASSET_NAMES, st.lists(TAG_NAMES, min_size=1, max_size=3), st.booleans()),
                  min_size=1, max_size=3, unique_by=lambda a: a[0])
STALE = {"jcr:primaryType": "nt:unstructured", "xmpNodeType": "xmpArray", "xmpArrayType": "rdf:Seq",
         "xmpArraySize": 1, "1": {"jcr:primaryType": "nt:unstructured", "dam:predictedTagName": "old",
                                  "dam:predictedTagConfidence": 0.1}}


def test_any_oak_names_sync_in_place_and_undo_exactly(backend, client, tmp_path):
    on_sling = backend.name == "sling"
    asset_type = "nt:unstructured" if on_sling else "dam:Asset"
    client.sling_post("/content/xmpaudit-contract", [("./jcr:primaryType", "nt:unstructured")])

    @settings(max_examples=6 if on_sling else 40, derandomize=on_sling, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(ASSETS, st.booleans())
    def check(assets: list[tuple[str, list[str], bool]], multipart: bool) -> None:
        root = f"/content/xmpaudit-contract/p {uuid.uuid4().hex[:8]}"
        client.sling_post(root, [("./jcr:primaryType", "nt:unstructured")])
        for name, tags, stale in assets:
            content = asset(asset_type, [(f"t{i}", tag, 0.9) for i, tag in enumerate(tags)], STALE if stale else None)
            import_json(client, root, name, content)
        before = raw_get(client, f"{root}.infinity.json").content
        plan = plan_sync(client, [f"{root}/{name}" for name, _, _ in assets], SyncArguments())
        journal = Journal(tmp_path / f"{uuid.uuid4().hex}.jsonl")
        result = apply_plan(client, plan, journal, show_progress=False, multipart=multipart)
        assert result.ok and not result.outcomes["repaired"].any(), result.outcomes.to_dict("records")
        tree = client.get_json(f"{root}.infinity.json")
        assert {k for k, v in tree.items() if isinstance(v, dict)} == {name for name, _, _ in assets}
        for change in plan.changes:
            metadata = tree[change.asset.rsplit("/", 1)[1]]["jcr:content"]["metadata"]
            assert metadata[change.node_path.rsplit("/", 1)[1]] == change.after
            assert not [k for k in metadata if k.startswith("xmpaudit-backup-")]
        assert apply_plan(client, plan_undo(client, journal), journal, show_progress=False, multipart=multipart).ok
        assert raw_get(client, f"{root}.infinity.json").content == before  # byte for byte

    check()
