"""What the released ACS process does with whatever sits at ``sequenceName`` and with names the repository rejects
(ACS AEM Commons 6.6.0 on Oak, harness/), next to what xmpaudit decides: a damaged array is rewritten like the
process does; a property or a node of another XMP kind is replaced by the process too, but xmpaudit leaves that
asset ``invalid`` with the reason; an unregistered prefix or a forbidden character fails every asset, so xmpaudit
refuses the run."""

from __future__ import annotations

import harness_runner
import pytest
from cases import GOOD_TAGS, SEQ, THREE_TAGS, case, metadata, node, prop, xmp_array

from xmpaudit.aem.namespaces import name_problem
from xmpaudit.audit.compare import audit
from xmpaudit.core.acs import SyncArguments
from xmpaudit.read.snapshot import Snapshot

pytestmark = pytest.mark.acs

ITEMS = xmp_array(GOOD_TAGS)["children"]
WRITTEN = {"xmpNodeType": "xmpArray", "xmpArrayType": "rdf:Seq", "xmpArraySize": "3"}
# (label, process args, metadata, xmpaudit's status for the asset)
SLOT_CASES = [
    ("property", "", metadata(THREE_TAGS, properties=[prop(SEQ, "String", "cat")]), "invalid"),
    ("multi-property", "", metadata(THREE_TAGS, properties=[prop(SEQ, "String", "a", "b", multiple=True)]),
     "invalid"),
    ("struct-node", "", metadata(THREE_TAGS, node(SEQ, [prop("xmpNodeType", "String", "xmpStruct")])), "invalid"),
    ("array-without-type", "", metadata(THREE_TAGS, node(SEQ, [prop("xmpArrayType", "String", "rdf:Seq"),
                                                                prop("xmpArraySize", "Long", 3)], ITEMS)),
     "stale_xmp"),
    ("bare-node", "", metadata(THREE_TAGS, node(SEQ, [], ITEMS)), "stale_xmp"),
]
FAILING_NAMES = [("unregistered-prefix", "sequenceName=nope:tags"), ("control-char", "sequenceName=tags\u0001x")]


@pytest.fixture(scope="module")
def jar() -> dict[str, dict]:
    missing = harness_runner.missing_tools()
    if missing:
        pytest.skip(f"ACS harness needs {' and '.join(missing)}")
    harness_runner.build()
    cases = [case("slot", label, args, meta) for label, args, meta, _ in SLOT_CASES]
    for label, args in FAILING_NAMES:
        cases += [case("name", f"{label}@tagged", args, metadata(THREE_TAGS)),
                  case("name", f"{label}@untagged", args, metadata([]))]
    results, _ = harness_runner.run(cases)
    return results


def hit_of(spec: dict) -> dict:
    """A Sling JSON hit for a harness metadata spec (values as the GET servlet renders them, types aside)."""
    def as_json(spec_node: dict) -> dict:
        out: dict = {"jcr:primaryType": "nt:unstructured"}
        for p in spec_node["properties"]:
            out[p["name"]] = p["values"] if p["multiple"] else p["values"][0]
        for child in spec_node["children"]:
            out[child["name"]] = as_json(child)
        return out

    return {"jcr:path": "/content/dam/slot/a.jpg", "jcr:content": {"metadata": as_json(spec)}}


@pytest.mark.parametrize(("label", "args", "meta", "status"), SLOT_CASES, ids=[c[0] for c in SLOT_CASES])
def test_the_process_replaces_what_is_at_sequence_name_and_xmpaudit_decides(jar, label, args, meta, status):
    done = jar[f"slot:{label}"]
    assert done["error"] is None
    written = next(c for c in done["metadata"]["children"] if c["name"] == SEQ)
    assert {p["name"]: p["values"][0] for p in written["properties"] if p["name"] != "jcr:primaryType"} == WRITTEN
    assert [c["name"] for c in written["children"]] == ["1", "2", "3"]
    assert all(p["name"] != SEQ for p in done["metadata"]["properties"])  # a property of that name is gone
    result = audit(Snapshot.from_hits([hit_of(meta)], SyncArguments()), SyncArguments()).assets
    assert str(result["status"].iloc[0]) == status


@pytest.mark.parametrize(("label", "args"), FAILING_NAMES, ids=[c[0] for c in FAILING_NAMES])
def test_names_the_repository_rejects_fail_every_asset_and_xmpaudit_refuses(jar, label, args):
    for which in ("tagged", "untagged"):
        assert jar[f"name:{label}@{which}"]["error"].endswith("Unable to commit changes to session.")
    name = SyncArguments.from_process_args(args).sequence_name
    assert name_problem(name, frozenset({"jcr", "nt", "dam", "dc"})) != ""
