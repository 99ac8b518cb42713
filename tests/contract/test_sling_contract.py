"""Every Sling GET/POST behaviour xmpaudit relies on, checked on the simulator and on a real Apache Sling.

Expected values are what real Sling answers; the simulator must answer the same.
"""

from __future__ import annotations

import json

import pytest
import requests

from tests.contract.conftest import MAX_RESULTS
from xmpaudit.aem.client import AemClient
from xmpaudit.core.errors import AemHttpError, AemNotFoundError
from xmpaudit.core.jcrpath import quote_path

pytestmark = pytest.mark.contract


def raw_get(client: AemClient, path: str) -> requests.Response:
    return client.session.get(client.base_url + quote_path(path), timeout=30)


def raw_post(client: AemClient, path: str, form: list[tuple[str, str]]) -> requests.Response:
    """A POST whose status the test checks itself (CSRF token and charset as the client sends them)."""
    headers = {"Accept": "application/json"}
    token = client.csrf_token()
    if token:
        headers["CSRF-Token"] = token
    return client.session.post(client.base_url + quote_path(path), headers=headers,
                               data=[*form, ("_charset_", "utf-8")], timeout=30)


def import_json(client: AemClient, parent: str, name: str, content: dict, replace: bool = True) -> dict:
    form = [(":operation", "import"), (":contentType", "json"), (":name", name),
            (":content", json.dumps(content))]
    if replace:
        form.append((":replace", "true"))
    return client.sling_post(parent, form)


TREE = {
    "jcr:primaryType": "nt:unstructured",
    "zeta": "z", "alpha": 2, "xmpArraySize": 3, "dam:predictedTagConfidence": 1.0, "flag": True,
    "many": ["a", "b"],
    "c2": {"jcr:primaryType": "nt:unstructured", "x": 0.5, "deep": {"jcr:primaryType": "nt:unstructured", "y": 1}},
    "c1": {"jcr:primaryType": "nt:unstructured"},
}


def test_json_depths_types_and_property_order(client, root):
    import_json(client, root, "tree", TREE)
    zero = client.get_json(f"{root}/tree.json")
    assert list(zero) == ["jcr:primaryType", "dam:predictedTagConfidence", "flag", "many", "zeta", "xmpArraySize",
                          "alpha"]  # Oak's order (seen on Sling): primary type, then by Java hash code of the name
    assert zero == {k: v for k, v in TREE.items() if not isinstance(v, dict)}
    assert '"dam:predictedTagConfidence":1.0' in raw_get(client, f"{root}/tree.0.json").text.replace(" ", "")
    one = client.get_json(f"{root}/tree.1.json")
    assert list(k for k, v in one.items() if isinstance(v, dict)) == ["c2", "c1"]  # children keep their order
    assert one["c2"] == {"jcr:primaryType": "nt:unstructured", "x": 0.5}
    assert client.read_tree(f"{root}/tree") == TREE
    with pytest.raises(AemNotFoundError):
        client.get_json(f"{root}/missing.json")


def test_300_when_over_json_maximumresults(client, root):
    content = {"jcr:primaryType": "nt:unstructured"}
    for i in range(12):
        content[f"f{i}"] = {"jcr:primaryType": "nt:unstructured",
                            **{f"g{j}": {"jcr:primaryType": "nt:unstructured", "v": j} for j in range(20)}}
    import_json(client, root, "big", content)
    answer = raw_get(client, f"{root}/big.infinity.json")
    assert answer.status_code == 300
    assert answer.json() == [f"{root}/big.{level}.json" for level in (1, 0)]
    assert raw_get(client, f"{root}/big.1.json").status_code == 200
    assert raw_get(client, f"{root}/big/f0.infinity.json").status_code == 200
    assert MAX_RESULTS < 12 * 21
    assert client.read_tree(f"{root}/big") == content  # the client's fallback reads it completely


def test_import_replace_and_412(client, root):
    created = import_json(client, root, "imp", {"jcr:primaryType": "nt:unstructured", "a": 1})
    assert created["status.code"] == 201 and created["isCreate"] is True
    assert created["path"] == f"{root}/imp"
    assert {"type": "created", "argument": f"{root}/imp/a"} in created["changes"]
    with pytest.raises(AemHttpError, match="HTTP 412") as info:
        import_json(client, root, "imp", {"b": 2}, replace=False)
    assert info.value.status == 412
    answer = raw_post(client, root, [(":operation", "import"), (":contentType", "json"), (":name", "imp"),
                                     (":content", "{}")])
    body = answer.json()
    assert body["status.message"] == f"Cannot import {root}/imp: node exists" and "error" not in body
    import_json(client, root, "imp", {"jcr:primaryType": "nt:unstructured", "b": 2.5})
    assert client.get_json(f"{root}/imp.json") == {"jcr:primaryType": "nt:unstructured", "b": 2.5}


def test_modify_typehints_delete_and_empty_values(client, root):
    body = client.sling_post(root, [
        ("./n/l", "7"), ("./n/l@TypeHint", "Long"), ("./n/d", "1.0"), ("./n/d@TypeHint", "Double"),
        ("./n/b", "true"), ("./n/b@TypeHint", "Boolean"), ("./n/s", "text"),
        ("./n/m", "1"), ("./n/m", "2"), ("./n/m@TypeHint", "Long[]"), ("./n/jcr:primaryType", "nt:unstructured"),
    ])
    assert body["status.code"] == 200 and "isCreate" not in body and body["path"] == root
    node = client.get_json(f"{root}/n.json")
    assert node == {"jcr:primaryType": "nt:unstructured", "l": 7, "d": 1.0, "b": True, "s": "text", "m": [1, 2]}
    assert '"d":1.0' in raw_get(client, f"{root}/n.json").text.replace(" ", "")
    client.sling_post(f"{root}/n", [("d", "2")])  # no hint: the existing type (Double) is kept
    client.sling_post(f"{root}/n", [("s", "")])  # empty value removes the property
    node = client.get_json(f"{root}/n.json")
    assert node["d"] == 2.0 and isinstance(node["d"], float) and "s" not in node
    client.sling_post(root, [("./n@Delete", ""), ("./n/fresh", "1"), ("./n/jcr:primaryType", "nt:unstructured")])
    assert client.get_json(f"{root}/n.json") == {"jcr:primaryType": "nt:unstructured", "fresh": "1"}
    client.sling_post(root, [("./n/fresh@Delete", "")])
    assert client.get_json(f"{root}/n.json") == {"jcr:primaryType": "nt:unstructured"}
    with pytest.raises(AemHttpError, match="Invalid value abc for type Long") as info:
        client.sling_post(root, [("./n/x", "abc"), ("./n/x@TypeHint", "Long")])
    assert info.value.status == 500


def test_error_response_shape(client, root):
    answer = raw_post(client, root, [("./x", "abc"), ("./x@TypeHint", "Long")])
    body = answer.json()
    assert answer.status_code == body["status.code"] == 500
    assert body["error"] == {"class": "org.apache.sling.api.resource.PersistenceException",
                             "message": "Invalid value abc for type Long"}
    assert body["status.message"] == ("org.apache.sling.api.resource.PersistenceException: "
                                      "Invalid value abc for type Long")
    assert body["title"] == f"Error while processing {root}"


def test_delete_operation_with_apply_to(client, root):
    client.sling_post(root, [("./k1/p", "1"), ("./k2/p", "1"), ("./k3/p", "1")])
    body = client.sling_post(root, [(":operation", "delete"), (":applyTo", "./k1"), (":applyTo", f"{root}/k2"),
                                    (":applyTo", "./missing")])
    assert sorted(c["argument"] for c in body["changes"]) == [f"{root}/k1", f"{root}/k2"]
    assert list(k for k, v in client.read_tree(root, 1).items() if isinstance(v, dict)) == ["k3"]
    body = client.sling_post(f"{root}/never", [(":operation", "delete")])
    assert body["status.code"] == 200


def test_relative_batch_to_common_parent_keeps_child_order(client, root):
    names = ["a b.jpg", "ü ñ.png", "x#1.jpg"]
    for name in names:
        client.sling_post(root, [(f"./{name}/jcr:content/metadata/jcr:primaryType", "nt:unstructured"),
                                 (f"./{name}/jcr:primaryType", "nt:unstructured"),
                                 (f"./{name}/jcr:content/jcr:primaryType", "nt:unstructured")])
    form = []
    for name in names:
        node = f"./{name}/jcr:content/metadata/dam:predictedTags"
        form += [(f"{node}@Delete", ""), (f"{node}/jcr:primaryType", "nt:unstructured"),
                 (f"{node}/xmpArraySize", "12"), (f"{node}/xmpArraySize@TypeHint", "Long")]
        for i in range(1, 13):
            form += [(f"{node}/{i}/jcr:primaryType", "nt:unstructured"), (f"{node}/{i}/dam:predictedTagName", f"t{i}"),
                     (f"{node}/{i}/dam:predictedTagConfidence", "0.5"),
                     (f"{node}/{i}/dam:predictedTagConfidence@TypeHint", "Double")]
    body = client.sling_post(root, form)
    assert body["status.code"] == 200
    for name in names:
        node = client.read_tree(f"{root}/{name}/jcr:content/metadata/dam:predictedTags")
        assert [k for k, v in node.items() if isinstance(v, dict)] == [str(i) for i in range(1, 13)]
        assert node["xmpArraySize"] == 12 and node["7"]["dam:predictedTagName"] == "t7"


def test_parameters_are_iso_8859_1_without_charset(client, root):
    headers = {"Accept": "application/json"}
    if client.csrf_token():
        headers["CSRF-Token"] = client.csrf_token()
    client.session.post(client.base_url + quote_path(root), headers=headers, data={"./p": "ü"}, timeout=30)
    assert client.get_json(f"{root}.json")["p"] == "Ã¼"  # UTF-8 bytes read as ISO-8859-1
    client.sling_post(root, [("./p", "ü")])  # the client declares _charset_=utf-8
    assert client.get_json(f"{root}.json")["p"] == "ü"


def test_awkward_names_round_trip(client, root):
    for name in ["a b", "ü日本", "x#y", "q?", "50% off", "dots.in.name.jpg"]:
        client.sling_post(root, [(f"./{name}/p", name)])
        assert client.get_json(f"{root}/{name}.json")["p"] == name
        assert client.read_tree(f"{root}/{name}", 0)["p"] == name


def test_backends_answer_identically(sling_url, simulator_backend, request):
    """The same script of requests against both backends gives the same JSON answers."""
    from tests.contract.conftest import Backend

    answers = []
    for backend in (simulator_backend, Backend("sling", sling_url)):
        with backend.client() as c:
            base = f"/content/xmpaudit-contract/same {request.node.name[-6:]}"
            c.sling_post("/content/xmpaudit-contract", [("./jcr:primaryType", "nt:unstructured")])
            c.sling_post(base, [(":operation", "delete")])
            steps = [
                import_json(c, "/content/xmpaudit-contract", base.rsplit("/", 1)[1], TREE)["changes"],
                c.sling_post(base, [("./c1/v", "3"), ("./c1/v@TypeHint", "Long"), ("./c2@Delete", "")])["changes"],
                c.read_tree(base), c.get_json(f"{base}.1.json"),
            ]
            answers.append(json.dumps(steps, sort_keys=False))
    assert answers[0] == answers[1]
