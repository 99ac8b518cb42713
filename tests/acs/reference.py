"""The ACS reference run: every case through the released process (one JVM), the same typed trees loaded into one
simulator, and audit, plan and apply over HTTP in bulk (one folder per argument set)."""

from __future__ import annotations

import sys
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import harness_runner
from cases import all_cases

from tests.conftest import client_for
from xmpaudit.audit.compare import audit
from xmpaudit.core.acs import SyncArguments
from xmpaudit.read.inventory import snapshot_of
from xmpaudit.simulator import Repository, Simulator
from xmpaudit.simulator.repository import Node, Property
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import plan_sync

BEFORE_ROOT = "/content/dam/acsref"
AFTER_ROOT = "/content/dam/acsref-after"

# a canonical typed tree: ({name: (type, multiple, values)}, [(child name, tree), ...])
Typed = tuple[dict[str, tuple[str, bool, list[Any]]], list[tuple[str, Any]]]


def canonical_value(type_: str, value: Any) -> Any:
    if type_ == "Double":
        return repr(float(value))
    if type_ == "Long":
        return str(int(value))
    return value


def typed_from_spec(spec: dict[str, Any]) -> Typed:
    """A harness node spec or dump as a canonical typed tree."""
    props = {p["name"]: (p["type"], p["multiple"], [canonical_value(p["type"], v) for v in p["values"]])
             for p in spec["properties"]}
    props.setdefault("jcr:primaryType", ("Name", False, ["nt:unstructured"]))
    return props, [(c["name"], typed_from_spec(c)) for c in spec["children"]]


def typed_from_json(node: dict[str, Any]) -> Typed:
    """A Sling JSON node (ints are Long, floats Double) as a canonical typed tree."""
    props: dict[str, tuple[str, bool, list[Any]]] = {}
    children = []
    for key, value in node.items():
        if isinstance(value, dict):
            children.append((key, typed_from_json(value)))
        elif key == "jcr:primaryType":
            props[key] = ("Name", False, [value])
        else:
            type_ = ("Boolean" if isinstance(value, bool) else "Long" if isinstance(value, int)
                     else "Double" if isinstance(value, float) else "String")
            props[key] = (type_, False, [canonical_value(type_, value)])
    return props, children


def typed_from_repo(node: Node) -> Typed:
    props = {"jcr:primaryType": ("Name", False, [node.primary_type])}
    for name, prop in node.properties.items():
        values = prop.value if prop.multiple else [prop.value]
        props[name] = (prop.type, prop.multiple, [canonical_value(prop.type, v) for v in values])
    return props, [(name, typed_from_repo(child)) for name, child in node.children.items()]


def child_of(tree: Typed | None, name: str) -> Typed | None:
    if tree is None:
        return None
    return next((child for child_name, child in tree[1] if child_name == name), None)


def _python_value(type_: str, value: Any) -> Any:
    return {"Double": float, "Long": int, "Boolean": bool}.get(type_, str)(value)


def load_tree(repo: Repository, path: str, metadata: dict[str, Any] | None) -> None:
    """An asset at ``path`` whose jcr:content/metadata is the typed ``metadata`` spec (None: no metadata)."""
    asset = repo.ensure_node(path, "dam:Asset", types={p: "sling:Folder" for p in _ancestors(path)})
    content = asset.add_child("jcr:content", "dam:AssetContent")
    if metadata is not None:
        _fill(content.add_child("metadata", "nt:unstructured"), metadata)


def _ancestors(path: str) -> list[str]:
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[:i]) for i in range(1, len(parts))]


def _fill(node: Node, spec: dict[str, Any]) -> None:
    for p in spec["properties"]:
        if p["name"] == "jcr:primaryType":
            node.primary_type = p["values"][0]
            continue
        values = [_python_value(p["type"], v) for v in p["values"]]
        node.properties[p["name"]] = Property(p["type"], values if p["multiple"] else values[0], p["multiple"])
    for child in spec["children"]:
        _fill(node.add_child(child["name"], "nt:unstructured"), child)


def python_arguments(text: str) -> SyncArguments:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return SyncArguments.from_process_args(text)


@dataclass
class CaseOutcome:
    """Everything the assertions need for one case."""

    case: dict[str, Any]
    java: dict[str, Any]
    args: SyncArguments
    status: str = ""
    reason: str = ""
    audit_expected_node: dict[str, Any] | None = None
    metadata_after_apply: Typed | None = None
    idempotent_status: str = ""
    idempotent_planned: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass
class Reference:
    outcomes: dict[str, CaseOutcome]
    build_seconds: float
    run_seconds: float


def build_reference(tmp_dir: Path) -> Reference:
    """Run the harness and the simulator side for every case."""
    build_seconds = harness_runner.build()
    groups: dict[SyncArguments, list[dict[str, Any]]] = defaultdict(list)
    cases = all_cases()
    for case in cases:
        groups[python_arguments(case["processArgs"])].append(case)
    paths: dict[str, str] = {}
    folder_of: dict[SyncArguments, str] = {}
    for number, (args, members) in enumerate(groups.items()):
        folder_of[args] = f"g{number}"
        for index, case in enumerate(members):
            paths[case["id"]] = f"{BEFORE_ROOT}/g{number}/c{index}.jpg"
    java, run_seconds = harness_runner.run([case | {"path": paths[case["id"]]} for case in cases])

    repo = Repository()
    outcomes = {}
    for case in cases:
        load_tree(repo, paths[case["id"]], case["metadata"])
        result = java[case["id"]]
        outcomes[case["id"]] = CaseOutcome(case, result, python_arguments(case["processArgs"]))
        if result["error"] is None:  # the process's own output, to check idempotency
            load_tree(repo, paths[case["id"]].replace(BEFORE_ROOT, AFTER_ROOT), result["metadata"])
    journal = Journal(tmp_dir / "journal.jsonl")
    with Simulator(repo, json_max_results=1_000_000) as simulator, client_for(simulator) as client:
        for args, members in groups.items():
            folder = folder_of[args]
            by_path = {paths[c["id"]]: outcomes[c["id"]] for c in members}
            _in_bulk(_audit_plan_apply, by_path, client, repo, journal, args, f"{BEFORE_ROOT}/{folder}")
            after = {path.replace(BEFORE_ROOT, AFTER_ROOT): o for path, o in by_path.items()
                     if o.java["error"] is None}
            if after:
                _in_bulk(_idempotency, after, client, args, f"{AFTER_ROOT}/{folder}")
    for case in cases:  # what the kit left, also where it refused to plan or write
        metadata = repo.node(f"{paths[case['id']]}/jcr:content/metadata")
        outcomes[case["id"]].metadata_after_apply = None if metadata is None else typed_from_repo(metadata)
    return Reference(outcomes, build_seconds, run_seconds)


def _in_bulk(step: Any, by_path: dict[str, CaseOutcome], *args: Any) -> None:
    """Run ``step`` for a whole folder; when it raises, bisect so the error lands on the cases that cause it."""
    try:
        step(by_path, *args)
    except Exception as error:
        if len(by_path) == 1:
            next(iter(by_path.values())).notes.append(f"{step.__name__} raised {type(error).__name__}: {error}")
            return
        items = list(by_path.items())
        half = len(items) // 2
        _in_bulk(step, dict(items[:half]), *args)
        _in_bulk(step, dict(items[half:]), *args)


def _audit_plan_apply(by_path: dict[str, CaseOutcome], client: Any, repo: Repository, journal: Journal,
                      args: SyncArguments, root: str) -> None:
    from xmpaudit.core.acs import expected_xmp_node

    result = audit(snapshot_of(client, list(by_path), args), args)
    assets = result.assets.set_index("path")
    expected = result.expected
    for path, outcome in by_path.items():
        outcome.status = str(assets.loc[path, "status"])
        outcome.reason = str(assets.loc[path, "reason"])
        if outcome.status == "invalid":
            continue  # the process fails here: there is no node to expect
        rows = expected[expected["asset"] == path].sort_values("index")
        outcome.audit_expected_node = expected_xmp_node(
            list(zip(rows["name"].tolist(), rows["confidence"].astype(float).tolist(), strict=True)), args)
    plan = plan_sync(client, list(by_path), args, include_in_sync=True)
    if plan.changes:
        apply_plan(client, plan, journal, show_progress=False)


def _idempotency(by_path: dict[str, CaseOutcome], client: Any, args: SyncArguments, root: str) -> None:
    result = audit(snapshot_of(client, list(by_path), args), args)
    statuses = dict(zip(result.assets["path"], result.assets["status"].astype(str), strict=True))
    planned = {change.asset for change in plan_sync(client, list(by_path), args).changes}
    for path, outcome in by_path.items():
        outcome.idempotent_status = statuses[path]
        outcome.idempotent_planned = path in planned
