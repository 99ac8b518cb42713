"""A generated, deterministic demo DAM with every audit case: in sync, missing, stale and orphan XMP,
assets without smart tags, invalid data (no metadata node, tags without confidence) and awkward names."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache

from xmpaudit.core.acs import SyncArguments, expected_xmp_node
from xmpaudit.simulator.repository import Node, Repository
from xmpaudit.simulator.workflow_models import WorkflowSetup, install_workflows

DEMO_ROOT = "/content/dam/xmpaudit-demo"
FOLDERS = (
    "landscapes",
    "products/shoes",
    "products/bags",
    "people",
    "events/2025 summit",
    "archive/älteres Material",
    "campaign #42",
    "brand assets",
)
AWKWARD_NAMES = ("team photo.jpg", "café ñandú.png", "logo #2.png", "what?.jpg", "50% off.jpg", "日本 寿司.jpg")
VOCABULARY = (
    "mountain", "lake", "forest", "sky", "cloud", "sunset", "beach", "city", "street", "building",
    "person", "smile", "portrait", "group", "crowd", "shoe", "sneaker", "leather", "bag", "handbag",
    "product", "studio", "white background", "logo", "text", "stage", "conference", "audience",
    "light", "night", "snow", "tree", "river", "car", "bicycle", "dog", "cat", "food", "coffee", "table",
)
# scenario -> weight; invalid cases are rarer
SCENARIOS = {
    "in_sync": 34,
    "missing_xmp": 24,
    "stale_confidence": 6,
    "stale_order": 4,
    "stale_extra_tag": 4,
    "stale_size": 2,
    "no_smart_tags": 10,
    "no_smart_tags_empty_xmp": 2,
    "orphan_xmp": 5,
    "filtered_only": 2,
    "string_confidence": 2,
    "no_metadata": 2,
    "tag_without_confidence": 2,
    "broken_binary": 1,
}
BASE_TIME = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class DemoSpec:
    """How big the demo is and where it lives."""

    root: str = DEMO_ROOT
    assets: int = 360
    seed: int = 7
    real_images: bool = True


@cache
def _image_bytes(kind: str, shade: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), ((shade * 37) % 256, (shade * 91) % 256, (shade * 53) % 256)).save(
        buffer, format="JPEG" if kind == "jpg" else "PNG"
    )
    return buffer.getvalue()


def _binary(kind: str, shade: int, real: bool) -> bytes:
    if real:
        return _image_bytes(kind, shade % 24)
    return _image_bytes(kind, 0)


def _add_folder(repo: Repository, path: str) -> None:
    node = repo.root
    for name in path.strip("/").split("/"):
        node = node.children.get(name) or node.add_child(name, "sling:Folder" if node is not repo.root else None)


def _smart_tags(rng: random.Random, count: int) -> list[tuple[str, float]]:
    names = rng.sample(VOCABULARY, count)
    return [(name, round(rng.uniform(0.3, 0.99), 4)) for name in names]


def _write_xmp(metadata: Node, tags: list[tuple[str, float]], args: SyncArguments) -> None:
    node = expected_xmp_node(tags, args)
    xmp = metadata.add_child(args.sequence_name, "nt:unstructured")
    for key, value in node.items():
        if isinstance(value, dict):
            item = xmp.add_child(key, "nt:unstructured")
            for field, field_value in value.items():
                item.set(field, field_value)
        else:
            xmp.set(key, value)


def _add_asset(repo: Repository, folder: Node, name: str, index: int, scenario: str, rng: random.Random,
               spec: DemoSpec) -> None:
    args = SyncArguments()
    kind = "png" if name.endswith(".png") else "jpg"
    asset = folder.add_child(name, "dam:Asset")
    asset.set("jcr:created", BASE_TIME + timedelta(minutes=index))
    content = asset.add_child("jcr:content", "dam:AssetContent")
    content.set("jcr:lastModified", BASE_TIME + timedelta(minutes=index, seconds=30))
    renditions = content.add_child("renditions", "nt:folder")
    original = renditions.add_child("original", "nt:file")
    resource = original.add_child("jcr:content", "nt:resource")
    binary = b"not an image" if scenario == "broken_binary" else _binary(kind, index, spec.real_images)
    resource.set("jcr:data", binary, "Binary")
    resource.set("jcr:mimeType", "image/png" if kind == "png" else "image/jpeg")
    if scenario == "no_metadata":
        return
    metadata = content.add_child("metadata", "nt:unstructured")
    metadata.set("dc:format", "image/png" if kind == "png" else "image/jpeg")
    metadata.set("dc:title", name.rsplit(".", 1)[0])
    if scenario.startswith("no_smart_tags") or scenario == "orphan_xmp":
        tags: list[tuple[str, float]] = []
    else:
        tags = _smart_tags(rng, rng.randint(2, 8))
    if tags:
        predicted = metadata.add_child("predictedTags", "nt:unstructured")
        naming = rng.choice(("numbered", "zero", "named"))
        for position, (tag, confidence) in enumerate(tags):
            child_name = {"numbered": str(position + 1), "zero": str(position), "named": f"tag-{tag}"}[naming]
            child = predicted.add_child(child_name.replace(" ", "_"), "nt:unstructured")
            child.set("name", tag)
            if scenario == "tag_without_confidence" and position == 0:
                pass
            elif scenario == "string_confidence" and position == 0:
                child.set("confidence", f"{confidence}")
            elif scenario == "filtered_only":
                child.set("confidence", 0.0)
            else:
                child.set("confidence", confidence)
            child.set("isCustom", rng.random() < 0.1)
    if scenario in ("in_sync", "string_confidence", "broken_binary"):
        _write_xmp(metadata, tags, args)
    elif scenario == "stale_confidence":
        _write_xmp(metadata, [(n, round(c * 0.8, 4)) for n, c in tags], args)
    elif scenario == "stale_order":
        _write_xmp(metadata, list(reversed(tags)), args)
    elif scenario == "stale_extra_tag":
        _write_xmp(metadata, [*tags, ("outdated tag", 0.5)], args)
    elif scenario == "stale_size":
        _write_xmp(metadata, tags, args)
        metadata.children[args.sequence_name].set("xmpArraySize", len(tags) + 3)
    elif scenario == "orphan_xmp":
        _write_xmp(metadata, _smart_tags(rng, 3), args)
    elif scenario == "no_smart_tags_empty_xmp":
        _write_xmp(metadata, [], args)


def build_demo_repository(spec: DemoSpec | None = None, repo: Repository | None = None,
                          workflows: WorkflowSetup | None = None) -> Repository:
    """A repository holding ``spec.assets`` demo assets spread over the demo folders, and the workflow models
    and launchers of ``workflows`` (default: a correctly configured author; tests pass misconfigured ones)."""
    spec = spec or DemoSpec()
    repo = repo or Repository()
    rng = random.Random(spec.seed)
    scenarios = list(SCENARIOS)
    weights = list(SCENARIOS.values())
    folders = []
    for folder in FOLDERS:
        _add_folder(repo, f"{spec.root}/{folder}")
        folders.append(repo.require(f"{spec.root}/{folder}"))
    for index in range(spec.assets):
        folder = folders[index % len(folders)]
        if index < len(AWKWARD_NAMES):
            name = AWKWARD_NAMES[index]
        else:
            name = f"IMG_{index:05d}.{'png' if index % 5 == 0 else 'jpg'}"
        scenario = scenarios[index] if index < len(scenarios) else rng.choices(scenarios, weights)[0]
        _add_asset(repo, folder, name, index, scenario, rng, spec)
    install_workflows(repo, workflows)
    return repo
