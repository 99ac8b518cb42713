"""A large synthetic DAM that fits in memory: many assets in dated folders, several created per second, whose
metadata subtrees (smart tags, XMP) are shared between assets — replace an asset's nodes to change it."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from xmpaudit.core.acs import SyncArguments, expected_xmp_node
from xmpaudit.simulator.demo import VOCABULARY
from xmpaudit.simulator.repository import Node, Repository

BULK_ROOT = "/content/dam/bulk"
BASE_TIME = datetime(2024, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class BulkSpec:
    """How many assets, how many per folder and per second of ``jcr:created``."""

    assets: int = 10_000
    root: str = BULK_ROOT
    per_folder: int = 5_000
    per_second: int = 4
    variants: int = 200
    seed: int = 11


def metadata_node(tags: list[tuple[str, float]], with_xmp: bool, args: SyncArguments) -> Node:
    """A ``metadata`` node with these predicted tags and, with ``with_xmp``, the XMP node the ACS process writes."""
    metadata = Node("metadata")
    predicted = metadata.add_child("predictedTags")
    for position, (name, confidence) in enumerate(tags):
        child = predicted.add_child(str(position))
        child.set("name", name)
        child.set("confidence", confidence)
        child.set("isCustom", False)
    if with_xmp:
        xmp = metadata.add_child(args.sequence_name)
        for key, value in expected_xmp_node(tags, args).items():
            if isinstance(value, dict):
                item = xmp.add_child(key)
                for field, field_value in value.items():
                    item.set(field, field_value)
            else:
                xmp.set(key, value)
    return metadata


def add_asset(folder: Node, name: str, created: datetime, metadata: Node) -> Node:
    """An asset node under ``folder`` with ``jcr:created``, ``jcr:content/jcr:lastModified`` and ``metadata``."""
    asset = folder.add_child(name, "dam:Asset")
    asset.set("jcr:created", created)
    content = asset.add_child("jcr:content", "dam:AssetContent")
    content.set("jcr:lastModified", created + timedelta(seconds=30))
    content.children["metadata"] = metadata
    return asset


def build_bulk_repository(spec: BulkSpec | None = None, repo: Repository | None = None) -> Repository:
    """``spec.assets`` assets under ``spec.root``/<folder-N>, ``spec.per_second`` sharing each ``jcr:created``
    second; a few metadata variants (in sync, missing XMP) are shared by all."""
    spec = spec or BulkSpec()
    repo = repo or Repository()
    rng = random.Random(spec.seed)
    variants = []
    for number in range(spec.variants):
        tags = [(name, round(rng.uniform(0.3, 0.99), 4)) for name in rng.sample(VOCABULARY, rng.randint(1, 6))]
        variants.append(metadata_node(tags, with_xmp=number % 3 != 0, args=SyncArguments()))  # the default step
    folders = {"/content": "sling:Folder", "/content/dam": "sling:Folder"}
    root = repo.ensure_node(spec.root, "sling:Folder", types=folders)
    folder = root
    for index in range(spec.assets):
        if index % spec.per_folder == 0:
            folder = root.add_child(f"folder-{index // spec.per_folder:05d}", "sling:Folder")
        created = BASE_TIME + timedelta(seconds=index // spec.per_second)
        add_asset(folder, f"asset-{index:08d}.jpg", created, variants[index % spec.variants])
    repo.changed()
    return repo
