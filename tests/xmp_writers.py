"""Test corpus writers: files carrying XMP written by exiftool, the Adobe XMP Toolkit (exempi), ImageMagick,
pikepdf/qpdf, the simulator's writeback, and hand-built structures (PDF revisions, BigTIFF, UTF-16, Extended XMP)."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

from PIL import Image

from xmpaudit.simulator.repository import Node
from xmpaudit.simulator.xmp_embed import build_packet, embed_packet

RDF_OPEN = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            '<rdf:Description rdf:about="" xmlns:dam="http://www.day.com/dam/1.0" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmpNote="http://ns.adobe.com/xmp/note/">')
RDF_CLOSE = "</rdf:Description></rdf:RDF></x:xmpmeta>"
DAM_CONFIG = """%Image::ExifTool::UserDefined = (
    'Image::ExifTool::XMP::Main' => {
        dam => { SubDirectory => { TagTable => 'Image::ExifTool::UserDefined::dam' } },
    },
);
%Image::ExifTool::UserDefined::dam = (
    GROUPS => { 0 => 'XMP', 1 => 'XMP-dam', 2 => 'Image' },
    NAMESPACE => { 'dam' => 'http://www.day.com/dam/1.0' },
    WRITABLE => 'string',
    predictedTags => {
        List => 'Seq',
        Struct => {
            NAMESPACE => 'dam',
            predictedTagName => { },
            predictedTagConfidence => { Writable => 'real' },
        },
    },
);
1;
"""


def xpacket(body: str) -> str:
    return f'<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>{body}<?xpacket end="w"?>'


def items_xml(tags) -> str:
    return "".join(f'<rdf:li rdf:parseType="Resource"><dam:predictedTagName>{n}</dam:predictedTagName>'
                   f"<dam:predictedTagConfidence>{c}</dam:predictedTagConfidence></rdf:li>" for n, c in tags)


def rdf(inner: str) -> str:
    return RDF_OPEN + inner + RDF_CLOSE


def tags_rdf(tags, extra: str = "") -> str:
    return rdf(f"<dc:format>x</dc:format>{extra}<dam:predictedTags><rdf:Seq>{items_xml(tags)}</rdf:Seq>"
               "</dam:predictedTags>")


def simulator_packet(tags) -> bytes:
    """The packet the simulator's writeback embeds for a metadata node holding ``tags``."""
    metadata = Node("metadata")
    metadata.set("dc:title", "x")
    array = metadata.add_child("dam:predictedTags")
    array.set("xmpNodeType", "xmpArray")
    array.set("xmpArrayType", "rdf:Seq")
    for i, (name, confidence) in enumerate(tags, start=1):
        item = array.add_child(str(i))
        item.set("dam:predictedTagName", name)
        item.set("dam:predictedTagConfidence", confidence)
    return build_packet(metadata)


def image(kind: str, size=(32, 24)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 200, 30)).save(buffer, format=kind)
    return buffer.getvalue()


# -- exiftool ----------------------------------------------------------------------------------------------


def exiftool_config(directory: Path) -> Path:
    path = directory / "dam.config"
    path.write_text(DAM_CONFIG)
    return path


def exiftool_write(path: Path, tags, config: Path) -> None:
    """exiftool writes ``tags`` as XMP-dam:PredictedTags into ``path`` (in place; PDF: an incremental update)."""
    spec = path.with_suffix(".json")
    spec.write_text(json.dumps([{"SourceFile": "*", "XMP-dam:PredictedTags": [
        {"PredictedTagName": n, "PredictedTagConfidence": c} for n, c in tags]}]))
    subprocess.run(["exiftool", "-config", str(config), "-q", "-overwrite_original", f"-json={spec}", str(path)],
                   check=True, capture_output=True)


def exiftool_read(path: Path, config: Path) -> list[tuple[str, float | None]] | None:
    """exiftool's reading of the smart tags (None: no array)."""
    out = subprocess.run(["exiftool", "-config", str(config), "-m", "-n", "-j", "-struct", "-XMP-dam:PredictedTags",
                          str(path)], capture_output=True, text=True, check=True).stdout
    items = json.loads(out)[0].get("PredictedTags")
    if items is None:
        return None
    if items == "":  # exiftool shows an empty array as an empty string
        return []
    items = items if isinstance(items, list) else [items]
    return [(str(i.get("PredictedTagName", "")),
             None if i.get("PredictedTagConfidence") is None else float(i["PredictedTagConfidence"])) for i in items]


# -- Adobe XMP Toolkit (exempi), ImageMagick -----------------------------------------------------------------


def toolkit_write(source: bytes, suffix: str, directory: Path, packet: str) -> bytes:
    """The Adobe XMP Toolkit's file handler (through exempi) puts ``packet`` into the file."""
    from libxmp import XMPFiles, XMPMeta

    path = directory / f"toolkit{suffix}"
    path.write_bytes(source)
    files = XMPFiles(file_path=str(path), open_forupdate=True)
    try:
        files.put_xmp(XMPMeta(xmp_str=packet))
    finally:
        files.close_file()
    return path.read_bytes()


# The Adobe XMP Toolkit's serialisation options for packet encodings (XMP_Const.h kXMP_EncodeUTF16Big/Little)
TOOLKIT_ENCODINGS = {"utf-16-be": 0x2, "utf-16-le": 0x3}


def toolkit_packet(rdf_text: str, encoding: str) -> bytes:
    """``rdf_text`` serialised by the Adobe XMP Toolkit (exempi) in UTF-16 with its default padding (2 KB of
    spaces; in UTF-16LE the Toolkit writes them big-endian), read by length: the packet holds NUL bytes."""
    import ctypes

    from libxmp import XMPMeta, exempi

    library = exempi.EXEMPI
    library.xmp_serialize_and_format.restype = ctypes.c_bool
    library.xmp_serialize_and_format.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint32, ctypes.c_uint32,
                                                 ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int32]
    library.xmp_string_cstr.restype = ctypes.c_void_p
    library.xmp_string_cstr.argtypes = [ctypes.c_void_p]
    library.xmp_string_len.restype = ctypes.c_size_t
    library.xmp_string_len.argtypes = [ctypes.c_void_p]
    meta = XMPMeta(xmp_str=rdf_text)
    out = exempi._string_new()
    try:
        if not library.xmp_serialize_and_format(meta.xmpptr, out, TOOLKIT_ENCODINGS[encoding], 0, b"\n", b" ", 0):
            raise RuntimeError("exempi could not serialise the packet")
        return ctypes.string_at(library.xmp_string_cstr(out), library.xmp_string_len(out))
    finally:
        exempi._string_free(out)


def imagemagick_write(source: bytes, suffix: str, directory: Path, packet: bytes) -> bytes:
    """ImageMagick attaches ``packet`` as its XMP profile (PNG: a zTXt "Raw profile type xmp" chunk)."""
    tool = shutil.which("convert-im6.q16") or shutil.which("magick") or "convert"
    source_path, packet_path, target = (directory / f"im_in{suffix}", directory / "im.xmp",
                                        directory / f"im_out{suffix}")
    source_path.write_bytes(source)
    packet_path.write_bytes(packet)
    subprocess.run([tool, str(source_path), "-profile", f"XMP:{packet_path}", str(target)], check=True,
                   capture_output=True)
    return target.read_bytes()


# -- hand-built ------------------------------------------------------------------------------------------


def tiff_file(packet: bytes, order: str = "<", big: bool = False) -> bytes:
    """A 1x1 grey TIFF (or BigTIFF) whose IFD0 tag 700 holds ``packet``."""
    mark = b"II" if order == "<" else b"MM"
    header = mark + (struct.pack(order + "HHHQ", 43, 8, 0, 0) if big else struct.pack(order + "HI", 42, 0))
    entry_size, count_size = (20, 8) if big else (12, 2)
    tags = [(256, 3, 1, 1), (257, 3, 1, 1), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1), (273, 4, 1, None),
            (277, 3, 1, 1), (278, 3, 1, 1), (279, 4, 1, 1), (700, 1, len(packet), None)]
    ifd = len(header)
    data_start = ifd + count_size + entry_size * len(tags) + (8 if big else 4)
    pixel_at, packet_at = data_start, data_start + 1
    out = bytearray(header)
    struct.pack_into(order + ("Q" if big else "I"), out, 8 if big else 4, ifd)
    out += struct.pack(order + ("Q" if big else "H"), len(tags))
    for tag, kind, count, value in tags:
        value = pixel_at if tag == 273 else packet_at if tag == 700 else value
        if big:
            field = struct.pack(order + "H", value) + b"\0" * 6 if kind == 3 else struct.pack(order + "Q", value)
            out += struct.pack(order + "HHQ", tag, kind, count) + field
        else:
            field = struct.pack(order + "H", value) + b"\0\0" if kind == 3 else struct.pack(order + "I", value)
            out += struct.pack(order + "HHI", tag, kind, count) + field
    out += b"\0" * (8 if big else 4) + b"\x80" + packet
    return bytes(out)


def jpeg_with_extended(main_tags, extended_tags, base: bytes) -> bytes:
    """A JPEG whose standard packet names an Extended XMP (> 64 KB, split over APP1 segments) holding the array,
    plus a decoy Extended XMP under another GUID."""
    extended = rdf(f"<dam:predictedTags><rdf:Seq>{items_xml(extended_tags)}</rdf:Seq></dam:predictedTags>"
                   ).encode()
    guid = hashlib.md5(extended).hexdigest().upper()
    decoy = rdf(f"<dam:predictedTags><rdf:Seq>{items_xml([('decoy', 0.1)])}</rdf:Seq></dam:predictedTags>").encode()
    main = xpacket(rdf(f"<xmpNote:HasExtendedXMP>{guid}</xmpNote:HasExtendedXMP>"
                       + (f"<dam:other>{len(main_tags)}</dam:other>" if main_tags else ""))).encode()
    segments = [b"http://ns.adobe.com/xap/1.0/\x00" + main]
    for name, body in ((hashlib.md5(decoy).hexdigest().upper(), decoy), (guid, extended)):
        for offset in range(0, len(body), 65000):
            segments.append(b"http://ns.adobe.com/xmp/extension/\x00" + name.encode() +
                            struct.pack(">II", len(body), offset) + body[offset : offset + 65000])
    app1 = b"".join(b"\xff\xe1" + struct.pack(">H", len(s) + 2) + s for s in segments[:1] + segments[1:][::-1])
    return base[:2] + app1 + base[2:]


class PdfBuilder:
    """A PDF written object by object: xref tables or xref streams, incremental updates, object streams."""

    def __init__(self) -> None:
        self.data = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        self.offsets: dict[int, int] = {}
        self.compressed: dict[int, tuple[int, int]] = {}
        self.pending: set[int] = set()
        self.last_xref: int | None = None
        self.size = 1

    def add(self, num: int, content: bytes) -> None:
        self.offsets[num] = len(self.data)
        self.pending.add(num)
        self.size = max(self.size, num + 1)
        self.data += f"{num} 0 obj\n".encode() + content + b"\nendobj\n"

    def stream(self, num: int, entries: str, data: bytes, *, flate: bool = False) -> None:
        if flate:
            data, entries = zlib.compress(data), entries + " /Filter /FlateDecode"
        self.add(num, f"<< {entries} /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream")

    def object_stream(self, num: int, objects: dict[int, bytes]) -> None:
        header, body = b"", b""
        for index, (inner, content) in enumerate(objects.items()):
            header += f"{inner} {len(body)} ".encode()
            body += content + b"\n"
            self.compressed[inner] = (num, index)
            self.pending.add(inner)
            self.size = max(self.size, inner + 1)
        self.stream(num, f"/Type /ObjStm /N {len(objects)} /First {len(header)}", header + body, flate=True)

    def xref_table(self, root: int) -> None:
        offset = len(self.data)
        lines = [b"xref\n"]
        for num in sorted(self.pending):
            lines.append(f"{num} 1\n{self.offsets[num]:010d} 00000 n\r\n".encode())
        prev = f" /Prev {self.last_xref}" if self.last_xref is not None else ""
        self.data += b"".join(lines) + f"trailer\n<< /Size {self.size} /Root {root} 0 R{prev} >>\n".encode()
        self._finish(offset)

    def xref_stream(self, root: int, num: int) -> None:
        offset = len(self.data)
        self.offsets[num] = offset
        self.pending.add(num)
        self.size = max(self.size, num + 1)
        rows, index = [], []
        for inner in sorted(self.pending):
            index += [inner, 1]
            if inner in self.compressed:
                rows.append(struct.pack(">BIH", 2, *self.compressed[inner]))
            else:
                rows.append(struct.pack(">BIH", 1, self.offsets[inner], 0))
        encoded, previous = b"", bytes(7)
        for row in rows:  # PNG "Up" predictor, as qpdf and Acrobat write
            encoded += b"\x02" + bytes((a - b) & 0xFF for a, b in zip(row, previous, strict=True))
            previous = row
        prev = f" /Prev {self.last_xref}" if self.last_xref is not None else ""
        entries = (f"/Type /XRef /Size {self.size} /Root {root} 0 R /W [1 4 2] /Index [{' '.join(map(str, index))}]"
                   f" /DecodeParms << /Predictor 12 /Columns 7 >>{prev}")
        self.offsets.pop(num)
        self.pending.discard(num)
        self.stream(num, entries, encoded, flate=True)
        self._finish(offset)

    def _finish(self, offset: int) -> None:
        self.data += f"startxref\n{offset}\n%%EOF\n".encode()
        self.last_xref = offset
        self.pending = set()

    def bytes(self) -> bytes:
        return bytes(self.data)


PAGE_OBJECTS = {2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>"}


def pdf_incremental(old_tags, new_tags) -> bytes:
    """Revision 1 with an older packet; revision 2 (incremental update) points the catalogue at a new one."""
    pdf = PdfBuilder()
    for num, content in PAGE_OBJECTS.items():
        pdf.add(num, content)
    pdf.stream(4, "/Type /Metadata /Subtype /XML", xpacket(tags_rdf(old_tags)).encode())
    pdf.add(1, b"<< /Type /Catalog /Pages 2 0 R /Metadata 4 0 R >>")
    pdf.xref_table(1)
    pdf.stream(5, "/Type /Metadata /Subtype /XML", xpacket(tags_rdf(new_tags)).encode())
    pdf.add(1, b"<< /Type /Catalog /Pages 2 0 R /Metadata 5 0 R >>")
    pdf.xref_table(1)
    return pdf.bytes()


def pdf_embedded_image_first(image_tags, document_tags) -> bytes:
    """An image XObject with its own /Metadata stream, written before the catalogue's."""
    pdf = PdfBuilder()
    pdf.stream(6, "/Type /Metadata /Subtype /XML", xpacket(tags_rdf(image_tags)).encode())
    pdf.stream(7, "/Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray "
                  "/BitsPerComponent 8 /Metadata 6 0 R", b"\x80")
    pdf.add(2, PAGE_OBJECTS[2])
    pdf.add(3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] /Resources << /XObject << /Im0 7 0 R >> >> >>")
    pdf.stream(4, "/Type /Metadata /Subtype /XML", xpacket(tags_rdf(document_tags)).encode())
    pdf.add(1, b"<< /Type /Catalog /Pages 2 0 R /Metadata 4 0 R >>")
    pdf.xref_table(1)
    return pdf.bytes()


def pdf_xref_stream(tags, *, encoding: str = "utf-8", wrapper: bool = False, filler: int = 0,
                    packet: bytes | None = None) -> bytes:
    """Catalogue in a compressed object stream, FlateDecode /Metadata (optionally without the xpacket wrapper,
    in UTF-16; or ``packet`` as given), an xref stream with the PNG predictor; ``filler`` bytes of image data
    before the packet."""
    pdf = PdfBuilder()
    if filler:
        pdf.stream(8, "/Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray "
                      "/BitsPerComponent 8", b"\0" * filler)
    text = tags_rdf(tags)
    if packet is None:
        packet = (xpacket(text) if wrapper else text).encode(encoding)
    pdf.stream(4, "/Type /Metadata /Subtype /XML", packet, flate=True)
    pdf.object_stream(9, {1: b"<< /Type /Catalog /Pages 2 0 R /Metadata 4 0 R >>", **PAGE_OBJECTS})
    pdf.xref_stream(1, 10)
    return pdf.bytes()


def pikepdf_write(base: bytes, packet: bytes) -> bytes:
    """qpdf (through pikepdf) writes a FlateDecode /Metadata stream, object streams and an xref stream."""
    import pikepdf

    with pikepdf.open(io.BytesIO(base)) as pdf:
        stream = pikepdf.Stream(pdf, b"")
        stream.write(zlib.compress(packet), filter=pikepdf.Name.FlateDecode)
        stream.Type, stream.Subtype = pikepdf.Name.Metadata, pikepdf.Name.XML
        pdf.Root.Metadata = pdf.make_indirect(stream)
        out = io.BytesIO()
        pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True)
        return out.getvalue()


def matplotlib_pdf() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure = plt.figure()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="pdf")
    plt.close(figure)
    return buffer.getvalue()


def simulator_embed(kind: str, tags) -> bytes:
    return embed_packet(image(kind), simulator_packet(tags))


def deflate_bomb(size: int = 1 << 30) -> bytes:
    """A real zlib stream inflating to ``size`` zero bytes (~1 MB per GiB), built without compressing it all."""
    chunk = bytes(1 << 20)
    compressor = zlib.compressobj(9)
    first = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeated = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)  # same bytes for every later MiB
    checksum = 1
    for _ in range(size // len(chunk)):
        checksum = zlib.adler32(chunk, checksum)
    return first + repeated * (size // len(chunk) - 1) + b"\x03\x00" + struct.pack(">I", checksum)
