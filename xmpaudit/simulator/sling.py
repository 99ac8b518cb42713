"""Sling GET rendering and Sling POST servlet operations (modify, import, delete) on a Repository."""

from __future__ import annotations

import decimal
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from xmpaudit.simulator.oak_names import escaped, invalid_key_in, invalid_name_in
from xmpaudit.simulator.post_result import PostResult, absolute_path, failed
from xmpaudit.simulator.repository import Node, Repository, RepositoryError
from xmpaudit.simulator.sling_move import MOVE_FROM_SUFFIX, apply_move_from, move_operation

TYPE_HINT_SUFFIX = "@TypeHint"
DELETE_SUFFIX = "@Delete"


UNSUPPORTED_SUFFIXES = ("@DefaultValue", "@UseDefaultWhenMissing", "@IgnoreBlanks", "@ValueFrom",
                        "@CopyFrom", "@Patch")


ITEM_PREFIXES = ("./", "../", "/")
IMPORT_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}[-+][0-9]{2}:?[0-9]{2}\Z")
PERSISTENCE_EXCEPTION = "org.apache.sling.api.resource.PersistenceException"


def resolve(repo: Repository, path: str) -> tuple[Node | None, str, str]:
    """Sling resource resolution: the longest existing node path, plus the rest (selectors + extension)."""
    candidate = path
    while True:
        node = repo.node(candidate) if candidate else None
        if node is not None:
            return node, candidate, path[len(candidate) :]
        slash = candidate.rfind("/")
        dot = candidate.rfind(".")
        if dot <= slash:
            return None, path, ""
        candidate = candidate[:dot]


def json_depth(selectors: list[str]) -> int | None:
    """Depth from GET selectors: ``infinity`` -> None, a number -> it, none -> 0."""
    depth: int | None = 0
    for selector in selectors:
        if selector == "infinity":
            depth = None
        elif selector.isdigit():
            depth = int(selector)
    return depth


def _decimal_text(raw: str) -> str:
    """Java's BigDecimal(raw).toString() for the plain and exponent forms (ValueError when not a number)."""
    try:
        number = decimal.Decimal(raw.strip())
    except decimal.InvalidOperation:
        raise ValueError(raw) from None
    if not number.is_finite():
        raise ValueError(raw)
    return str(number)


def _convert(values: list[str], hint: str | None, existing_type: str | None) -> tuple[Any, str]:
    type_name = (hint or existing_type or "String").removesuffix("[]")
    multiple = bool(hint and hint.endswith("[]")) or len(values) > 1

    def one(raw: str) -> Any:
        if type_name == "Long":
            return int(raw.strip())
        if type_name == "Double":
            return float(raw.strip())
        if type_name == "Decimal":  # Sling's JSON renders a Decimal as its BigDecimal string, like a String
            return _decimal_text(raw)
        if type_name == "Boolean":
            return raw.strip().lower() == "true"
        if type_name == "Binary":  # the value's UTF-8 bytes; the JSON shows their length
            return raw.encode("utf-8")
        if type_name == "Date":
            return datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
        return raw

    try:
        converted = [one(v) for v in values]
    except ValueError:
        bad = next(v for v in values if not _converts(one, v))
        raise RepositoryError(f"Invalid value {bad} for type {type_name}", PERSISTENCE_EXCEPTION) from None
    return (converted if multiple else converted[0]), type_name


def _missing_nodes(repo: Repository, path: str) -> list[str]:
    """The nodes on ``path`` (from the top) that do not exist yet."""
    missing, walked = [], ""
    for name in (p for p in path.split("/") if p):
        walked += "/" + name
        if missing or repo.node(walked) is None:
            missing.append(walked)
    return missing


def _refused_name(repo: Repository, path: str, properties: list[str], nodes: list[str]) -> str | None:
    """The first new node or property name of a modify POST that Oak refuses (existing nodes are not checked)."""
    new_nodes = [created for node in [path, *nodes] for created in _missing_nodes(repo, node)]
    for prop_path in properties:
        parent_path, _, name = prop_path.rpartition("/")
        new_nodes += _missing_nodes(repo, parent_path or "/")
        new_nodes.append(f"/{name}")
    return invalid_name_in(f"/{node.rsplit('/', 1)[-1]}" for node in new_nodes)


def _empty_prefix(name: str) -> str:
    """Sling's message for a name with an empty namespace prefix (``:data``, as a Binary shows in its JSON), which
    it refuses before Oak does; '' for any other name (measured on Sling 11, docs/facts.md)."""
    return f"Invalid name or path: {name}" if name.startswith(":") else ""


def _converts(convert: Any, raw: str) -> bool:
    try:
        convert(raw)
    except ValueError:
        return False
    return True


def _is_content(name: str, require_prefix: bool) -> bool:
    if name.startswith(":"):
        return False
    return name.startswith(ITEM_PREFIXES) if require_prefix else True


@dataclass
class _ModifyForm:
    """A modify POST's content fields by absolute item path: values, type hints, deletes and moves."""

    values: dict[str, list[str]] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)
    deletes: list[str] = field(default_factory=list)
    moves: list[tuple[str, str]] = field(default_factory=list)


def _modify_form(path: str, form: list[tuple[str, str]]) -> _ModifyForm | PostResult:
    """The content fields of ``form`` (those with an item prefix once any has one), or the failure Sling answers."""
    require_prefix = any(name.startswith(ITEM_PREFIXES) for name, _ in form)
    fields = _ModifyForm()
    for name, value in form:
        if not _is_content(name, require_prefix):
            continue
        for suffix in UNSUPPORTED_SUFFIXES:
            if name.endswith(suffix):
                return failed(path, 400, "java.lang.UnsupportedOperationException",
                              f"{suffix} is not supported by the simulator")
        if name.endswith(TYPE_HINT_SUFFIX):
            fields.hints[absolute_path(path, name.removesuffix(TYPE_HINT_SUFFIX))] = value
        elif name.endswith(MOVE_FROM_SUFFIX):
            fields.moves.append((absolute_path(path, name.removesuffix(MOVE_FROM_SUFFIX)), absolute_path(path, value)))
        elif name.endswith(DELETE_SUFFIX):
            fields.deletes.append(absolute_path(path, name.removesuffix(DELETE_SUFFIX)))
        else:
            fields.values.setdefault(absolute_path(path, name), []).append(value)
    return fields


def _set_values(repo: Repository, fields: _ModifyForm, result: PostResult) -> None:
    """Write each property of ``fields`` (creating parents; '' deletes one unless hinted as an array)."""
    node_types = {p.rsplit("/", 1)[0]: v[0] for p, v in fields.values.items() if p.endswith("/jcr:primaryType")}
    for prop_path, raw_values in fields.values.items():
        parent_path, _, prop_name = prop_path.rpartition("/")
        missing = _missing_nodes(repo, parent_path or "/")
        parent = repo.ensure_node(parent_path or "/", types=node_types)
        for created in missing:
            result.change("created", created)
        if prop_name == "jcr:primaryType":
            if parent.primary_type != raw_values[0]:
                parent.primary_type = raw_values[0]
                result.change("modified", prop_path)
            continue
        hint = fields.hints.get(prop_path)
        if len(raw_values) == 1 and raw_values[0] == "" and not (hint and hint.endswith("[]")):
            if parent.properties.pop(prop_name, None) is not None:
                result.change("deleted", prop_path)
            continue
        existing = parent.properties.get(prop_name)
        value, type_name = _convert(raw_values, hint, existing.type if existing else None)
        parent.set(prop_name, value, type_name)
        result.change("modified", prop_path)


def modify(repo: Repository, path: str, form: list[tuple[str, str]]) -> PostResult:
    """The default POST operation: create/modify/delete properties and nodes named by the form."""
    if path.endswith("/") or path.endswith("*"):
        return failed(path, 400, "java.lang.IllegalArgumentException",
                      "Generated node names are not supported by the simulator")
    fields = _modify_form(path, form)
    if isinstance(fields, PostResult):
        return fields
    refused = _refused_name(repo, path, list(fields.values), [dest for dest, _ in fields.moves])
    if refused is not None:  # Oak refuses the save
        message = _empty_prefix(refused) or "Unable to commit changes to session."
        return failed(path, 500, PERSISTENCE_EXCEPTION, message)
    result = PostResult(path)
    missing = _missing_nodes(repo, path)
    if missing:  # Sling lists every node it creates on the way to the request path
        repo.ensure_node(path)
        result.created, result.status, result.message = True, 201, "Created"
        for created in missing:
            result.change("created", created)
    apply_move_from(repo, fields.moves, result)
    for item_path in fields.deletes:
        if repo.remove(item_path):
            result.change("deleted", item_path)
    _set_values(repo, fields, result)
    return result


def import_content(repo: Repository, path: str, form: dict[str, list[str]]) -> PostResult:
    """``:operation=import`` of ``:contentType=json`` content as child ``:name`` of ``path``."""
    name = (form.get(":name") or form.get(":nameHint") or [""])[0]
    content_type = (form.get(":contentType") or [""])[0]
    replace = (form.get(":replace") or ["false"])[0].lower() == "true"
    target = f"{path.rstrip('/')}/{name}" if name else path
    if content_type != "json":
        return failed(target, 500, "javax.jcr.RepositoryException",
                      f"Unsupported :contentType {content_type!r} (the simulator imports json)")
    if not name:
        return failed(path, 500, "javax.jcr.RepositoryException", "Import needs :name")
    try:
        content = json.loads((form.get(":content") or [""])[0])
    except json.JSONDecodeError as exc:
        return failed(target, 500, "javax.jcr.RepositoryException", f"Invalid JSON content: {exc}")
    if not isinstance(content, dict):
        return failed(target, 500, "javax.jcr.RepositoryException", "Import content must be a JSON object")
    invalid = invalid_name_in([target]) or invalid_key_in(content)
    if invalid is not None:
        return failed(path, 500, PERSISTENCE_EXCEPTION,
                      _empty_prefix(invalid) or f"OakName0003: Invalid name: {escaped(invalid)}")
    content = _import_dates(content)
    parent = repo.ensure_node(path)
    result = PostResult(target, status=201, message="Created", created=True)
    if name in parent.children:
        if not replace:  # Sling answers 412 with a message and no error object
            return PostResult(path, status=412, message=f"Cannot import {target}: node exists", created=True)
        del parent.children[name]
        result.change("deleted", target)
    for created in repo.import_json(parent, name, content):
        result.change("created", f"{path.rstrip('/')}/{created}")
    return result


def _import_dates(content: dict[str, Any]) -> dict[str, Any]:
    """Sling's JSON import stores a string shaped ``yyyy-MM-ddTHH:mm:ss.SSS+hh:mm`` as a Date (measured)."""
    converted: dict[str, Any] = {}
    for key, value in content.items():
        if isinstance(value, dict):
            value = _import_dates(value)
        elif isinstance(value, str) and IMPORT_DATE.match(value):
            value = datetime.fromisoformat(value[:-2] + ":" + value[-2:] if value[-3] != ":" else value)
        converted[key] = value
    return converted


def delete(repo: Repository, path: str, form: dict[str, list[str]]) -> PostResult:
    """``:operation=delete`` of the request node, or of every ``:applyTo`` path (missing ones skipped)."""
    targets = [absolute_path(path, p) for p in form.get(":applyTo", [])]
    result = PostResult(path)
    if not targets:  # Sling (11) answers 200 and reports the request path deleted even when it did not exist
        repo.remove(path)
        result.change("deleted", path)
        return result
    for target in targets:
        if repo.remove(target):
            result.change("deleted", target)
    return result


def sling_post(repo: Repository, path: str, form: list[tuple[str, str]]) -> PostResult:
    """Dispatch a Sling POST by ``:operation``; repository errors become Sling's 500 answers."""
    grouped: dict[str, list[str]] = {}
    for name, value in form:
        grouped.setdefault(name, []).append(value)
    operation = (grouped.get(":operation") or ["modify"])[0] or "modify"
    with repo.lock:
        try:
            result = _operate(repo, operation, path, form, grouped)
        except RepositoryError as exc:
            repo.changed()  # a failure part-way: what it left is not listed, the query walks start again
            return failed(path, 500, exc.kind, str(exc))
        repo.changed(_changed_paths(result))
        return result


def _operate(repo: Repository, operation: str, path: str, form: list[tuple[str, str]],
             grouped: dict[str, list[str]]) -> PostResult:
    if operation == "modify":
        return modify(repo, path, form)
    if operation == "import":
        return import_content(repo, path, grouped)
    if operation == "delete":
        return delete(repo, path, grouped)
    if operation == "move":
        return move_operation(repo, path, grouped)
    return failed(path, 500, "org.apache.sling.servlets.post.PostOperation",
                  f"Invalid operation specified for POST request: {operation}")


def _changed_paths(result: PostResult) -> list[str]:
    """Every item path a POST's answer lists as created, modified, deleted or moved (both ends of a move)."""
    paths: list[str] = []
    for change in result.changes:
        argument = change["argument"]
        paths.extend(argument if isinstance(argument, list) else [argument])
    return paths
