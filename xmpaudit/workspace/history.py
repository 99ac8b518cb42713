"""Counts of earlier snapshots per AEM and folder, for the change since the previous snapshot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from xmpaudit.audit.result import AuditResult
from xmpaudit.core.dates import parse_moment

HISTORY_FILE = "history.json"


def _read_history(folder: Path) -> list[dict[str, Any]]:
    try:
        history = json.loads((folder / HISTORY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return history if isinstance(history, list) else []


def _stamp(meta: dict[str, Any]) -> str:
    """When a snapshot's reads began (ms, from sessions) or, for others, when it was taken (s): its order key."""
    moment = parse_moment(meta.get("inventory_started") or meta.get("taken_at"))
    return "" if moment is None else moment.isoformat(timespec="milliseconds")


def record_counts(folder: str | Path, meta: dict[str, Any], result: AuditResult) -> None:
    """Remember the audit counts of the snapshot ``meta`` describes in the folder's history (once per snapshot),
    so a later snapshot can report the change."""
    folder = Path(folder)
    if not folder.exists():
        return
    history = _read_history(folder)
    key = (_stamp(meta), meta.get("source"), meta.get("root"))
    if any((h.get("stamp"), h.get("source"), h.get("root")) == key for h in history):
        return
    counts = {str(k): int(v) for k, v in result.counts().items()}
    history.append({"stamp": key[0], "taken_at": meta.get("taken_at"), "source": key[1], "root": key[2],
                    "counts": counts})
    history.sort(key=lambda h: str(h.get("stamp")))
    (folder / HISTORY_FILE).write_text(json.dumps(history[-50:], indent=1), encoding="utf-8")


def previous_counts_in(folder: str | Path, meta: dict[str, Any]) -> dict[str, Any] | None:
    """From a snapshot folder's history: the counts of the last snapshot taken before the one ``meta``
    describes, of the same AEM and folder; None if there is none."""
    stamp = _stamp(meta)
    earlier = [h for h in _read_history(Path(folder))
               if h.get("source") == meta.get("source") and h.get("root") == meta.get("root")
               and str(h.get("stamp")) < stamp]
    return earlier[-1] if earlier else None
