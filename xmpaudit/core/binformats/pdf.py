"""PDF: the document catalogue's /Metadata stream of the latest revision, found through startxref, the xref
tables or xref streams (following /Prev and /XRefStm across incremental updates) and object streams."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from xmpaudit.core.binformats.source import MAX_PACKET_BYTES, ByteSource, Unreadable, check_packet_size, inflate

TAIL_BYTES = 4096
MAX_SECTIONS = 4096
MAX_OBJECT_BYTES = 1024 * 1024
MAX_STRUCTURE_BYTES = 16 * 1024 * 1024
WHITESPACE = b"\x00\t\n\x0c\r "
DELIMITERS = b"()<>[]{}/%"
NUMBER = re.compile(rb"[+-]?(\d+\.?\d*|\.\d+)")
REFERENCE_TAIL = re.compile(rb"\s+(\d+)\s+R(?=[\s()<>\[\]{}/%]|$)")
OBJECT_HEADER = re.compile(rb"\s*(\d+)\s+(\d+)\s+obj")


class Ref(NamedTuple):
    """An indirect reference ``num gen R``."""

    num: int
    gen: int


class _Incomplete(Exception):
    """The parser reached the end of the bytes read so far."""


def _skip(buf: bytes, pos: int) -> int:
    while pos < len(buf):
        if buf[pos] in WHITESPACE:
            pos += 1
        elif buf[pos] == 0x25:  # % comment to end of line
            while pos < len(buf) and buf[pos] not in b"\r\n":
                pos += 1
        else:
            return pos
    raise _Incomplete


def _regular_end(buf: bytes, pos: int) -> int:
    while pos < len(buf) and buf[pos] not in WHITESPACE and buf[pos] not in DELIMITERS:
        pos += 1
    if pos == len(buf):
        raise _Incomplete
    return pos


def _literal_string(buf: bytes, pos: int) -> tuple[bytes, int]:
    depth, start = 0, pos
    while pos < len(buf):
        char = buf[pos]
        if char == 0x5C:  # backslash escapes the next byte
            pos += 2
            continue
        if char == 0x28:
            depth += 1
        elif char == 0x29:
            depth -= 1
            if depth == 0:
                return buf[start + 1 : pos], pos + 1
        pos += 1
    raise _Incomplete


def parse_object(buf: bytes, pos: int) -> tuple[Any, int]:
    """One PDF object at ``pos``: dict, list, "/Name" str, bytes, int, float, bool, None, Ref, or a keyword str."""
    pos = _skip(buf, pos)
    if buf.startswith(b"<<", pos):
        result: dict[str, Any] = {}
        pos += 2
        while True:
            pos = _skip(buf, pos)
            if buf.startswith(b">>", pos):
                return result, pos + 2
            key, pos = parse_object(buf, pos)
            value, pos = parse_object(buf, pos)
            if isinstance(key, str):
                result[key] = value
    char = buf[pos]
    if char == 0x5B:  # [
        items: list[Any] = []
        pos += 1
        while True:
            pos = _skip(buf, pos)
            if buf[pos] == 0x5D:
                return items, pos + 1
            item, pos = parse_object(buf, pos)
            items.append(item)
    if char == 0x2F:  # /Name
        end = _regular_end(buf, pos + 1)
        name = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), buf[pos:end])
        return name.decode("latin-1"), end
    if char == 0x28:
        return _literal_string(buf, pos)
    if char == 0x3C:  # <hex>
        end = buf.find(b">", pos)
        if end < 0:
            raise _Incomplete
        return bytes.fromhex(re.sub(rb"\s", b"", buf[pos + 1 : end]).decode("latin-1").ljust(2, "0")), end + 1
    number = NUMBER.match(buf, pos)
    if number:
        end = number.end()
        if end == len(buf):
            raise _Incomplete
        text = number.group(0)
        if b"." in text:
            return float(text), end
        reference = REFERENCE_TAIL.match(buf, end)
        if reference:
            return Ref(int(text), int(reference.group(1))), reference.end()
        if len(buf) - end < 24 and re.match(rb"\s+\d*\s*R?$", buf[end:]):
            raise _Incomplete  # may be the start of "n g R" cut by the read
        return int(text), end
    end = _regular_end(buf, pos)
    word = buf[pos:end]
    if end == pos:
        raise Unreadable(f"unexpected {chr(char)!r} in a PDF object")
    return {b"true": True, b"false": False, b"null": None}.get(word, word.decode("latin-1")), end


def _png_predictor(data: bytes, columns: int) -> bytes:
    """Undo PNG row predictors (/Predictor >= 10), as xref and object streams use them."""
    row_length = columns + 1
    previous = bytearray(columns)
    out = bytearray()
    for start in range(0, len(data) - row_length + 1, row_length):
        kind, row = data[start], bytearray(data[start + 1 : start + row_length])
        for i in range(columns):
            left = row[i - 1] if i else 0
            up, up_left = previous[i], previous[i - 1] if i else 0
            if kind == 1:
                row[i] = (row[i] + left) & 0xFF
            elif kind == 2:
                row[i] = (row[i] + up) & 0xFF
            elif kind == 3:
                row[i] = (row[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                guess = left + up - up_left
                pa, pb, pc = abs(guess - left), abs(guess - up), abs(guess - up_left)
                row[i] = (row[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else up_left)) & 0xFF
        out += row
        previous = row
    return bytes(out)


@dataclass
class _Section:
    """One cross-reference section: table subsections read on demand, or the decoded entries of an xref stream."""

    trailer: dict[str, Any]
    subsections: list[tuple[int, int, int]] = field(default_factory=list)  # first object, count, byte offset
    entries: dict[int, tuple[int, int, int]] = field(default_factory=dict)  # num -> (type, field 2, field 3)


class PdfReader:
    """Reads just the structure that leads from the end of the file to the catalogue's /Metadata stream."""

    def __init__(self, source: ByteSource) -> None:
        self.source = source
        self.sections: list[_Section] = []
        self.object_streams: dict[int, tuple[dict[int, int], bytes]] = {}

    # -- objects -------------------------------------------------------------------------------------------

    def _parse_at(self, offset: int, what: str) -> tuple[Any, bytes, int]:
        """(object, bytes read, end position) for the object text at ``offset``, reading more while cut short."""
        length = 2048
        while True:
            buf = self.source.read_upto(offset, length)
            try:
                value, end = parse_object(buf, 0)
                return value, buf, end
            except (_Incomplete, IndexError):
                if len(buf) < length or length >= MAX_OBJECT_BYTES:
                    raise Unreadable(f"PDF {what} at byte {offset} is cut short or too long") from None
                length *= 4

    def _indirect_at(self, offset: int, num: int) -> tuple[Any, int]:
        """(object, absolute offset just after it) for ``num 0 obj`` at ``offset``."""
        buf = self.source.read_upto(offset, 64)
        header = OBJECT_HEADER.match(buf)
        if not header or int(header.group(1)) != num:
            raise Unreadable(f"PDF xref points object {num} to byte {offset}, where it is not")
        value, _buf, end = self._parse_at(offset + header.end(), f"object {num}")
        return value, offset + header.end() + end

    def _entry(self, num: int) -> tuple[int, int, int] | None:
        for section in self.sections:
            if num in section.entries:
                return section.entries[num]
            for first, count, table_offset in section.subsections:
                if first <= num < first + count:
                    line = self.source.read(table_offset + 20 * (num - first), 20, "PDF xref entry")
                    parts = line.split()
                    if len(parts) < 3 or parts[2][:1] not in (b"n", b"f"):
                        raise Unreadable(f"PDF xref entry for object {num} is malformed")
                    return (1 if parts[2][:1] == b"n" else 0), int(parts[0]), int(parts[1])
        return None

    def resolve(self, value: Any, depth: int = 0) -> Any:
        """``value``, or the object a Ref points to in the latest revision."""
        if not isinstance(value, Ref):
            return value
        if depth > 8:
            raise Unreadable("PDF references loop")
        entry = self._entry(value.num)
        if entry is None or entry[0] == 0:
            return None
        if entry[0] == 1:
            return self.resolve(self._indirect_at(entry[1], value.num)[0], depth + 1)
        return self.resolve(self._from_object_stream(entry[1], value.num), depth + 1)

    def _from_object_stream(self, stream_num: int, num: int) -> Any:
        if stream_num not in self.object_streams:
            entry = self._entry(stream_num)
            if entry is None or entry[0] != 1:
                raise Unreadable(f"PDF object stream {stream_num} not found")
            dictionary, data = self.stream_at(entry[1], stream_num, MAX_STRUCTURE_BYTES, "object stream")
            first, count = int(dictionary.get("/First", 0)), int(dictionary.get("/N", 0))
            numbers = re.findall(rb"\d+", data[:first])[: 2 * count]
            offsets = {int(numbers[i]): first + int(numbers[i + 1]) for i in range(0, len(numbers) - 1, 2)}
            self.object_streams[stream_num] = (offsets, data + b" ")
        offsets, data = self.object_streams[stream_num]
        if num not in offsets:
            return None
        try:
            return parse_object(data, offsets[num])[0]
        except (_Incomplete, IndexError):
            raise Unreadable(f"PDF object {num} in object stream {stream_num} is cut short") from None

    # -- streams -------------------------------------------------------------------------------------------

    def stream_at(self, offset: int, num: int, limit: int, what: str) -> tuple[dict[str, Any], bytes]:
        """(dictionary, decoded data) of the stream object ``num`` at ``offset``; data bounded by ``limit``."""
        dictionary, end = self._indirect_at(offset, num)
        if not isinstance(dictionary, dict):
            raise Unreadable(f"PDF {what} (object {num}) is not a stream")
        return dictionary, self._stream_data(dictionary, end, limit, what)

    def _stream_data(self, dictionary: dict[str, Any], end: int, limit: int, what: str) -> bytes:
        after = self.source.read_upto(end, 32)
        keyword = re.match(rb"\s*stream(\r\n|\n|\r)", after)
        if not keyword:
            raise Unreadable(f"PDF {what} has no stream data")
        start = end + keyword.end()
        length = self.resolve(dictionary.get("/Length"))
        if not isinstance(length, int) or length < 0:
            raise Unreadable(f"PDF {what} has no valid /Length")
        check_packet_size(length, f"PDF {what}", limit)
        raw = self.source.read(start, length, f"PDF {what}")
        filters = self.resolve(dictionary.get("/Filter"))
        filters = [filters] if isinstance(filters, str) else list(filters or [])
        params = self.resolve(dictionary.get("/DecodeParms"))
        params = params[0] if isinstance(params, list) and params else params
        for name in filters:
            if name not in ("/FlateDecode", "/Fl"):
                raise Unreadable(f"PDF {what} uses filter {name}, which is not read")
            raw = inflate(raw, f"PDF {what}", limit)
        if isinstance(params, dict) and int(params.get("/Predictor", 1) or 1) >= 10:
            raw = _png_predictor(raw, int(params.get("/Columns", 1) or 1))
        return raw

    # -- cross-reference -----------------------------------------------------------------------------------

    def _table_section(self, offset: int) -> _Section:
        pos = offset + 4
        subsections = []
        while True:
            buf = self.source.read_upto(pos, 64)
            header = re.match(rb"\s*(\d+)\s+(\d+)[ \t]*(\r\n|\n|\r| \r| \n)", buf)
            if not header:
                break
            first, count = int(header.group(1)), int(header.group(2))
            subsections.append((first, count, pos + header.end()))
            pos += header.end() + 20 * count
            if len(subsections) > MAX_SECTIONS:
                raise Unreadable("PDF xref table has too many subsections")
        trailer_keyword = re.match(rb"\s*trailer", self.source.read_upto(pos, 64))
        if not trailer_keyword:
            raise Unreadable(f"PDF xref table at byte {offset} has no trailer")
        trailer, _buf, _end = self._parse_at(pos + trailer_keyword.end(), "trailer")
        if not isinstance(trailer, dict):
            raise Unreadable("PDF trailer is not a dictionary")
        return _Section(trailer, subsections=subsections)

    def _stream_section(self, offset: int) -> _Section:
        buf = self.source.read_upto(offset, 64)
        header = OBJECT_HEADER.match(buf)
        if not header:
            raise Unreadable(f"PDF startxref points to byte {offset}, where there is no xref")
        num = int(header.group(1))
        dictionary, end = self._indirect_at(offset, num)
        if not isinstance(dictionary, dict) or dictionary.get("/Type") != "/XRef":
            raise Unreadable(f"PDF startxref points to byte {offset}, where there is no xref stream")
        data = self._stream_data(dictionary, end, MAX_STRUCTURE_BYTES, "xref stream")
        widths = [int(w) for w in dictionary.get("/W", [])]
        if len(widths) != 3 or sum(widths) <= 0:
            raise Unreadable("PDF xref stream has no valid /W")
        index = dictionary.get("/Index") or [0, int(dictionary.get("/Size", 0))]
        row, pos, entries = sum(widths), 0, {}
        for first, count in zip(index[0::2], index[1::2], strict=False):
            for num in range(int(first), int(first) + int(count)):
                if pos + row > len(data):
                    break
                fields, cursor = [], pos
                for width in widths:
                    fields.append(int.from_bytes(data[cursor : cursor + width], "big"))
                    cursor += width
                kind = fields[0] if widths[0] else 1
                entries.setdefault(num, (kind, fields[1], fields[2]))
                pos += row
        return _Section(dictionary, entries=entries)

    def _section(self, offset: int) -> _Section:
        if self.source.read_upto(offset, 4) == b"xref":
            return self._table_section(offset)
        return self._stream_section(offset)

    def _start_xref(self) -> int:
        self.source.read_upto(0, 8)
        size = self.source.size
        if size is None:
            raise Unreadable("PDF size unknown (the server sent no Content-Range)")
        tail = self.source.read_upto(max(0, size - TAIL_BYTES), min(size, TAIL_BYTES))
        found = list(re.finditer(rb"startxref\s+(\d+)", tail))
        if not found:
            raise Unreadable("PDF has no startxref in its last bytes")
        return int(found[-1].group(1))

    def metadata(self) -> bytes | None:
        """The decoded /Metadata stream of the document catalogue, or None when the catalogue has none."""
        offset: Any = self._start_xref()
        seen: set[int] = set()
        while isinstance(offset, int) and offset not in seen and len(seen) < MAX_SECTIONS:
            seen.add(offset)
            section = self._section(offset)
            self.sections.append(section)
            hybrid = section.trailer.get("/XRefStm")
            if isinstance(hybrid, int) and hybrid not in seen:
                seen.add(hybrid)
                self.sections.append(self._stream_section(hybrid))
            offset = section.trailer.get("/Prev")
        trailer = next((s.trailer for s in self.sections if "/Root" in s.trailer), None)
        if trailer is None:
            raise Unreadable("PDF trailer names no document catalogue (/Root)")
        if "/Encrypt" in trailer:
            raise Unreadable("PDF is encrypted; its metadata is not read")
        catalogue = self.resolve(trailer["/Root"])
        if not isinstance(catalogue, dict):
            raise Unreadable("PDF document catalogue is not a dictionary")
        reference = catalogue.get("/Metadata")
        if not isinstance(reference, Ref):
            return None
        entry = self._entry(reference.num)
        if entry is None or entry[0] != 1:
            return None
        return self.stream_at(entry[1], reference.num, MAX_PACKET_BYTES, "/Metadata stream")[1]


def pdf_packet(source: ByteSource) -> bytes | None:
    """The catalogue's XMP metadata of the PDF's latest revision."""
    try:
        return PdfReader(source).metadata()
    except (ValueError, IndexError, TypeError, RecursionError) as exc:
        raise Unreadable(f"PDF structure not readable: {exc}") from None
