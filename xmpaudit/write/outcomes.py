"""What happened to one asset in a write run: the outcome names every surface shows and compares."""

from __future__ import annotations

from enum import Enum


class _Named(str, Enum):
    """A str-valued constant that prints as its value (``enum.StrEnum`` needs Python 3.11)."""

    def __str__(self) -> str:
        return str(self.value)


class Outcome(_Named):
    """One asset's outcome in a sync or undo run (str-valued: frames, journal records and ``== "applied"`` keep
    working)."""

    APPLIED = "applied"  # written (see ``verified`` for whether it reads back as planned)
    SKIPPED = "skipped"  # not sent: nothing to do, changed since the preview, or the run stopped before it
    FAILED = "failed"  # refused by AEM, or read back as not applied
    CONFLICT = "conflict"  # another writer (or another user's cleanup) acted on the node during the run
    UNCERTAIN = "uncertain"  # the POST may or may not have landed and the read-back could not tell


UNEXPLAINED = {Outcome.APPLIED: "applied; not verified", Outcome.SKIPPED: "not attempted"}


class BinaryOutcome(_Named):
    """What a writeback left in one asset's original binary (``binary_status`` of the writeback report)."""

    WRITTEN_BACK = "written_back"  # the binary's smart tag array equals the XMP node
    NOT_WRITTEN_BACK = "not_written_back"  # it does not (the reason says why): a failure
    NOTHING_TO_WRITE = "nothing_to_write"  # no smart tags and no XMP node (e.g. an orphan node cleaned up)


BINARY_WORDS = {BinaryOutcome.WRITTEN_BACK: "written back", BinaryOutcome.NOT_WRITTEN_BACK: "NOT written back",
                BinaryOutcome.NOTHING_TO_WRITE: "nothing to write back"}
BINARY_DONE = frozenset({BinaryOutcome.WRITTEN_BACK, BinaryOutcome.NOTHING_TO_WRITE})
NOTHING_TO_WRITE_REASON = "no smart tags and no XMP node: nothing to write back"
