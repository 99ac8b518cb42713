"""Random access to a binary's bytes under a per-file read bound: in memory, or by HTTP Range requests."""

from __future__ import annotations

import zlib
from collections.abc import Callable

MAX_READ_BYTES = 32 * 1024 * 1024
MAX_PACKET_BYTES = 16 * 1024 * 1024
BLOCK_BYTES = 64 * 1024
MAX_BLOCK_BYTES = 4 * 1024 * 1024


class BinaryProblem(Exception):
    """The packet cannot be read; the message is the one-line ``problem`` shown to the user."""


class ReadBoundExceeded(BinaryProblem):
    """Reading on would pass the per-file byte bound."""


class PacketTooLarge(BinaryProblem):
    """A packet (or a stream holding it) is larger, or inflates larger, than the packet bound."""


class Unreadable(BinaryProblem):
    """The file's structure is broken or points outside the file."""


def check_packet_size(size: int, what: str, limit: int = MAX_PACKET_BYTES) -> None:
    if size > limit:
        raise PacketTooLarge(f"{what} is {size} bytes, more than the {limit}-byte bound")


def inflate(data: bytes, what: str, limit: int = MAX_PACKET_BYTES) -> bytes:
    """zlib-inflate ``data`` without ever holding more than ``limit`` + 1 output bytes."""
    decompressor = zlib.decompressobj()
    try:
        out = decompressor.decompress(data, limit + 1)
    except zlib.error as exc:
        raise Unreadable(f"{what} does not inflate: {exc}") from None
    if len(out) > limit:
        raise PacketTooLarge(f"{what} inflates beyond the {limit}-byte bound")
    return out


class ByteSource:
    """Bytes of one file read on demand; ``bytes_read`` and ``requests`` count what was fetched."""

    def __init__(self, max_bytes: int = MAX_READ_BYTES) -> None:
        self.max_bytes = max_bytes
        self.size: int | None = None
        self.bytes_read = 0
        self.requests = 0
        self._spans: list[tuple[int, bytes]] = []
        self._block = BLOCK_BYTES
        self._last_end = -1

    def _fetch(self, start: int, end: int) -> tuple[int, bytes]:
        """Bytes from ``start`` up to ``end`` (exclusive) or the end of file; sets ``size`` when known."""
        raise NotImplementedError

    def _cached(self, start: int, end: int) -> bytes | None:
        for span_start, data in self._spans:
            if span_start <= start and end <= span_start + len(data):
                return data[start - span_start : end - span_start]
        return None

    def read_upto(self, start: int, length: int) -> bytes:
        """Up to ``length`` bytes at ``start`` (fewer only at the end of the file)."""
        if start < 0 or length < 0:
            raise Unreadable("the file points to a negative offset")
        end = start + length
        if self.size is not None:
            end = min(end, self.size)
            if start >= end:
                return b""
        found = self._cached(start, end)
        if found is not None:
            return found
        if 0 <= start - self._last_end <= self._block:  # reading forward: fetch ahead in growing blocks
            self._block = min(self._block * 2, MAX_BLOCK_BYTES)
        want = max(end - start, self._block)
        remaining = self.max_bytes - self.bytes_read
        if end - start > remaining:
            raise ReadBoundExceeded(f"the structure needs more than the {self.max_bytes}-byte read bound per file")
        span_start, data = self._fetch(start, start + min(want, remaining))
        self.requests += 1
        self.bytes_read += len(data)
        self._spans.append((span_start, data))
        self._last_end = span_start + len(data)
        return self._cached(start, min(end, span_start + len(data))) or b""

    def read(self, start: int, length: int, what: str = "structure") -> bytes:
        """Exactly ``length`` bytes at ``start``; Unreadable when the file ends first."""
        data = self.read_upto(start, length)
        if len(data) < length:
            raise Unreadable(f"{what} points past the end of the file")
        return data


class MemorySource(ByteSource):
    """A file already in memory (no reads are counted beyond what is looked at)."""

    def __init__(self, data: bytes, max_bytes: int = MAX_READ_BYTES) -> None:
        super().__init__(max_bytes)
        self._data = data
        self.size = len(data)

    def _fetch(self, start: int, end: int) -> tuple[int, bytes]:
        return start, self._data[start:end]


class RangeSource(ByteSource):
    """A file fetched piecewise with ``fetch(start, end) -> (data, total size or None, whole file sent)``."""

    def __init__(self, fetch: Callable[[int, int], tuple[bytes, int | None, bool]],
                 max_bytes: int = MAX_READ_BYTES, block: int = BLOCK_BYTES) -> None:
        super().__init__(max_bytes)
        self._fetch_range = fetch
        self._block = block

    def _fetch(self, start: int, end: int) -> tuple[int, bytes]:
        data, total, whole = self._fetch_range(start, end)
        if total is not None:
            self.size = total
        if whole:  # the server ignored Range and sent everything
            self.size = len(data)
            return 0, data
        if not data and self.size is None:
            self.size = start
        return start, data
