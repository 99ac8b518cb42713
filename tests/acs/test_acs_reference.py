"""xmpaudit against the released ACS process "Synchronize Smart Tags to XMP Metadata Node" (ACS AEM Commons
6.6.0 on real Oak, see harness/): per case, the parsed arguments, failure <=> ``invalid``, the node the audit
expects, the node plan_sync + apply_plan write, the status before the sync, and idempotency."""

from __future__ import annotations

import pytest
from cases import all_cases
from conftest import CaseOutcome, Reference, child_of, typed_from_json, typed_from_spec

from xmpaudit.acs import java_double_to_string

pytestmark = pytest.mark.acs
CASES = all_cases()


@pytest.fixture
def outcome(acs_reference: Reference, request: pytest.FixtureRequest) -> CaseOutcome:
    return acs_reference.outcomes[request.param]


def _existing_sequence_node(outcome: CaseOutcome) -> dict | None:
    metadata = outcome.case["metadata"]
    if metadata is None:
        return None
    return next((c for c in metadata["children"] if c["name"] == outcome.java["args"]["sequenceName"]), None)


def _smart_tag_count(outcome: CaseOutcome) -> int:
    metadata = outcome.case["metadata"] or {"children": []}
    tags = next((c for c in metadata["children"] if c["name"] == "predictedTags"), None)
    return 0 if tags is None else len(tags["children"])


def _expected_status(outcome: CaseOutcome) -> set[str]:
    """The status the audit must give before any sync, from what the process did."""
    if outcome.java["error"] is not None:
        return {"invalid"}
    written = child_of(typed_from_spec(outcome.java["metadata"]), outcome.args.sequence_name)
    existing = _existing_sequence_node(outcome)
    same = existing is not None and typed_from_spec(existing) == written
    if _smart_tag_count(outcome) == 0:
        if existing is None:
            return {"no_smart_tags"}
        if existing["children"]:
            return {"orphan_xmp"}
        return {"no_smart_tags", "in_sync"} if same else {"stale_xmp"}
    if existing is None:
        return {"missing_xmp"}
    return {"in_sync"} if same else {"stale_xmp"}


@pytest.mark.parametrize("outcome", [c["id"] for c in CASES], indirect=True)
def test_matches_the_released_process(outcome: CaseOutcome) -> None:
    problems = problems_of(outcome)
    assert not problems, "\n".join(problems)


def problems_of(outcome: CaseOutcome) -> list[str]:
    """Every way xmpaudit disagrees with the process on this case, labelled (a)..(f)."""
    java = outcome.java
    problems = list(outcome.notes)
    parsed = {"sequenceName": outcome.args.sequence_name, "nameProperty": outcome.args.name_property,
              "confidenceProperty": outcome.args.confidence_property,
              "minimumConfidence": java_double_to_string(outcome.args.minimum_confidence)}
    if parsed != java["args"]:
        problems.append(f"(a) arguments: xmpaudit {parsed} != process {java['args']}")
    failed = java["error"] is not None
    if failed != (outcome.status == "invalid"):
        problems.append(f"(b) process error {java['error']!r} but audit status {outcome.status} ({outcome.reason})")
    process_metadata = None if java["metadata"] is None else typed_from_spec(java["metadata"])
    if not failed:
        written = child_of(process_metadata, outcome.args.sequence_name)
        expected = typed_from_json(outcome.audit_expected_node or {})
        if expected != written:
            problems.append(f"(c) audit expects {expected}\n    process wrote {written}")
    if outcome.metadata_after_apply != process_metadata:
        problems.append(f"(d) after plan_sync + apply_plan {outcome.metadata_after_apply}\n"
                        f"    process left {process_metadata}")
    if not failed and (outcome.idempotent_status not in ("in_sync", "no_smart_tags") or outcome.idempotent_planned):
        problems.append(f"(e) the process's own output audits as {outcome.idempotent_status}, "
                        f"planned change: {outcome.idempotent_planned}")
    if outcome.status not in _expected_status(outcome):
        problems.append(f"(f) audit status {outcome.status} ({outcome.reason}), "
                        f"want one of {sorted(_expected_status(outcome))}")
    return problems


def test_suite_size_and_families(acs_reference: Reference) -> None:
    families = {c["family"] for c in CASES}
    assert len(CASES) >= 500
    assert {"args", "minimum", "blank", "name", "confidence", "clash", "shape", "structure", "generated"} <= families
    failures = [o for o in acs_reference.outcomes.values() if o.java["error"]]
    assert any("IllegalArgumentException" in o.java["error"] for o in failures)
    assert any("NullPointerException" in o.java["error"] for o in failures)
