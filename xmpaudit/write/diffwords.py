"""A planned XMP node change in words: "adds “dog”, “leather”; removes “old-tag”; reorders 2; confidence of “x”
0.81→0.90" (tag names quoted, confidences as every view shows them),
with the fix list's flags on the tags it writes ("written with confidence 0.0: …; custom: …")."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from xmpaudit.audit.fixlist import tag_flag_words
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.number_words import confidence_words, counted

MAX_NAMES = 5


def _items(node: dict[str, Any] | None, args: SyncArguments) -> list[tuple[str, Any]]:
    """(name, confidence) of the node's item children, in node order."""
    if not node:
        return []
    return [(str(v.get(args.name_property)), v.get(args.confidence_property))
            for v in node.values() if isinstance(v, dict)]


def _quoted(name: str) -> str:
    """A tag name as a change description names it: quoted, so "removes “outdated tag”" reads as a name."""
    return f"“{name}”"


def _names(names: list[str]) -> str:
    shown = ", ".join(_quoted(n) for n in names[:MAX_NAMES])
    return shown + (f" (+{len(names) - MAX_NAMES} more)" if len(names) > MAX_NAMES else "")


def _number(value: Any) -> str:
    """A confidence as every view shows it (``confidence_words``); "none" or the raw value when not a number."""
    try:
        return confidence_words(float(value))
    except (TypeError, ValueError):
        return "none" if value is None else repr(value)


def _raw(value: Any) -> str:
    """A confidence to compare: every digit it has."""
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return "none" if value is None else repr(value)


def _change(before: Any, after: Any) -> str:
    """``0.81→0.90``; with every digit when two decimals would read the same (``0.8123→0.8127``)."""
    old, new = _number(before), _number(after)
    return f"{old}→{new}" if old != new else f"{_raw(before)}→{_raw(after)}"


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
                    args: SyncArguments, custom: Collection[str] = ()) -> str:
    """What a sync does to one asset's XMP array node, in words, then the flags on the tags it writes
    (``custom``: the asset's custom smart tag names)."""
    flags = tag_flags(after, args, custom)
    words = _change_words(before, after, args)
    return f"{words}; {flags}" if flags else words


def _change_words(before: dict[str, Any] | None, after: dict[str, Any] | None, args: SyncArguments) -> str:
    old, new = _items(before, args), _items(after, args)
    if before is None and after is None:
        return "nothing to write"
    if after is None:
        return f"deletes the XMP array ({counted(len(old), 'tag')})"
    if before is None:
        return f"creates the XMP array with {counted(len(new), 'tag')}: {_names([n for n, _ in new])}" if new else \
            "creates an empty XMP array"
    old_names, new_names = [n for n, _ in old], [n for n, _ in new]
    added = [n for n in new_names if n not in old_names]
    removed = [n for n in old_names if n not in new_names]
    common_old = [n for n in old_names if n in new_names]
    common_new = [n for n in new_names if n in old_names]
    reordered = sum(a != b for a, b in zip(common_old, common_new, strict=False))
    old_conf, new_conf = dict(old), dict(new)
    confidence = [f"confidence of {_quoted(n)} {_change(old_conf[n], new_conf[n])}"
                  for n in common_new if _raw(old_conf[n]) != _raw(new_conf[n])]
    parts = []
    if added:
        parts.append(f"adds {_names(added)}")
    if removed:
        parts.append(f"removes {_names(removed)}")
    if reordered:
        parts.append(f"reorders {reordered}")
    parts += confidence[:MAX_NAMES]
    if len(confidence) > MAX_NAMES:
        parts.append(f"{counted(len(confidence) - MAX_NAMES, 'more confidence')}")
    return "; ".join(parts) or "fixes the node's structure (array size, numbering or types); tags unchanged"
