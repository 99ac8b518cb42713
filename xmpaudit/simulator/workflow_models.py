"""Workflow models and launchers as AEM stores them (runtime models under /var/workflow/models, design models
as pages under /conf and /libs, launcher configs), and what the simulated workflow engine does with their steps."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from xmpaudit.simulator.repository import Node, Repository

RUNTIME_MODELS = "/var/workflow/models"
CONF_MODELS = "/conf/global/settings/workflow/models"
LIBS_MODELS = "/libs/settings/workflow/models"
CONF_LAUNCHERS = "/conf/global/settings/workflow/launcher/config"
LIBS_LAUNCHERS = "/libs/settings/workflow/launcher/config"
WRITEBACK_ID = "dam-xmp-writeback"
SYNC_MODEL_ID = "smart-tags-to-xmp"
XMP_WRITEBACK_PROCESS = "com.day.cq.dam.core.process.XMPWritebackProcess"
WRITEBACK_COMPLETED_PROCESS = "com.day.cq.dam.core.impl.process.DamMetadataWritebackWorkflowCompletedProcess"
ACS_SYNC_PROCESS = "com.adobe.acs.commons.workflow.process.impl.SyncSmartTagsToXmpMetadataNodeProcess"
DEFAULT_SYNC_ARGS = ("sequenceName=dam:predictedTags\nnameProperty=dam:predictedTagName\n"
                     "confidenceProperty=dam:predictedTagConfidence\nminimumConfidence=0.0")
LIVE_RELATIONSHIP = "cq:LiveRelationship"
PROPERTY_CHANGED = 16  # javax.jcr.observation.Event.PROPERTY_CHANGED


@dataclass(frozen=True)
class Step:
    """One process step: title, process (class name or label) and PROCESS_ARGS (None = no arguments)."""

    title: str
    process: str
    args: str | None = None


def writeback_steps(args: str | None = "createversion:true,rendition:original") -> list[Step]:
    """The steps of AEM's ``dam-xmp-writeback`` model."""
    return [Step("XMP Writeback Process", XMP_WRITEBACK_PROCESS, args),
            Step("DAM Metadata Writeback Workflow Completed", WRITEBACK_COMPLETED_PROCESS)]


@dataclass
class WorkflowSetup:
    """Which models and launchers the simulated AEM holds; the defaults are a correctly configured author."""

    writeback: list[Step] | None = field(default_factory=writeback_steps)  # None = no writeback model at all
    sync_models: dict[str, str] = field(default_factory=lambda: {SYNC_MODEL_ID: DEFAULT_SYNC_ARGS})
    sync_design_args: dict[str, str] | None = None  # design-model args where they differ from runtime (not synced)
    writeback_launcher_enabled: bool = False  # AEM as a Cloud Service ships it disabled
    conf_launcher_enabled: bool | None = None  # an overlay under /conf (None = no overlay)
    live_copies: tuple[str, ...] = ()


def _page(repo: Repository, path: str, title: str, steps: list[Step]) -> None:
    """A design model: cq:Page whose jcr:content/flow holds one component per step."""
    page = repo.ensure_node(path, "cq:Page", types={path.rsplit("/", 1)[0]: "sling:Folder"})
    content = page.add_child("jcr:content", "cq:PageContent")
    content.set("jcr:title", title)
    content.set("sling:resourceType", "cq/workflow/components/pages/model")
    content.set("cq:template", "/libs/cq/workflow/templates/model")
    flow = content.add_child("flow", "nt:unstructured")
    flow.set("sling:resourceType", "foundation/components/parsys")
    for index, step in enumerate(steps):
        component = flow.add_child(f"process_{index}", "nt:unstructured")
        component.set("jcr:title", step.title)
        component.set("sling:resourceType", "cq/workflow/components/model/process")
        _step_metadata(component, step)


def _step_metadata(holder: Node, step: Step) -> None:
    meta = holder.add_child("metaData", "nt:unstructured")
    meta.set("PROCESS", step.process)
    meta.set("PROCESS_AUTO_ADVANCE", "true")
    if step.args is not None:
        meta.set("PROCESS_ARGS", step.args)


def _runtime(repo: Repository, path: str, title: str, steps: list[Step]) -> None:
    """A runtime model: cq:WorkflowModel with nodes START, one PROCESS node per step, END, and transitions."""
    model = repo.ensure_node(path, "cq:WorkflowModel", types={RUNTIME_MODELS: "sling:Folder"})
    model.set("title", title)
    model.set("sling:resourceType", "cq/workflow/components/model")
    model.add_child("metaData", "nt:unstructured").set("tags", "dam")
    nodes = model.add_child("nodes", "nt:unstructured")
    names = [f"node{i}" for i in range(len(steps) + 2)]
    start = nodes.add_child(names[0], "cq:WorkflowNode")
    start.set("title", "Start")
    start.set("type", "START")
    for name, step in zip(names[1:], steps, strict=False):
        node = nodes.add_child(name, "cq:WorkflowNode")
        node.set("title", step.title)
        node.set("type", "PROCESS")
        _step_metadata(node, step)
    end = nodes.add_child(names[-1], "cq:WorkflowNode")
    end.set("title", "End")
    end.set("type", "END")
    transitions = model.add_child("transitions", "nt:unstructured")
    for index, (source, target) in enumerate(itertools.pairwise(names)):
        transition = transitions.add_child(f"{source}#{target}", "cq:WorkflowTransition")
        transition.set("from", source)
        transition.set("to", target)
        transition.add_child("metaData", "nt:unstructured").set("index", index)


def _launcher(repo: Repository, root: str, name: str, workflow: str, enabled: bool) -> None:
    node = repo.ensure_node(f"{root}/{name}", "cq:WorkflowLauncher", types={root: "sling:Folder"})
    node.set("description", "Launcher for DAM XMP writeback")
    node.set("eventType", PROPERTY_CHANGED)
    node.set("glob", "/content/dam(/.*)/jcr:content/metadata")
    node.set("nodetype", "nt:unstructured")
    node.set("workflow", workflow)
    node.set("enabled", enabled)
    node.set("runModes", ["author"])
    node.set("excludeList", "event-user-data:changedByWorkflowProcess")


def install_workflows(repo: Repository, setup: WorkflowSetup | None = None) -> None:
    """Put the models and launchers of ``setup`` into ``repo`` and mark its live-copy assets."""
    setup = setup or WorkflowSetup()
    writeback_model = f"{RUNTIME_MODELS}/{WRITEBACK_ID}"
    if setup.writeback is not None:
        _runtime(repo, writeback_model, "DAM Metadata WriteBack", setup.writeback)
        _page(repo, f"{LIBS_MODELS}/{WRITEBACK_ID}", "DAM Metadata WriteBack", setup.writeback)
    for model_id, args in setup.sync_models.items():
        steps = [Step("Synchronize Smart Tags to XMP", ACS_SYNC_PROCESS, args), *writeback_steps()[:1]]
        _runtime(repo, f"{RUNTIME_MODELS}/{model_id}", "Synchronize Smart Tags to XMP Metadata", steps)
        design_args = (setup.sync_design_args or {}).get(model_id, args)
        design = [Step("Synchronize Smart Tags to XMP", ACS_SYNC_PROCESS, design_args), *writeback_steps()[:1]]
        _page(repo, f"{CONF_MODELS}/{model_id}", "Synchronize Smart Tags to XMP Metadata", design)
    _launcher(repo, LIBS_LAUNCHERS, "dam_xmp_writeback", writeback_model, setup.writeback_launcher_enabled)
    if setup.conf_launcher_enabled is not None:
        _launcher(repo, CONF_LAUNCHERS, "dam_xmp_writeback", writeback_model, setup.conf_launcher_enabled)
    for asset in setup.live_copies:
        mark_live_copy(repo, asset)
    repo.changed()


def mark_live_copy(repo: Repository, asset: str) -> None:
    """Give the asset's jcr:content the MSM ``cq:LiveRelationship`` mixin (as a rolled-out live copy has)."""
    content = repo.require(f"{asset}/jcr:content")
    mixins = list(content.get("jcr:mixinTypes") or [])
    content.set("jcr:mixinTypes", [*mixins, LIVE_RELATIONSHIP], "Name")


def runtime_models(repo: Repository) -> dict[str, str]:
    """Runtime model path -> title, for ``/etc/workflow/models.json``."""
    found: dict[str, str] = {}
    base = repo.node(RUNTIME_MODELS)
    stack: list[tuple[str, Node]] = [(RUNTIME_MODELS, base)] if base else []
    while stack:
        path, node = stack.pop()
        if node.primary_type == "cq:WorkflowModel":
            found[path] = str(node.get("title") or path.rsplit("/", 1)[-1])
            continue
        stack.extend((f"{path}/{name}", child) for name, child in node.children.items())
    return found


def process_steps(repo: Repository, model: str) -> list[tuple[str, str]] | None:
    """(process, PROCESS_ARGS) of the runtime model's PROCESS nodes in order; None when the model is not
    stored in the repository (then the engine falls back to plain XMP writeback)."""
    node = repo.node(model)
    if node is None or "nodes" not in node.children:
        return None
    steps = []
    for child in node.children["nodes"].children.values():
        meta = child.children.get("metaData")
        if child.get("type") == "PROCESS" and meta is not None:
            steps.append((str(meta.get("PROCESS") or ""), str(meta.get("PROCESS_ARGS") or "")))
    return steps


def writes_original(steps: Iterable[tuple[str, str]] | None) -> bool:
    """Whether running these steps embeds XMP into the original rendition (needs ``rendition:original``)."""
    if steps is None:
        return True
    for process, args in steps:
        if process == XMP_WRITEBACK_PROCESS:
            values = [part.strip() for part in args.split(",")]
            if "rendition:original" in values:
                return True
    return False


def payload_node(instance: Node, payload: str) -> Any:
    """Store the payload as AEM does: ``data/payload/{path,type}``."""
    data = instance.add_child("data", "nt:unstructured")
    node = data.add_child("payload", "nt:unstructured")
    node.set("path", payload)
    node.set("type", "JCR_PATH")
    data.add_child("metaData", "nt:unstructured")
    return node
