"""Form encodings and limits of the Sling POST servlet, measured on the simulator and real Sling: multipart/form-data
carries UTF-8 names and values; past 10,000 parameters Sling drops the rest silently (so batches stay far below)."""

from __future__ import annotations

import pytest

from xmpaudit.write.sling_params import MAX_PARAMS_PER_POST_MULTIPART

pytestmark = pytest.mark.contract


@pytest.mark.parametrize("multipart", [False, True])
def test_utf8_names_and_values(client, root, multipart):
    form = [("./älteres Material #1/日本 寿司", "café ñandú 😀"), ("./älteres Material #1/n", "1"),
            ("./älteres Material #1/n@TypeHint", "Long")]
    client.sling_post(root, form, multipart=multipart)
    assert client.read_tree(f"{root}/älteres Material #1") == {
        "jcr:primaryType": "nt:unstructured", "日本 寿司": "café ñandú 😀", "n": 1}


def test_a_full_multipart_batch_is_written_whole(client, root):
    count = MAX_PARAMS_PER_POST_MULTIPART
    form = [(f"./n{i // 100}/p{i}", f"v{i}") for i in range(count)]
    client.sling_post(root, form, multipart=True)
    tree = client.read_tree(root)
    assert sum(len(node) - 1 for key, node in tree.items() if isinstance(node, dict)) == count


def test_parameters_past_ten_thousand_are_dropped_silently(client, root):
    form = [(f"./n{i // 100}/p{i}", "v") for i in range(10_050)]
    body = client.sling_post(root, form, multipart=True)
    assert body["status.code"] in (200, 201)  # no error ...
    tree = client.read_tree(root)
    written = sum(len(node) - 1 for key, node in tree.items() if isinstance(node, dict))
    assert written < 10_050  # ... but not everything was written


def test_thousands_of_apply_to_paths_in_one_multipart_delete(client, root):
    form = [(f"./n{i // 100}/c{i}/x", "1") for i in range(3000)]
    client.sling_post(root, form, multipart=True)
    targets = [f"{root}/n{i // 100}/c{i}" for i in range(3000)] + [f"{root}/missing"]
    body = client.sling_post(root, [(":operation", "delete")] + [(":applyTo", t) for t in targets], multipart=True)
    assert len([c for c in body["changes"] if c["type"] == "deleted"]) == 3000
    assert all(len(node) == 1 for node in client.read_tree(root).values() if isinstance(node, dict))
