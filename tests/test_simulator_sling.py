"""The simulator's Sling GET/POST behaviour that xmpaudit relies on, over real HTTP."""

import json

import pytest
import requests

from tests.conftest import DEMO_ROOT
from xmpaudit.simulator import DemoSpec, Simulator, build_demo_repository

pytestmark = pytest.mark.e2e
PEOPLE = f"{DEMO_ROOT}/people"


def get(sim, path, **kw):
    return requests.get(sim.url + requests.utils.quote(path, safe="/:"), auth=("admin", "admin"), **kw)


def test_json_depths_and_resolution_with_dots(simulator, client):
    asset = f"{PEOPLE}/what?.jpg"
    zero = client.get_json(f"{asset}.json")
    assert zero["jcr:primaryType"] == "dam:Asset" and "jcr:content" not in zero
    one = client.read_tree(asset, 1)
    assert one["jcr:content"]["jcr:primaryType"] == "dam:AssetContent" and "metadata" not in one["jcr:content"]
    deep = client.read_tree(asset)
    assert deep["jcr:content"]["renditions"]["original"]["jcr:content"][":jcr:data"] > 0
    assert get(simulator, f"{asset}.tidy.2.json").status_code == 200
    assert get(simulator, f"{PEOPLE}/nope.jpg.json").status_code == 404


def test_300_lists_shallower_levels_and_depth_1_is_always_allowed(simulator):
    simulator.json_max_results = 10
    answer = get(simulator, f"{PEOPLE}.infinity.json")
    assert answer.status_code == 300
    levels = [int(u.rsplit(".", 2)[-2]) for u in answer.json()]
    assert levels == list(range(levels[0], -1, -1)) and answer.json()[0].startswith(PEOPLE + ".")
    assert get(simulator, f"{PEOPLE}.1.json").status_code == 200


def test_import_replace_and_types(simulator, client):
    content = {"jcr:primaryType": "nt:unstructured", "l": 3, "d": 1.0, "b": True, "s": "x", "m": ["a", "b"],
               "child": {"jcr:primaryType": "nt:unstructured", "z": 0.5}}
    body = client.sling_post(PEOPLE, [(":operation", "import"), (":contentType", "json"), (":name", "imp"),
                                      (":replace", "true"), (":content", json.dumps(content))])
    assert body["status.code"] == 201 and any(c["type"] == "created" for c in body["changes"])
    node = simulator.repo.require(f"{PEOPLE}/imp")
    assert {k: p.type for k, p in node.properties.items()} == {"l": "Long", "d": "Double", "b": "Boolean",
                                                              "s": "String", "m": "String"}
    assert node.properties["m"].multiple
    assert client.read_tree(f"{PEOPLE}/imp") == content
    from xmpaudit.core.errors import AemHttpError

    with pytest.raises(AemHttpError, match=r"HTTP 412.*node exists"):
        client.sling_post(PEOPLE, [(":operation", "import"), (":contentType", "json"), (":name", "imp"),
                                   (":content", "{}")])
    with pytest.raises(AemHttpError, match="Invalid JSON"):
        client.sling_post(PEOPLE, [(":operation", "import"), (":contentType", "json"), (":name", "x"),
                                   (":replace", "true"), (":content", "{nope")])


def test_modify_typehints_delete_and_relative_batch(simulator, client):
    body = client.sling_post(DEMO_ROOT, [
        ("./people/a b/x", "7"), ("./people/a b/x@TypeHint", "Long"),
        ("./landscapes/c#d/y", "0.25"), ("./landscapes/c#d/y@TypeHint", "Double"),
        ("./landscapes/c#d/jcr:primaryType", "nt:unstructured"),
        ("./people/a b/multi", "1"), ("./people/a b/multi", "2"), ("./people/a b/multi@TypeHint", "Long[]"),
        ("./people/a b/s", "plain"),
    ])
    assert body["status.code"] == 200 and body["path"] == DEMO_ROOT
    a, c = simulator.repo.require(f"{PEOPLE}/a b"), simulator.repo.require(f"{DEMO_ROOT}/landscapes/c#d")
    assert (a.properties["x"].type, a.get("x"), c.properties["y"].type, c.get("y")) == ("Long", 7, "Double", 0.25)
    assert a.get("multi") == [1, 2] and a.properties["s"].type == "String"
    # delete runs before writes: delete-and-rebuild in one request
    client.sling_post(PEOPLE, [("./a b@Delete", ""), ("./a b/fresh", "1")])
    assert list(simulator.repo.require(f"{PEOPLE}/a b").properties) == ["fresh"]
    # empty value removes a property; existing type is kept without a hint
    client.sling_post(f"{DEMO_ROOT}/landscapes/c#d", [("y", "0.75")])
    assert c.properties["y"].type == "Double" and c.get("y") == 0.75
    client.sling_post(f"{DEMO_ROOT}/landscapes/c#d", [("y", "")])
    assert "y" not in c.properties


def test_delete_operation_with_apply_to(simulator, client):
    client.sling_post(PEOPLE, [("./k1/p", "1"), ("./k2/p", "1")])
    body = client.sling_post(PEOPLE, [(":operation", "delete"), (":applyTo", "./k1"), (":applyTo", f"{PEOPLE}/k2"),
                                      (":applyTo", "./missing")])
    assert sorted(c["argument"] for c in body["changes"]) == [f"{PEOPLE}/k1", f"{PEOPLE}/k2"]
    # like Sling 11: deleting a request path that does not exist answers 200
    assert client.sling_post(f"{PEOPLE}/never", [(":operation", "delete")])["status.code"] == 200


def test_querybuilder_paging_groups_and_bad_input(simulator, client):
    base = {"path": DEMO_ROOT, "type": "dam:Asset", "orderby": "path", "p.guessTotal": "true"}
    first = client.get_json("/bin/querybuilder.json", {**base, "p.limit": "50"})
    assert (first["results"], first["more"], first["success"]) == (50, True, True)
    paths = [h["path"] for h in first["hits"]]
    assert paths == sorted(paths)
    rest = client.get_json("/bin/querybuilder.json", {**base, "p.limit": "1000", "p.offset": "50"})
    assert rest["more"] is False and rest["results"] == 70
    group = {"type": "dam:Asset", "p.hits": "full", "p.nodedepth": "0", "group.p.or": "true",
             "group.1_path": paths[0], "group.1_path.self": "true", "group.2_path": paths[3],
             "group.2_path.self": "true", "p.limit": "10"}
    assert [h["jcr:path"] for h in client.get_json("/bin/querybuilder.json", group)["hits"]] == [paths[0], paths[3]]
    selective = client.get_json("/bin/querybuilder.json", {**base, "p.limit": "1", "p.hits": "selective",
                                                           "p.properties": "jcr:path jcr:content/metadata/dc:title"})
    assert set(selective["hits"][0]) == {"jcr:path", "jcr:content/metadata/dc:title"}
    answer = get(simulator, "/bin/querybuilder.json", params={"p.limit": "ten"})
    assert answer.status_code == 400 and answer.json()["success"] is False


def test_binary_ranges(simulator):
    asset = f"{PEOPLE}/what?.jpg"
    whole = get(simulator, asset).content
    assert whole.startswith(b"\xff\xd8")
    head = get(simulator, f"{asset}/jcr:content/renditions/original", headers={"Range": "bytes=0-9"})
    assert head.status_code == 206 and head.content == whole[:10]
    assert head.headers["Content-Range"] == f"bytes 0-9/{len(whole)}"
    assert get(simulator, asset, headers={"Range": f"bytes={len(whole) + 5}-"}).status_code == 416


def test_demo_is_deterministic_and_scales():
    a = build_demo_repository(DemoSpec(assets=40, seed=3))
    b = build_demo_repository(DemoSpec(assets=40, seed=3))
    assert a.to_json(a.root, None) == b.to_json(b.root, None)
    with Simulator(build_demo_repository(DemoSpec(assets=0))) as sim:
        assert requests.get(f"{sim.url}{DEMO_ROOT}.json").status_code == 401


def test_multipart_field_names_are_read_as_commons_fileupload_reads_them():
    from xmpaudit.simulator.multipart import field_name, parse_multipart

    disposition = "Content-Disposition: form-data; "
    assert field_name(disposition + 'name="./a%22b/x"') == "./a%22b/x"  # not percent-decoded
    assert field_name(disposition + 'name="./a\\"b/x"') == './a\\"b/x'  # the backslash is kept
    assert field_name(disposition + 'name="./raw"q/x"') == './raw"q/x'  # a bare quote inside quotes survives
    assert field_name(disposition + "name*=UTF-8''.%2Fx") is None  # RFC 2231 is not read
    assert field_name(disposition + 'name="  ./t\t "') == "./t"  # String.trim()
    assert field_name("Content-Disposition: attachment; name=\"x\"") is None
    body = ('--b\r\nContent-Disposition: form-data; name="./\u00fc\U0001f600/p"\r\n\r\nv\u00e9\r\n'
            '--b\r\nContent-Disposition: form-data; name="_charset_"\r\n\r\nutf-8\r\n--b--\r\n').encode()
    assert parse_multipart("multipart/form-data; boundary=b", body) == [
        ("./\u00fc\U0001f600/p", "v\u00e9"), ("_charset_", "utf-8")]


@pytest.mark.parametrize(("name", "valid"), [
    ('a"b', True), ("a\u00a0b", True), ("a\u0085b", True), ("inner space", True), ("dam:x", True), ("😀", True),
    ("a\tb", False), ("a\nb", False), ("a\rb", False), (" lead", False), ("trail ", False), ("a\u2028b", False),
    ("a:b:c", False), (":x", False), (".", False), ("..", False), ("a|b", False), ("", False)])
def test_oak_name_rule(name, valid):
    from xmpaudit.simulator.oak_names import is_valid_name

    assert is_valid_name(name) is valid


def test_url_encoded_posts_have_no_form_limits_by_default_but_drop_parameters_past_10000(simulator, client):
    form = [(f"./big/p{i}", "v" * 150) for i in range(10_050)]
    body = client.sling_post(f"{PEOPLE}/form-limits", form)  # URL-encoded, 1.6 MB, 10,050 keys
    assert body["status.code"] == 201
    assert len(client.read_tree(f"{PEOPLE}/form-limits/big", 0)) == 10_000 + 1  # jcr:primaryType + 10,000


def test_read_tree_reads_a_node_with_more_children_than_json_maximumresults(simulator, client):
    simulator.json_max_results = 10
    node = {"jcr:primaryType": "nt:unstructured",
            **{str(i): {"jcr:primaryType": "nt:unstructured", "n": i} for i in range(1, 31)}}
    client.sling_post(PEOPLE, [(":operation", "import"), (":contentType", "json"), (":name", "many"),
                               (":content", json.dumps(node))])
    assert get(simulator, f"{PEOPLE}/many.infinity.json").json() == [f"{PEOPLE}/many.0.json"]
    assert client.read_tree(f"{PEOPLE}/many") == node
