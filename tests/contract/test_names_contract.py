"""Names on the simulator and on real Sling: how Sling reads multipart field names, which names Oak accepts, and
sync + undo of assets and tags whose names hold every awkward character landing exactly in place."""

from __future__ import annotations

import uuid

import pytest

from tests.contract.test_sling_contract import import_json, raw_get
from tests.contract.test_sync_contract import asset
from xmpaudit.aem.client import AemClient
from xmpaudit.core.acs import SyncArguments, expected_xmp_node
from xmpaudit.core.jcrpath import quote_path
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import plan_sync
from xmpaudit.write.undo import plan_undo

pytestmark = pytest.mark.contract

AWKWARD_ASSETS = ['say "cheese".jpg', "100% + more & = x;y.jpg", "a%22b%0A%0D.jpg", "😀 e\u0301 \u00a0\u0085.jpg",
                  "back\\slash #hash ?q.tif", 'quote "folder" name']
AWKWARD_TAGS = ['big "smile"', "line\nbreak", "carriage\rreturn", "tab\there", "50% + 1 & a=b", "😀e\u0301"]


def raw_multipart(client: AemClient, path: str, headers_and_values: list[tuple[bytes, bytes]]) -> dict:
    """POST a multipart body written byte by byte (no client library rewrites the part headers)."""
    boundary = uuid.uuid4().hex.encode()
    body = b"".join(b"--" + boundary + b"\r\n" + head + b"\r\n\r\n" + value + b"\r\n"
                    for head, value in headers_and_values) + b"--" + boundary + b"--\r\n"
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary.decode()}", "Accept": "application/json"}
    token = client.csrf_token()
    if token:
        headers["CSRF-Token"] = token
    response = client.session.post(client.base_url + quote_path(path), data=body, headers=headers, timeout=60)
    return response.json()


def named(name: bytes, value: bytes = b"v") -> tuple[bytes, bytes]:
    return b'Content-Disposition: form-data; name="' + name + b'"', value


def test_multipart_field_names_are_read_literally(client, root):
    body = raw_multipart(client, root, [
        named(b"./pct%22x/p"), named(b'./esc\\"x/p'), named(b'./raw"x/p'), named("./ü😀/p".encode()),
        (b"Content-Disposition: form-data; name*=UTF-8''.%2Frfc2231%2Fp", b"v"), named(b"_charset_", b"utf-8")])
    assert body["status.code"] == 200
    children = {k for k, v in client.read_tree(root).items() if isinstance(v, dict)}
    # %22 is not decoded, a backslash escape is kept, a bare quote inside the quotes survives, RFC 2231 is ignored
    assert children == {"pct%22x", 'esc\\"x', 'raw"x', "ü😀"}


@pytest.mark.parametrize(("name", "printed"), [("a\tb", "a\\tb"), ("a\nb", "a\\nb"), ("a\rb", "a\\rb"),
                                              (" lead", " lead"), ("trail ", "trail "), ("a\u2028b", "a\\u2028b")])
def test_oak_refuses_names_with_whitespace_other_than_inner_spaces(client, root, name, printed):
    body = raw_multipart(client, root, [named(b":operation", b"import"), named(b":contentType", b"json"),
                                        named(b":name", name.encode()), named(b":content", b"{}"),
                                        named(b"_charset_", b"utf-8")])
    assert body["status.code"] == 500
    assert body["status.message"] == ("org.apache.sling.api.resource.PersistenceException: "
                                      f"OakName0003: Invalid name: {printed}")
    body = raw_multipart(client, root, [named(f"./{name}/p".encode()), named(b"_charset_", b"utf-8")])
    assert body["status.code"] == 500
    assert body["status.message"] == ("org.apache.sling.api.resource.PersistenceException: "
                                      "Unable to commit changes to session.")
    assert client.read_tree(root) == {"jcr:primaryType": "nt:unstructured"}


def test_oak_accepts_quotes_non_breaking_spaces_and_controls_that_are_not_whitespace(client, root):
    names = ['a"b', "a\u00a0b", "a\u0085b", "a\x7fb", "inner space"]
    for name in names:
        import_json(client, root, name, {"jcr:primaryType": "nt:unstructured"})
    assert {k for k in client.read_tree(root) if k != "jcr:primaryType"} == set(names)


def test_a_post_to_a_missing_path_lists_every_node_it_creates(client, root):
    body = client.sling_post(f"{root}/gone.jpg/jcr:content/metadata", [("./dam:x/v", "1")], multipart=True)
    created = [c["argument"] for c in body["changes"] if c["type"] == "created"]
    assert created == [f"{root}/gone.jpg", f"{root}/gone.jpg/jcr:content", f"{root}/gone.jpg/jcr:content/metadata",
                       f"{root}/gone.jpg/jcr:content/metadata/dam:x"]


@pytest.mark.parametrize("multipart", [True, False])
def test_sync_and_undo_of_awkward_asset_and_tag_names_land_in_place(backend, client, root, tmp_path, multipart):
    asset_type = "dam:Asset" if backend.name == "simulator" else "nt:unstructured"  # plain Sling has no dam types
    stale = {"jcr:primaryType": "nt:unstructured", "xmpNodeType": "xmpArray", "xmpArrayType": "rdf:Seq",
             "xmpArraySize": 1, "1": {"jcr:primaryType": "nt:unstructured", "dam:predictedTagName": "old",
                                      "dam:predictedTagConfidence": 0.1}}
    tags = [(f"t{i}", name, 0.5 + i / 100) for i, name in enumerate(AWKWARD_TAGS)]
    paths = []
    for index, name in enumerate(AWKWARD_ASSETS):
        parent = f"{root}/{name}" if index == len(AWKWARD_ASSETS) - 1 else root
        if parent != root:
            import_json(client, root, name, {"jcr:primaryType": "nt:unstructured"})
            name = 'inside "quotes".png'
        import_json(client, parent, name, asset(asset_type, tags, stale if index % 2 else None))
        paths.append(f"{parent}/{name}")
    before = raw_get(client, f"{root}.infinity.json").content

    args = SyncArguments()
    plan = plan_sync(client, paths, args)
    assert sorted(c.asset for c in plan.changes) == sorted(paths)
    journal = Journal(tmp_path / "journal.jsonl")
    result = apply_plan(client, plan, journal, show_progress=False, multipart=multipart)
    assert result.ok and set(result.outcomes["outcome"]) == {"applied"}, result.outcomes.to_dict("records")
    assert not result.outcomes["repaired"].any()  # written in place the first time, not repaired afterwards
    expected = expected_xmp_node([(name, conf) for _, name, conf in tags], args)
    for path in paths:
        metadata = client.read_tree(f"{path}/jcr:content/metadata")
        assert metadata["dam:predictedTags"] == expected
        assert not [k for k in metadata if k.startswith("xmpaudit-backup-")]
    tree = client.read_tree(root)
    assert {k for k, v in tree.items() if isinstance(v, dict)} == set(AWKWARD_ASSETS[:-1]) | {AWKWARD_ASSETS[-1]}

    undo = plan_undo(client, journal)
    assert len(undo) == len(paths)
    assert apply_plan(client, undo, journal, show_progress=False, multipart=multipart).ok
    assert raw_get(client, f"{root}.infinity.json").content == before  # byte for byte
