"""What happened to one asset in a write run: the outcome names every surface shows and compares."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """One asset's outcome in a sync or undo run (str-valued: frames, journal records and ``== "applied"`` keep
    working)."""

    APPLIED = "applied"  # written (see ``verified`` for whether it reads back as planned)
    SKIPPED = "skipped"  # not sent: nothing to do, changed since the preview, or the run stopped before it
    FAILED = "failed"  # refused by AEM, or read back as not applied
    CONFLICT = "conflict"  # another writer (or another user's cleanup) acted on the node during the run
    UNCERTAIN = "uncertain"  # the POST may or may not have landed and the read-back could not tell


UNEXPLAINED = {Outcome.APPLIED: "applied; not verified", Outcome.SKIPPED: "not attempted"}
