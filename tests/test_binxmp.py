"""Binary XMP: the packet reader against exiftool, range widening, unsafe XML, and the binary statuses."""

import io
import json
import shutil
import struct
import subprocess

import pytest
from PIL import Image

from tests.conftest import DEMO_ROOT
from tests.xmp_writers import simulator_packet
from xmpaudit.audit.binaries import audit_binaries, with_binary_status
from xmpaudit.audit.compare import audit
from xmpaudit.core.acs import SyncArguments
from xmpaudit.read.binxmp import find_packet, packet_tags, read_binary_xmp
from xmpaudit.read.inventory import take_inventory
from xmpaudit.simulator.xmp_embed import embed_packet
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import plan_sync
from xmpaudit.write.writeback import run_writeback

TAGS = [("sky", 0.91), ("tree", 1.0), ("café ñ", 0.5)]
exiftool = pytest.mark.skipif(
    shutil.which("exiftool") is None,
    reason="exiftool not installed (Debian libimage-exiftool-perl; ./dev.sh test installs it)")


packet_with = simulator_packet  # the packet the simulator's writeback embeds


def image(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 200, 30)).save(buffer, format=kind)
    return buffer.getvalue()


def exiftool_tags(path) -> list[tuple[str, float]]:
    out = subprocess.run(["exiftool", "-j", "-struct", "-XMP-dam:PredictedTags", str(path)], capture_output=True,
                         text=True, check=True).stdout
    items = json.loads(out)[0].get("PredictedTags", [])
    return [(str(i["PredictedTagName"]), float(i["PredictedTagConfidence"])) for i in items]


def with_exiftool_xmp(kind: str, base: bytes, tmp_path) -> bytes:
    """A file of ``kind`` whose XMP packet exiftool itself wrote."""
    source, target, packet = tmp_path / f"in.{kind}", tmp_path / f"out.{kind}", tmp_path / "p.xmp"
    source.write_bytes(base)
    packet.write_bytes(packet_with(TAGS))
    subprocess.run(["exiftool", "-q", "-o", str(target), f"-xmp<={packet}", str(source)], check=True)
    return target.read_bytes()


@exiftool
@pytest.mark.parametrize("kind", ["jpeg", "png", "tiff", "pdf"])
def test_reader_agrees_with_exiftool(kind, tmp_path):
    if kind in ("jpeg", "png"):
        data = embed_packet(image(kind.upper()), packet_with(TAGS))  # as the simulator's writeback does
    elif kind == "tiff":
        data = with_exiftool_xmp("tiff", image("TIFF"), tmp_path)
    else:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        buffer = io.BytesIO()
        plt.figure().savefig(buffer, format="pdf")
        data = with_exiftool_xmp("pdf", buffer.getvalue(), tmp_path)
    (tmp_path / f"check.{kind}").write_bytes(data)
    found_kind, packet = find_packet(data, complete=True)
    assert found_kind == kind and packet is not None
    assert packet_tags(packet, SyncArguments()) == exiftool_tags(tmp_path / f"check.{kind}") == TAGS


def test_range_reads_widen_only_as_needed(client):
    asset = f"{DEMO_ROOT}/people/what?.jpg"
    run_writeback(client, [asset], args=SyncArguments(), poll_interval=0.02, show_progress=False)
    whole = client.request("GET", asset).content
    small = read_binary_xmp(client, asset, head_bytes=64)
    assert small.requests >= 2 and small.packet is not None
    assert small.bytes_read < len(whole)
    default = read_binary_xmp(client, asset)
    assert default.requests == 1 and default.packet == small.packet


def test_jpeg_with_large_segments_before_xmp():
    """The marker walk jumps over large segments: only segment headers and the XMP segment are read."""
    from xmpaudit.core.binformats.jpeg import jpeg_packets
    from xmpaudit.core.binformats.source import RangeSource

    jpeg = image("JPEG")
    big = b"\xff\xe2" + struct.pack(">H", 60002) + b"\x00" * 60000
    data = embed_packet(jpeg[:2] + big * 8 + jpeg[2:], packet_with(TAGS))
    source = RangeSource(lambda start, end: (data[start:end], len(data), False), block=1024)
    main, extended = jpeg_packets(source)
    assert packet_tags(main, SyncArguments()) == TAGS and extended is None
    assert source.bytes_read < len(data) // 4


def test_unsafe_and_odd_packets():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
            b"<x>&lol2;</x>")
    from defusedxml.common import DefusedXmlException

    with pytest.raises(DefusedXmlException):
        packet_tags(bomb, SyncArguments())
    assert packet_tags(packet_with([]), SyncArguments()) == []
    no_array = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
                b'<rdf:Description rdf:about=""/></rdf:RDF></x:xmpmeta>')
    assert packet_tags(no_array, SyncArguments()) is None
    nested = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
              b'<rdf:Description rdf:about="" xmlns:dam="http://www.day.com/dam/1.0"><dam:predictedTags><rdf:Seq>'
              b'<rdf:li><rdf:Description dam:predictedTagName="dog" dam:predictedTagConfidence="0.25"/></rdf:li>'
              b"</rdf:Seq></dam:predictedTags></rdf:Description></rdf:RDF></x:xmpmeta>")
    assert packet_tags(nested, SyncArguments()) == [("dog", 0.25)]
    assert find_packet(b"GIF89a....", complete=True) == ("unsupported", None)


@pytest.mark.e2e
def test_binary_statuses_after_sync_and_writeback(simulator, client, tmp_path):
    result = audit(take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False))
    missing = result.assets[(result.assets["status"] == "missing_xmp")]["path"].tolist()[:4]
    assert apply_plan(client, plan_sync(client, missing, SyncArguments()), Journal(tmp_path / "j.jsonl"),
                      show_progress=False).ok
    run_writeback(client, missing[:2], args=SyncArguments(), poll_interval=0.02, show_progress=False)
    snapshot = take_inventory(client, DEMO_ROOT, SyncArguments(), show_progress=False)
    fresh = audit(snapshot)
    simulator.stats.reset()
    binary, tags = audit_binaries(client, fresh.assets["path"], SyncArguments(), show_progress=False)
    assert simulator.stats.by_endpoint["GET sling"] == len(fresh.assets)  # one range request per asset
    refined = with_binary_status(fresh, binary, tags).assets.set_index("path")
    assert set(refined.loc[missing[:2], "status"]) == {"written_back"}
    assert set(refined.loc[missing[2:], "status"]) == {"not_written_back"}
    assert refined.loc[missing[2], "reason"] == "binary has no XMP packet"
    unsupported = binary.loc[binary["format"] == "unsupported", "asset"].iloc[0]
    assert "cannot carry embedded XMP" in binary.set_index("asset").loc[unsupported, "problem"]
    assert "in_sync" not in set(refined["status"].astype(str))
