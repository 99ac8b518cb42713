"""Binary properties in Sling JSON: shown only as ``":name": <length in bytes>`` (a list of lengths when multi-valued)
at every depth (measured on Sling 11, docs/facts.md). Their content is not in the answer, so a node holding one can
be neither journaled nor restored: xmpaudit never replaces it."""

from __future__ import annotations

from typing import Any

from xmpaudit.core.acs import SyncArguments

# No JCR name starts with a colon (Oak refuses an empty prefix): in Sling's JSON such a key is a Binary property.
BINARY_MARK = ":"


def slot_value(node: dict[str, Any] | None, name: str) -> Any:
    """What sits at ``name`` in a Sling JSON node: a child node, a property's value, or a Binary property's length
    (None when nothing)."""
    if node is None:
        return None
    value = node.get(name)
    return node.get(BINARY_MARK + name) if value is None else value


def binary_properties(node: dict[str, Any], prefix: str = "") -> list[str]:
    """Paths (relative to ``node``, without the JSON's colon) of the Binary properties in ``node`` at any depth."""
    found = []
    for key, value in node.items():
        if isinstance(value, dict):
            found += binary_properties(value, f"{prefix}{key}/")
        elif key.startswith(BINARY_MARK):
            found.append(prefix + key[len(BINARY_MARK):])
    return found


def binary_reason(args: SyncArguments | None, found: list[str] | None = None) -> str:
    """Why an asset whose XMP node holds Binary properties is not synced, in words: naming the first of ``found``
    ('' when ``found`` is empty); without ``found`` (the audit's frames keep only ``SHAPE_BINARY``) naming none."""
    if found is not None and not found:
        return ""
    name = args.sequence_name if args is not None else SyncArguments().sequence_name
    where = f" ({found[0]}{f' and {len(found) - 1} more' if len(found) > 1 else ''})" if found else ""
    return (f"sequenceName={name} holds a binary property{where} that xmpaudit cannot restore (AEM's JSON gives "
            "only its length): not synced (move or remove it first)")
