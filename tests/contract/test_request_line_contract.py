"""Request-line limits on the simulator and a real Apache Sling: an over-long GET answers 414, and fetch_assets
keeps its QueryBuilder URLs short enough to pass (issue 8, item 6)."""

from __future__ import annotations

import pytest

from tests.contract.test_sling_contract import import_json
from xmpaudit.read.path_reads import MAX_REQUEST_LINE, fetch_assets

pytestmark = pytest.mark.contract

ASSET = {"jcr:primaryType": "nt:unstructured",
         "jcr:content": {"jcr:primaryType": "nt:unstructured",
                         "metadata": {"jcr:primaryType": "nt:unstructured", "dc:title": "t"}}}


def test_a_request_line_past_16_kb_answers_414(client):
    response = client.session.get(f"{client.base_url}/bin/querybuilder.json?path=/{'x' * 17_000}", timeout=30)
    assert response.status_code == 414


def test_a_request_line_under_the_safe_limit_passes(client):
    padding = "x" * (MAX_REQUEST_LINE - 100)
    response = client.session.get(f"{client.base_url}/content.json?pad={padding}", timeout=30)
    assert response.status_code == 200


def test_fetch_assets_with_many_long_paths_stays_under_the_limit(backend, client, root):
    folder = f"{root}/{'a folder with a long name ' * 3}".rstrip()
    import_json(client, root, folder.rsplit("/", 1)[1], {"jcr:primaryType": "nt:unstructured"})
    names = [f"{'long asset name ' * 6}{i:03d}.jpg".replace(" ", "-") for i in range(120)]
    asset_type = "dam:Asset" if backend.name == "simulator" else "nt:unstructured"  # plain Sling has no dam types
    for name in names:
        import_json(client, folder, name, {**ASSET, "jcr:primaryType": asset_type})
    paths = [f"{folder}/{name}" for name in names]  # ~200 bytes each: one 200-path GET would be > 40 KB
    found = fetch_assets(client, paths)
    assert sorted(found) == sorted(paths)
    assert all(found[p]["jcr:content"]["metadata"]["dc:title"] == "t" for p in paths)
