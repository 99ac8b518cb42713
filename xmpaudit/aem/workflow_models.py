"""Workflow models and launchers read from AEM: the ACS sync step's PROCESS_ARGS, the writeback step, launchers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from xmpaudit.aem.client import AemClient
from xmpaudit.core.errors import AemAuthError, AemNotFoundError

RUNTIME_MODELS = "/var/workflow/models"
DESIGN_MODEL_ROOTS = ("/conf/global/settings/workflow/models", "/libs/settings/workflow/models")
LAUNCHER_ROOTS = ("/conf/global/settings/workflow/launcher/config", "/libs/settings/workflow/launcher/config")
ACS_SYNC_PROCESS = "com.adobe.acs.commons.workflow.process.impl.SyncSmartTagsToXmpMetadataNodeProcess"
ACS_SYNC_LABEL = "Synchronize Smart Tags to XMP Metadata Node"  # the process.label the step dialog lists
XMP_WRITEBACK_PROCESS = "com.day.cq.dam.core.process.XMPWritebackProcess"
XMP_WRITEBACK_LABELS = ("XMP Writeback Process", "XMP Writeback")  # the step's title in AEM's docs and UI


@dataclass(frozen=True)
class ProcessStep:
    """One process step of one workflow model."""

    model: str  # the model's path (runtime model or design page)
    model_title: str
    step: str  # the step node's path
    step_title: str
    process: str  # PROCESS: the process class name (or its label)
    args: str  # PROCESS_ARGS ("" when none)
    kind: str  # "runtime" (what AEM runs) or "design" (what the model editor shows)

    @property
    def is_acs_sync(self) -> bool:
        return self.process.strip() in (ACS_SYNC_PROCESS, ACS_SYNC_LABEL)

    @property
    def is_xmp_writeback(self) -> bool:
        return self.process.strip() in (XMP_WRITEBACK_PROCESS, *XMP_WRITEBACK_LABELS)

    def describe(self) -> str:
        return f"{self.kind} model {self.model_title!r} ({self.model}) step {self.step_title!r}"


@dataclass(frozen=True)
class Launcher:
    """A workflow launcher config (``cq:WorkflowLauncher``); one under /conf overrides the /libs one of that name."""

    path: str
    workflow: str
    glob: str
    event_type: int | None
    nodetype: str
    enabled: bool
    condition: str = ""

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def watches_metadata(self) -> bool:
        return "metadata" in self.glob or self.nodetype == "nt:unstructured"


def read_tree_or_none(client: AemClient, path: str) -> dict[str, Any] | None:
    """The subtree at ``path``, or None where it does not exist or may not be read."""
    try:
        return client.read_tree(path, "infinity")
    except (AemNotFoundError, AemAuthError):
        return None


def _children(node: dict[str, Any], path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, value in node.items():
        if isinstance(value, dict):
            yield f"{path.rstrip('/')}/{name}", value


def _walk(node: dict[str, Any], path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    stack = [(path, node)]
    while stack:
        current_path, current = stack.pop()
        yield current_path, current
        stack.extend(reversed(list(_children(current, current_path))))


def _step(model: str, title: str, step_path: str, step: dict[str, Any], kind: str) -> ProcessStep | None:
    meta = step.get("metaData")
    if not isinstance(meta, dict) or not meta.get("PROCESS"):
        return None
    step_title = str(step.get("title") or step.get("jcr:title") or step_path.rsplit("/", 1)[-1])
    return ProcessStep(model, title, step_path, step_title, str(meta["PROCESS"]), str(meta.get("PROCESS_ARGS") or ""),
                       kind)


def runtime_model_steps(path: str, model: dict[str, Any]) -> list[ProcessStep]:
    """The PROCESS steps of a runtime model (``cq:WorkflowModel`` with ``nodes/nodeN``), in node order."""
    title = str(model.get("title") or path.rsplit("/", 1)[-1])
    nodes = model.get("nodes") if isinstance(model.get("nodes"), dict) else {}
    steps = []
    for step_path, node in _children(nodes, f"{path}/nodes"):
        if node.get("type") == "PROCESS":
            found = _step(path, title, step_path, node, "runtime")
            if found:
                steps.append(found)
    return steps


def design_model_steps(path: str, page: dict[str, Any]) -> list[ProcessStep]:
    """The process components under a design model page's ``jcr:content/flow`` (at any depth: splits, OR)."""
    content = page.get("jcr:content") if isinstance(page.get("jcr:content"), dict) else {}
    flow = content.get("flow")
    if not isinstance(flow, dict):
        return []
    title = str(content.get("jcr:title") or path.rsplit("/", 1)[-1])
    steps = []
    for step_path, node in _walk(flow, f"{path}/jcr:content/flow"):
        found = _step(path, title, step_path, node, "design")
        if found:
            steps.append(found)
    return steps


def read_process_steps(client: AemClient) -> list[ProcessStep]:
    """Every process step of every runtime and design model the user may read."""
    steps: list[ProcessStep] = []
    runtime = read_tree_or_none(client, RUNTIME_MODELS)
    for path, node in _walk(runtime or {}, RUNTIME_MODELS):
        if node.get("jcr:primaryType") == "cq:WorkflowModel":
            steps += runtime_model_steps(path, node)
    seen_design: set[str] = set()
    for root in DESIGN_MODEL_ROOTS:  # /conf first: a model there overrides the /libs model of the same id
        for path, node in _walk(read_tree_or_none(client, root) or {}, root):
            model_id = path[len(root):]
            if node.get("jcr:primaryType") == "cq:Page" and model_id not in seen_design:
                seen_design.add(model_id)
                steps += design_model_steps(path, node)
    return steps


def read_launchers(client: AemClient) -> list[Launcher]:
    """Launcher configs under /conf and /libs; a /conf config hides the /libs config of the same name."""
    launchers: dict[str, Launcher] = {}
    for root in LAUNCHER_ROOTS:
        for path, node in _walk(read_tree_or_none(client, root) or {}, root):
            if node.get("jcr:primaryType") != "cq:WorkflowLauncher" and "workflow" not in node:
                continue
            name = path[len(root):]
            if name in launchers:
                continue
            event = node.get("eventType")
            launchers[name] = Launcher(
                path=path, workflow=str(node.get("workflow") or ""), glob=str(node.get("glob") or ""),
                event_type=int(event) if isinstance(event, int | float) or str(event).isdigit() else None,
                nodetype=str(node.get("nodetype") or ""),
                enabled=node.get("enabled") not in (False, "false"),  # absent counts as enabled, as in the console
                condition=str(node.get("condition") or node.get("conditions") or ""))
    return list(launchers.values())
