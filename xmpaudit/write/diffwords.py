"""A planned XMP node change in words: "adds dog, leather; removes old-tag; reorders 2; confidence of x 0.81→0.9",
with the fix list's flags on the tags it writes ("written with confidence 0.0: …; custom: …")."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from xmpaudit.audit.fixlist import tag_flag_words
from xmpaudit.core.acs import SyncArguments

MAX_NAMES = 5


def _items(node: dict[str, Any] | None, args: SyncArguments) -> list[tuple[str, Any]]:
    """(name, confidence) of the node's item children, in node order."""
    if not node:
        return []
    return [(str(v.get(args.name_property)), v.get(args.confidence_property))
            for v in node.values() if isinstance(v, dict)]


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_NAMES])
    return shown + (f" (+{len(names) - MAX_NAMES} more)" if len(names) > MAX_NAMES else "")


def _number(value: Any) -> str:
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return "none" if value is None else repr(value)


def _is_zero(value: Any) -> bool:
    try:
        return float(value) == 0.0
    except (TypeError, ValueError):
        return False


def tag_flags(after: dict[str, Any] | None, args: SyncArguments, custom: Collection[str] = ()) -> str:
    """The fix list's flags on the tags ``after`` holds: written with confidence 0.0, custom (names in
    ``custom``), in node order; '' when none."""
    items = _items(after, args)
    zero = [name for name, confidence in items if _is_zero(confidence)]
    customs = [name for name, _ in items if name in custom]
    return tag_flag_words(", ".join(zero), ", ".join(customs))  # every name, as the fix list flags them


def describe_change(before: dict[str, Any] | None, after: dict[str, Any] | None,
                    args: SyncArguments | None = None, custom: Collection[str] = ()) -> str:
    """What a sync does to one asset's XMP array node, in words, then the flags on the tags it writes
    (``custom``: the asset's custom smart tag names)."""
    args = args or SyncArguments()
    flags = tag_flags(after, args, custom)
    words = _change_words(before, after, args)
    return f"{words}; {flags}" if flags else words


def _change_words(before: dict[str, Any] | None, after: dict[str, Any] | None, args: SyncArguments) -> str:
    old, new = _items(before, args), _items(after, args)
    if before is None and after is None:
        return "nothing to write"
    if after is None:
        return f"deletes the XMP array ({len(old)} tags)"
    if before is None:
        return f"creates the XMP array with {len(new)} tags: {_names([n for n, _ in new])}" if new else \
            "creates an empty XMP array"
    old_names, new_names = [n for n, _ in old], [n for n, _ in new]
    added = [n for n in new_names if n not in old_names]
    removed = [n for n in old_names if n not in new_names]
    common_old = [n for n in old_names if n in new_names]
    common_new = [n for n in new_names if n in old_names]
    reordered = sum(a != b for a, b in zip(common_old, common_new, strict=False))
    old_conf, new_conf = dict(old), dict(new)
    confidence = [f"confidence of {n} {_number(old_conf[n])}→{_number(new_conf[n])}"
                  for n in common_new if _number(old_conf[n]) != _number(new_conf[n])]
    parts = []
    if added:
        parts.append(f"adds {_names(added)}")
    if removed:
        parts.append(f"removes {_names(removed)}")
    if reordered:
        parts.append(f"reorders {reordered}")
    parts += confidence[:MAX_NAMES]
    if len(confidence) > MAX_NAMES:
        parts.append(f"{len(confidence) - MAX_NAMES} more confidences")
    return "; ".join(parts) or "fixes the node's structure (array size, numbering or types); tags unchanged"
