"""Sling POST node moves as real Sling 11 does them: ``@MoveFrom`` parameters and ``:operation=move``."""

from __future__ import annotations

from xmpaudit.simulator.post_result import PostResult, absolute_path
from xmpaudit.simulator.repository import Repository

MOVE_FROM_SUFFIX = "@MoveFrom"


def move_node(repo: Repository, source: str, dest: str) -> bool:
    """Move the node at ``source`` to ``dest`` (replacing a node there); False when ``source`` is no node."""
    source_parent_path, _, source_name = source.rpartition("/")
    source_parent = repo.node(source_parent_path or "/")
    if source_parent is None or source_name not in source_parent.children:
        return False
    dest_parent_path, _, dest_name = dest.rpartition("/")
    dest_parent = repo.ensure_node(dest_parent_path or "/")
    node = source_parent.children.pop(source_name)
    node.name = dest_name
    dest_parent.children.pop(dest_name, None)
    dest_parent.children[dest_name] = node
    return True


def apply_move_from(repo: Repository, moves: list[tuple[str, str]], result: PostResult) -> None:
    """``dest@MoveFrom=source`` pairs, before any deletes or content writes of the same POST. A missing source
    is skipped silently; a node already at ``dest`` is deleted first (both as Sling 11 answers)."""
    for dest, source in moves:
        if repo.node(source) is None:
            continue
        if repo.node(dest) is not None:
            repo.remove(dest)
            result.change("deleted", dest)
        move_node(repo, source, dest)
        result.changes.append({"type": "moved", "argument": [source, dest]})  # type: ignore[dict-item]


def move_operation(repo: Repository, path: str, form: dict[str, list[str]]) -> PostResult:
    """``:operation=move`` of the request node to ``:dest``; ``:replace=true`` replaces an existing node there."""

    dest = absolute_path(path.rsplit("/", 1)[0] or "/", (form.get(":dest") or [""])[0])
    replace = (form.get(":replace") or ["false"])[0].lower() == "true"
    if repo.node(path) is None:
        return PostResult(path, status=404, message=f"Missing source NonExistingResource, path={path} for move",
                          created=True)
    if repo.node(dest) is not None and not replace:
        return PostResult(path, status=412, message=f"Cannot move {path} to {dest}: destination exists")
    result = PostResult(path)
    move_node(repo, path, dest)
    result.changes.append({"type": "moved", "argument": [path, dest]})  # type: ignore[dict-item]
    return result
