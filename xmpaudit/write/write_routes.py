"""How one change travels to Sling: in a batch POST, in a POST of its own to its metadata node, or as an import.

A multipart field name cannot carry ``"``, CR or LF: requests (urllib3) percent-encodes them as the HTML standard
says and Sling (commons-fileupload) takes ``%22`` literally and keeps backslash escapes (measured on Sling 11), so
such a name would land on another path. URL paths and values carry every character exactly."""

from __future__ import annotations

import re

from xmpaudit.core.jcrpath import relative_to
from xmpaudit.read.hits import BACKUP_PREFIX
from xmpaudit.write.plan import Node, PlannedChange, metadata_path

BATCH = "batch"  # relative field names from the batch's common parent (many assets in one POST)
OWN_PATH = "own path"  # one POST to the asset's metadata node: the asset's path is in the URL, not in field names
IMPORT = "import"  # move the node aside, then ``:operation=import`` of the whole node as one JSON value
REFUSED = "refused"  # needs an import, and the import would store a value differently: nothing is sent

NOT_IN_FIELD_NAMES = frozenset('"\r\n')
MAX_PARAMS_PER_POST = 900  # x-www-form-urlencoded: below stock Jetty's 1000 form keys (for containers that keep it)
MAX_BODY_BYTES = 150_000  # x-www-form-urlencoded: below stock Jetty's 200,000-byte form size
# multipart/form-data: past 10,000 parameters Sling drops the rest silently (URL-encoded too; sling.max.parameters):
# stay 10% below. Bodies stay at a size no front proxy is known to refuse.
MAX_PARAMS_PER_POST_MULTIPART = 9_000
MAX_BODY_BYTES_MULTIPART = 2_000_000
MULTIPART_BYTES_PER_PARAM = 100  # boundary line and Content-Disposition header of one part
# Sling's JSON import stores a string of this shape as a Date (measured on Sling 11, docs/facts.md)
IMPORTED_AS_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}"
                              r"[-+][0-9]{2}:?[0-9]{2}\Z")


def carried_exactly(field_name: str, *, multipart: bool) -> bool:
    """Whether Sling reads ``field_name`` back exactly (URL-encoded forms carry every character)."""
    return not multipart or NOT_IN_FIELD_NAMES.isdisjoint(field_name)


def _value_params(name: str, value: object) -> list[tuple[str, str]]:
    if isinstance(value, bool):
        return [(name, "true" if value else "false"), (f"{name}@TypeHint", "Boolean")]
    if isinstance(value, int):
        return [(name, str(value)), (f"{name}@TypeHint", "Long")]
    if isinstance(value, float):
        return [(name, repr(value)), (f"{name}@TypeHint", "Double")]
    if isinstance(value, list):
        kind = "Boolean" if value and isinstance(value[0], bool) else "Long" if value and isinstance(
            value[0], int) else "Double" if value and isinstance(value[0], float) else "String"
        return [(name, ("true" if v else "false") if kind == "Boolean" else str(v)) for v in value] + [
            (f"{name}@TypeHint", f"{kind}[]")]
    return [(name, str(value))]  # String is Sling's default; the node was just deleted, so no old type applies


def build_params(prefix: str, node: Node) -> list[tuple[str, str]]:
    """Typed Sling POST parameters that build ``node`` at ``prefix`` (a relative path)."""
    params = [(f"{prefix}/jcr:primaryType", str(node.get("jcr:primaryType", "nt:unstructured")))]
    for key, value in node.items():
        if key == "jcr:primaryType" or isinstance(value, dict):
            continue
        params += _value_params(f"{prefix}/{key}", value)
    for key, value in node.items():
        if isinstance(value, dict):
            params += build_params(f"{prefix}/{key}", value)
    return params


def params_cost(change: PlannedChange, *, multipart: bool) -> tuple[int, int]:
    """(parameters, body bytes) of the change's guarded write in a batch."""
    params = [(f"{change.node_path}@MoveFrom", change.node_path)]
    if change.after is not None:
        params += build_params(change.node_path, change.after)
    per_param = MULTIPART_BYTES_PER_PARAM if multipart else 2
    size = sum(len(k.encode()) + len(v.encode()) + per_param for k, v in params) + len(BACKUP_PREFIX) + 8
    return len(params), size


def post_limits(multipart: bool) -> tuple[int, int]:
    """(parameters, body bytes) one POST may carry in this encoding."""
    if multipart:
        return MAX_PARAMS_PER_POST_MULTIPART, MAX_BODY_BYTES_MULTIPART
    return MAX_PARAMS_PER_POST, MAX_BODY_BYTES


def import_changes(node: Node | None) -> str | None:
    """A value Sling's JSON import would not store as given (a date-shaped string becomes a Date), or None."""
    for value in (node or {}).values():
        found = import_changes(value) if isinstance(value, dict) else value if isinstance(
            value, str) and IMPORTED_AS_DATE.match(value) else None
        if found is not None:
            return found
    return None


def route(change: PlannedChange, *, multipart: bool) -> str:
    """BATCH when the change fits a POST and every field name (asset path included) is carried exactly;
    OWN_PATH when it fits and only the names below the metadata node are; IMPORT otherwise — REFUSED when the
    import would not store the node as meant."""
    params, size = params_cost(change, multipart=multipart)
    max_params, max_bytes = post_limits(multipart)
    below = relative_to(change.node_path, metadata_path(change.asset))
    names = [below] + ([name for name, _ in build_params(below, change.after)] if change.after is not None else [])
    if params > max_params or size > max_bytes or not all(carried_exactly(n, multipart=multipart) for n in names):
        return REFUSED if import_changes(change.after) is not None else IMPORT
    return BATCH if carried_exactly(change.asset, multipart=multipart) else OWN_PATH


def refusal(change: PlannedChange) -> str:
    """Why a REFUSED change is not sent (one line)."""
    return (f"not written: the node is too big for one POST (or its names cannot be sent as field names) and an "
            f"import would store {import_changes(change.after)!r} as a Date; nothing was sent")
