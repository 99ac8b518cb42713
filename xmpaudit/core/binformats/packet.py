"""XMP packets: text encoding by BOM / first bytes, safe parsing, and the smart-tag array's items."""

from __future__ import annotations

import codecs
import re
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XMP_NOTE = "http://ns.adobe.com/xmp/note/"
NAMESPACES = {
    "dam": "http://www.day.com/dam/1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
}
# (byte-order mark, first bytes of "<" without one, codec); UTF-32 before UTF-16: their BOMs share a prefix.
ENCODINGS = [
    (codecs.BOM_UTF32_BE, b"\x00\x00\x00<", "utf-32-be"),
    (codecs.BOM_UTF32_LE, b"<\x00\x00\x00", "utf-32-le"),
    (codecs.BOM_UTF16_BE, b"\x00<", "utf-16-be"),
    (codecs.BOM_UTF16_LE, b"<\x00", "utf-16-le"),
    (codecs.BOM_UTF8, b"<", "utf-8"),
]
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
PACKET_END = re.compile(r"<\?xpacket\s+end\b")

Tags = list[tuple[str, float | None]]


def packet_encoding(packet: bytes) -> str:
    """The packet's text encoding, told by its byte-order mark or by how its first "<" is encoded."""
    for candidate in (packet, packet.lstrip(b" \t\r\n")):
        for bom, _first, codec in ENCODINGS:
            if candidate.startswith(bom):
                return codec
        for _bom, first, codec in ENCODINGS:
            if candidate.startswith(first):
                return codec
    return "utf-8"


def packet_text(packet: bytes) -> str:
    """The packet decoded, without BOM, XML declaration, padding or end instruction: the text ends at the last
    ``>`` before ``<?xpacket end``, so padding of any characters is dropped, as exiftool does (the Adobe XMP
    Toolkit pads UTF-16LE packets with big-endian spaces, which decode to U+2000 and are not XML whitespace)."""
    text = packet.decode(packet_encoding(packet), errors="replace")
    text = text.strip("\ufeff \t\r\n\x00")
    end = PACKET_END.search(text)
    if end is not None:
        text = text[: end.start()]
    text = text[: text.rfind(">") + 1]
    return XML_DECLARATION.sub("", text, count=1).strip()


def parse_packet(packet: bytes) -> Element:
    """The packet's root element, parsed by defusedxml (entity expansion and external references refused)."""
    return ElementTree.fromstring(packet_text(packet))


def _qualified(name: str) -> str:
    prefix, _, local = name.partition(":")
    return f"{{{NAMESPACES.get(prefix, prefix)}}}{local}"


def _top_descriptions(root: Element) -> list[Element]:
    rdf = root if root.tag == f"{{{RDF}}}RDF" else root.find(f".//{{{RDF}}}RDF")
    return [] if rdf is None else rdf.findall(f"{{{RDF}}}Description")


def _field(item: Element, tag: str) -> str | None:
    """A struct field: attribute or element of the rdf:li itself, or of an rdf:Description inside it."""
    for holder in (item, item.find(f"{{{RDF}}}Description")):
        if holder is None:
            continue
        value = holder.get(tag)
        if value is not None:
            return value
        element = holder.find(tag)
        if element is not None:
            return element.text or ""
    return None


def _confidence(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def tags_in(root: Element, sequence: str, name_property: str, confidence_property: str) -> Tags | None:
    """The array's items in order (only the container's direct rdf:li children); None when there is no array."""
    sequence_tag, name_tag, confidence_tag = (_qualified(n) for n in (sequence, name_property, confidence_property))
    for description in _top_descriptions(root):
        array = description.find(sequence_tag)
        if array is None:
            continue
        container = next(iter(array), None)
        items = [] if container is None else container.findall(f"{{{RDF}}}li")
        return [(_field(item, name_tag) or "", _confidence(_field(item, confidence_tag))) for item in items]
    return None


def extended_guid(root: Element) -> str | None:
    """The GUID of the Extended XMP named by ``xmpNote:HasExtendedXMP`` (JPEG), if any."""
    tag = f"{{{XMP_NOTE}}}HasExtendedXMP"
    for description in _top_descriptions(root):
        value: Any = description.get(tag)
        if value is None:
            element = description.find(tag)
            value = None if element is None else element.text
        if value:
            return str(value).strip()
    return None
