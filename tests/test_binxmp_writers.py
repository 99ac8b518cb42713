"""The binary check agrees with exiftool on files written by independent XMP writers (exiftool, Adobe XMP Toolkit
via exempi, ImageMagick, qpdf via pikepdf, the simulator's writeback, hand-built structures), in memory and
through HTTP Range reads from the simulator; decompression and packet sizes stay bounded."""

from __future__ import annotations

import importlib.util
import shutil
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from tests import xmp_writers as w
from tests.conftest import DEMO_ROOT
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.binformats.jpeg import jpeg_packets
from xmpaudit.core.binformats.source import BinaryProblem, MemorySource
from xmpaudit.read.binxmp import MAX_PACKET_BYTES, find_packet, packet_tags, read_binary_xmp

TAGS = [("sky", 0.91), ("tree", 1.0), ("café ñ", 0.5), ("a, b | c", 0.25)]
OLD = [("stale", 0.3)]
MANY = [(f"tag {i} ü", round(0.5 + i / 10000, 4)) for i in range(3000)]
ASSET = f"{DEMO_ROOT}/people/what?.jpg"

HAS_EXIFTOOL = shutil.which("exiftool") is not None
HAS_TOOLKIT = importlib.util.find_spec("libxmp") is not None and shutil.which("exempi") is not None
HAS_IMAGEMAGICK = any(shutil.which(t) for t in ("convert-im6.q16", "magick", "convert"))
HAS_PIKEPDF = importlib.util.find_spec("pikepdf") is not None

pytestmark = pytest.mark.slow  # a corpus written by external tools at test time

needs_exiftool = pytest.mark.skipif(not HAS_EXIFTOOL, reason="exiftool not installed (Debian libimage-exiftool-perl;"
                                    " ./dev.sh test installs it)")


def _exiftool(kind: str, tags, tmp: Path, config: Path, twice: bool = False) -> bytes:
    base = w.matplotlib_pdf() if kind == "pdf" else w.image({"jpg": "JPEG", "png": "PNG", "tif": "TIFF"}[kind])
    path = tmp / f"exiftool.{kind}"
    path.write_bytes(base)
    if twice:  # PDF: the second write is an incremental update after the first packet
        w.exiftool_write(path, OLD, config)
    w.exiftool_write(path, tags, config)
    return path.read_bytes()


def _toolkit(kind: str, tags, tmp: Path) -> bytes:
    if not HAS_TOOLKIT:
        pytest.skip("Adobe XMP Toolkit not available (Debian exempi + PyPI python-xmp-toolkit)")
    base = w.image({"jpg": "JPEG", "png": "PNG", "tif": "TIFF"}[kind])
    return w.toolkit_write(base, f".{kind}", tmp, w.tags_rdf(tags))


def _toolkit_utf16(container: str, encoding: str, tags) -> bytes:
    """A UTF-16 packet serialised by the Adobe XMP Toolkit, in a TIFF's tag 700 or a PDF's /Metadata stream."""
    if not HAS_TOOLKIT:
        pytest.skip("Adobe XMP Toolkit not available (Debian exempi + PyPI python-xmp-toolkit)")
    packet = w.toolkit_packet(w.tags_rdf(tags), encoding)
    if container == "pdf":
        return w.pdf_xref_stream(tags, packet=packet)
    return w.tiff_file(packet, "<" if encoding.endswith("le") else ">")


def _imagemagick(kind: str, tags, tmp: Path) -> bytes:
    if not HAS_IMAGEMAGICK:
        pytest.skip("ImageMagick not installed (Debian imagemagick)")
    base = w.image({"jpg": "JPEG", "png": "PNG", "tif": "TIFF"}[kind])
    return w.imagemagick_write(base, f".{kind}", tmp, w.xpacket(w.tags_rdf(tags)).encode())


def _pikepdf(tags, tmp: Path) -> bytes:
    if not HAS_PIKEPDF:
        pytest.skip("pikepdf not installed (dev extra)")
    return w.pikepdf_write(w.matplotlib_pdf(), w.xpacket(w.tags_rdf(tags)).encode())


def _forms_packet() -> bytes:
    """Struct fields as elements, attributes, and an rdf:Description inside rdf:li; a nested array inside an
    item struct (its rdf:li are not tags)."""
    items = ('<rdf:li rdf:parseType="Resource"><dam:predictedTagName>one</dam:predictedTagName>'
             "<dam:predictedTagConfidence>0.1</dam:predictedTagConfidence>"
             "<dam:aliases><rdf:Bag><rdf:li>uno</rdf:li><rdf:li>eins</rdf:li></rdf:Bag></dam:aliases></rdf:li>"
             '<rdf:li dam:predictedTagName="two" dam:predictedTagConfidence="0.2"/>'
             '<rdf:li><rdf:Description dam:predictedTagName="three"><dam:predictedTagConfidence>0.3'
             "</dam:predictedTagConfidence></rdf:Description></rdf:li>")
    return w.xpacket(w.rdf(f"<dam:predictedTags><rdf:Seq>{items}</rdf:Seq></dam:predictedTags>")).encode()


def _utf(packet_text: str, codec: str) -> bytes:
    return packet_text.encode(codec)


CORPUS: dict[str, Callable[[Path, Path], bytes]] = {
    "exiftool.jpg": lambda t, c: _exiftool("jpg", TAGS, t, c),
    "exiftool.png": lambda t, c: _exiftool("png", TAGS, t, c),
    "exiftool.tif": lambda t, c: _exiftool("tif", TAGS, t, c),
    "exiftool.pdf": lambda t, c: _exiftool("pdf", TAGS, t, c),
    "exiftool-incremental.pdf": lambda t, c: _exiftool("pdf", TAGS, t, c, twice=True),
    "exiftool-no-array.jpg": lambda t, c: _exiftool("jpg", [], t, c),
    "toolkit.jpg": lambda t, c: _toolkit("jpg", TAGS, t),
    "toolkit.png": lambda t, c: _toolkit("png", TAGS, t),
    "toolkit.tif": lambda t, c: _toolkit("tif", TAGS, t),
    "toolkit-extended.jpg": lambda t, c: _toolkit("jpg", MANY, t),
    "toolkit-large.png": lambda t, c: _toolkit("png", MANY, t),
    "toolkit-utf16le.tif": lambda t, c: _toolkit_utf16("tif", "utf-16-le", TAGS),
    "toolkit-utf16be.tif": lambda t, c: _toolkit_utf16("tif", "utf-16-be", TAGS),
    "toolkit-utf16le.pdf": lambda t, c: _toolkit_utf16("pdf", "utf-16-le", TAGS),
    "toolkit-utf16be.pdf": lambda t, c: _toolkit_utf16("pdf", "utf-16-be", TAGS),
    "imagemagick-raw-profile.png": lambda t, c: _imagemagick("png", TAGS, t),
    "imagemagick.jpg": lambda t, c: _imagemagick("jpg", TAGS, t),
    "imagemagick.tif": lambda t, c: _imagemagick("tif", TAGS, t),
    "pikepdf-flate.pdf": lambda t, c: _pikepdf(TAGS, t),
    "simulator.jpg": lambda t, c: w.simulator_embed("JPEG", TAGS),
    "simulator.png": lambda t, c: w.simulator_embed("PNG", TAGS),
    "simulator-empty.png": lambda t, c: w.simulator_embed("PNG", []),
    "simulator-extended.jpg": lambda t, c: w.simulator_embed("JPEG", MANY),
    "simulator-rewritten.jpg": lambda t, c: w.embed_packet(w.simulator_embed("JPEG", MANY), w.simulator_packet(TAGS)),
    "forms.jpg": lambda t, c: w.embed_packet(w.image("JPEG"), _forms_packet()),
    "extended-by-hand.jpg": lambda t, c: w.jpeg_with_extended([], MANY, w.image("JPEG")),
    "incremental-older-first.pdf": lambda t, c: w.pdf_incremental(OLD, TAGS),
    "embedded-image-xmp-first.pdf": lambda t, c: w.pdf_embedded_image_first(OLD, TAGS),
    "xref-stream-no-wrapper.pdf": lambda t, c: w.pdf_xref_stream(TAGS),
    "xref-stream-utf16.pdf": lambda t, c: w.pdf_xref_stream(TAGS, encoding="utf-16", wrapper=True),
    "big-tail.pdf": lambda t, c: w.pdf_xref_stream(TAGS, filler=33 * 1024 * 1024),
    "utf16le.tif": lambda t, c: w.tiff_file(_utf(w.xpacket(w.tags_rdf(TAGS)), "utf-16-le")),
    "utf16be-motorola.tif": lambda t, c: w.tiff_file(_utf(w.xpacket(w.tags_rdf(TAGS)), "utf-16-be"), ">"),
    "utf32be.tif": lambda t, c: w.tiff_file(_utf(w.xpacket(w.tags_rdf(TAGS)), "utf-32-be"), ">"),
    "utf8-motorola.tif": lambda t, c: w.tiff_file(w.xpacket(w.tags_rdf(TAGS)).encode(), ">"),
    "bigtiff.tif": lambda t, c: w.tiff_file(w.xpacket(w.tags_rdf(TAGS)).encode(), "<", big=True),
}
EXPECTED = {"exiftool-no-array.jpg": None, "simulator-empty.png": None,
            "forms.jpg": [("one", 0.1), ("two", 0.2), ("three", 0.3)],
            "toolkit-extended.jpg": MANY, "simulator-extended.jpg": MANY, "toolkit-large.png": MANY,
            "extended-by-hand.jpg": MANY}


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("xmp-corpus")


@pytest.fixture(scope="module")
def exiftool_config(corpus_dir) -> Path:
    return w.exiftool_config(corpus_dir)


def _generate(name: str, corpus_dir: Path, config: Path) -> Path:
    if name.startswith("exiftool") and not HAS_EXIFTOOL:
        pytest.skip("exiftool not installed (Debian libimage-exiftool-perl)")
    work = corpus_dir / name.replace(".", "_")
    work.mkdir(exist_ok=True)
    path = corpus_dir / name
    if not path.exists():
        path.write_bytes(CORPUS[name](work, config))
    return path


def _binxmp_tags(data: bytes):
    source = MemorySource(data)
    if data.startswith(b"\xff\xd8"):
        main, extended = jpeg_packets(source)
    else:
        main = find_packet(data)[1]
        extended = None
    tags = None if main is None else packet_tags(main, SyncArguments(), extended=extended)
    return tags or None


@needs_exiftool
@pytest.mark.parametrize("name", list(CORPUS))
def test_reader_agrees_with_exiftool(name, corpus_dir, exiftool_config):
    path = _generate(name, corpus_dir, exiftool_config)
    expected = exiftool_read(path, exiftool_config)
    assert _binxmp_tags(path.read_bytes()) == expected
    if name in EXPECTED:  # exiftool reads what the writer was given
        assert expected == EXPECTED[name]
    elif "no-array" not in name:
        assert expected == TAGS


def exiftool_read(path, config):
    tags = w.exiftool_read(path, config)
    return tags or None


@needs_exiftool
def test_range_reads_agree_with_exiftool(simulator, client, corpus_dir, exiftool_config):
    """Every corpus file served as an asset's original rendition and read with HTTP Range requests."""
    resource = simulator.repo.require(f"{ASSET}/jcr:content/renditions/original/jcr:content")
    checked = 0
    for name in CORPUS:
        path = _generate(name, corpus_dir, exiftool_config)  # a writer missing here skips the test, visibly
        data = path.read_bytes()
        resource.set("jcr:data", data, "Binary")
        found = read_binary_xmp(client, ASSET)
        assert found.problem == "", name
        tags = None if found.packet is None else packet_tags(found.packet, SyncArguments(), extended=found.extended)
        assert (tags or None) == exiftool_read(path, exiftool_config), name
        assert found.bytes_read <= max(len(data), 1024 * 1024), name
        if name == "big-tail.pdf":  # tail first: startxref, xref stream, object stream, /Metadata
            assert found.requests <= 6 and found.bytes_read < 1024 * 1024
        checked += 1
    assert checked == len(CORPUS)  # every file the corpus names


def test_pdf_latest_revision_and_catalogue_metadata_win():
    assert packet_tags(find_packet(w.pdf_incremental(OLD, TAGS))[1], SyncArguments()) == TAGS
    assert packet_tags(find_packet(w.pdf_embedded_image_first(OLD, TAGS))[1], SyncArguments()) == TAGS
    no_metadata = w.PdfBuilder()
    for num, content in w.PAGE_OBJECTS.items():
        no_metadata.add(num, content)
    no_metadata.add(1, b"<< /Type /Catalog /Pages 2 0 R >>")
    no_metadata.xref_table(1)
    assert find_packet(no_metadata.bytes()) == ("pdf", None)


def test_read_bound_gives_a_clear_problem(simulator, client):
    resource = simulator.repo.require(f"{ASSET}/jcr:content/renditions/original/jcr:content")
    resource.set("jcr:data", w.pdf_xref_stream(TAGS, filler=200_000), "Binary")
    found = read_binary_xmp(client, ASSET, head_bytes=4096, max_bytes=2048)
    assert found.packet is None and "read bound" in found.problem
    resource.set("jcr:data", b"%PDF-1.4\n" + b"% filler\n" * 1000, "Binary")
    assert "startxref" in read_binary_xmp(client, ASSET).problem


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return w.deflate_bomb()


def _png_text_chunk(kind: bytes, keyword: bytes, body: bytes) -> bytes:
    from xmpaudit.simulator.xmp_embed import _png_chunk

    return _png_chunk(kind, keyword + b"\x00" + body)


def _bombs(bomb: bytes) -> dict[str, bytes]:
    png = w.image("PNG")
    pdf = w.PdfBuilder()
    pdf.add(4, f"<< /Type /Metadata /Subtype /XML /Filter /FlateDecode /Length {len(bomb)} >>\nstream\n".encode()
            + bomb + b"\nendstream")
    pdf.add(1, b"<< /Type /Catalog /Metadata 4 0 R >>")
    pdf.xref_table(1)
    return {
        "png iTXt": png[:33] + _png_text_chunk(b"iTXt", b"XML:com.adobe.xmp", b"\x01\x00\x00\x00" + bomb) + png[33:],
        "png zTXt raw profile": png[:33] + _png_text_chunk(b"zTXt", b"Raw profile type xmp", b"\x00" + bomb)
        + png[33:],
        "pdf FlateDecode": pdf.bytes(),
        "jpeg extended length": w.image("JPEG")[:2] + b"\xff\xe1\x00\x4dhttp://ns.adobe.com/xmp/extension/\x00"
        + b"A" * 32 + b"\xff\xff\xff\xf0\x00\x00\x00\x00" + w.image("JPEG")[2:],
        "tiff tag 700 count": w.tiff_file(b"x" * 8)[:-8],
    }


def test_decompression_bombs_stay_within_the_bound(bomb):
    assert len(bomb) < 1_100_000  # a real 1 GiB bomb (checked inflating in the writers' self-test)
    cases = _bombs(bomb)
    huge_tiff = bytearray(cases["tiff tag 700 count"])  # claim 4 GB of packet in tag 700
    index = huge_tiff.find(b"\xbc\x02\x01\x00")
    huge_tiff[index + 4 : index + 8] = b"\xf0\xff\xff\xff"
    cases["tiff tag 700 count"] = bytes(huge_tiff)
    for name, data in cases.items():
        tracemalloc.start()
        try:
            with pytest.raises(BinaryProblem, match="bound") as info:
                kind, _packet = find_packet(data)
                if kind == "jpeg":
                    jpeg_packets(MemorySource(data))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 2 * MAX_PACKET_BYTES + 8 * 1024 * 1024, (name, peak, info.value)


def test_bomb_over_http_is_a_problem_not_a_crash(simulator, client, bomb):
    resource = simulator.repo.require(f"{ASSET}/jcr:content/renditions/original/jcr:content")
    resource.set("jcr:data", _bombs(bomb)["png iTXt"], "Binary")
    found = read_binary_xmp(client, ASSET)
    assert found.packet is None and "inflates beyond" in found.problem


def test_deflate_bomb_is_real():
    import zlib

    small = w.deflate_bomb(64 * 1024 * 1024)
    assert len(zlib.decompress(small)) == 64 * 1024 * 1024


@needs_exiftool
def test_truncated_and_corrupted_files_give_a_problem_not_a_traceback(corpus_dir, exiftool_config):
    """Every corpus file cut short or with bytes flipped: the reader returns or raises BinaryProblem only."""
    import random

    randomness = random.Random(7)
    for name in CORPUS:
        if name == "big-tail.pdf":
            continue
        data = _generate(name, corpus_dir, exiftool_config).read_bytes()
        variants = [data[: len(data) * k // 8] for k in range(1, 8)]
        for _ in range(12):
            flipped = bytearray(data)
            for _ in range(4):
                flipped[randomness.randrange(len(flipped))] = randomness.randrange(256)
            variants.append(bytes(flipped))
        for variant in variants:
            try:
                _binxmp_tags(variant)
            except BinaryProblem:
                pass
            except Exception as exc:  # the parse errors audit_binaries reports as a problem are fine too
                assert type(exc).__name__ in ("ParseError", "DefusedXmlException", "EntitiesForbidden"), (name, exc)
