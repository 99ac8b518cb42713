"""The simulator's QueryBuilder keeps its matching nodes through Sling POST writes instead of walking again."""

import json
from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import DEMO_ROOT
from xmpaudit.core.dates import iso_text
from xmpaudit.simulator import DemoSpec, Simulator, build_demo_repository
from xmpaudit.simulator.querybuilder import run_query
from xmpaudit.simulator.sling import sling_post
from xmpaudit.simulator.xmp_embed import UnsupportedBinary

PEOPLE = f"{DEMO_ROOT}/people"
WINDOW = {"daterange.property": "jcr:content/jcr:lastModified", "daterange.lowerBound": "2026-11-01T00:00:00Z",
          "daterange.lowerOperation": ">="}
ORDERED = [  # queries sorted after matching: a write never makes them walk again, but for the group of paths
    {"type": "dam:Asset", "path": DEMO_ROOT, "orderby": "path", "p.limit": "-1"},
    {"type": "dam:Asset", "path": DEMO_ROOT, "orderby": "@jcr:content/jcr:lastModified", "p.limit": "-1"},
    {"type": "dam:Asset", "path": DEMO_ROOT, "orderby": "@jcr:created", "orderby.sort": "desc", "p.limit": "7",
     "p.offset": "3", "p.guessTotal": "true"},
    {"type": "dam:Asset", "path": DEMO_ROOT, "p.limit": "-1", **WINDOW},
    {"type": "dam:Asset", "path": DEMO_ROOT, "orderby": "path", "p.limit": "-1",
     "property": "jcr:content/metadata/dc:format", "property.value": "image/png"},
    {"type": "dam:Asset", "group.1_path": PEOPLE, "group.2_path": f"{DEMO_ROOT}/moved", "group.p.or": "true",
     "orderby": "path", "p.limit": "-1", "p.hits": "selective", "p.properties": "jcr:path jcr:created"},
]
UNORDERED = [  # document order: walked again after a write
    {"type": "dam:Asset", "path": DEMO_ROOT, "p.limit": "-1"},
    {"path": PEOPLE, "path.flat": "true", "p.limit": "-1"},
]


def _answers(repo):
    return [json.dumps(run_query(repo, dict(params)), sort_keys=True, default=str) for params in ORDERED + UNORDERED]


def _paths(repo, params):
    return [hit["path"] for hit in run_query(repo, dict(params))["hits"]]


@pytest.fixture
def repo():
    return build_demo_repository(DemoSpec(assets=40, real_images=False))


def _write(repo, path, form):
    result = sling_post(repo, path, form)
    assert result.status in (200, 201), result.to_json()


def test_writes_after_a_query_show_in_the_next_one_without_a_full_walk(repo):
    _answers(repo)
    assets = _paths(repo, ORDERED[0])
    added, deleted, moved, touched = f"{PEOPLE}/added.png", assets[0], assets[1], assets[2]
    content = {"jcr:primaryType": "dam:Asset", "jcr:created": "2026-12-01T10:00:00.000+00:00",
               "jcr:content": {"jcr:primaryType": "dam:AssetContent",
                               "jcr:lastModified": "2026-12-01T10:00:00.000+00:00",
                               "metadata": {"jcr:primaryType": "nt:unstructured", "dc:format": "image/png"}}}
    _write(repo, PEOPLE, [(":operation", "import"), (":contentType", "json"), (":name", "added.png"),
                          (":content", json.dumps(content))])
    _write(repo, deleted, [(":operation", "delete")])
    _write(repo, moved, [(":operation", "move"), (":dest", f"{DEMO_ROOT}/moved/{moved.rsplit('/', 1)[1]}")])
    _write(repo, touched, [("jcr:content/jcr:lastModified", "2031-01-01T00:00:00.000Z"),
                           ("jcr:content/jcr:lastModified@TypeHint", "Date")])
    walks = repo.full_walks
    paths = _paths(repo, ORDERED[0])
    by_modified = _paths(repo, ORDERED[1])
    assert added in paths and deleted not in paths and moved not in paths
    assert f"{DEMO_ROOT}/moved/{moved.rsplit('/', 1)[1]}" in paths and by_modified[-1] == touched
    assert added in _paths(repo, ORDERED[4]) and added in _paths(repo, ORDERED[3])
    incremental = _answers(repo)
    assert repo.full_walks == walks + len(UNORDERED) + 1  # only the group of paths and the unordered ones walked
    repo.changed()  # drop every walk: what a fresh walk of the repository answers
    assert _answers(repo) == incremental


def test_a_changed_property_filter_and_type_are_matched_again(repo):
    png = ORDERED[4]
    before = _paths(repo, png)
    asset = next(path for path in _paths(repo, ORDERED[0]) if path not in before)
    _write(repo, asset, [("jcr:content/metadata/dc:format", "image/png")])
    assert asset in _paths(repo, png)
    _write(repo, asset, [("jcr:primaryType", "sling:Folder")])
    assert asset not in _paths(repo, png) and asset not in _paths(repo, ORDERED[0])
    walks = repo.full_walks
    incremental = _answers(repo)
    repo.changed()
    assert _answers(repo) == incremental and walks > 0


FOLDERS = {"type": "sling:Folder", "path": DEMO_ROOT, "orderby": "path", "p.limit": "-1"}  # kept through writes


@pytest.mark.parametrize("operation", ["import", "move"])
def test_nodes_created_on_the_way_are_found_by_the_next_query(repo, operation):
    """An import or a move into folders that do not exist yet creates them (``Repository.ensure_node``) without
    listing them in Sling's answer; the kept walk still finds them, as a fresh walk does."""
    before = _paths(repo, FOLDERS)
    outer, inner = f"{DEMO_ROOT}/new-folder", f"{DEMO_ROOT}/new-folder/deeper"
    if operation == "import":
        _write(repo, inner, [(":operation", "import"), (":contentType", "json"), (":name", "added"),
                             (":content", json.dumps({"jcr:primaryType": "nt:unstructured"}))])
    else:
        _write(repo, _paths(repo, ORDERED[0])[0], [(":operation", "move"), (":dest", f"{inner}/moved.jpg")])
    walks = repo.full_walks
    after = _paths(repo, FOLDERS)
    assert repo.full_walks == walks  # the walk was kept, brought up to date from the paths written
    assert set(after) - set(before) == {outer, inner}
    repo.changed()  # drop every walk: what a fresh walk of the repository answers
    assert _paths(repo, FOLDERS) == after


def test_a_writeback_is_seen_by_the_next_query():
    """The simulator's XMP writeback (``Simulator.write_back``) says which properties it wrote, so the kept walks
    and cached answers of queries on them (``jcr:lastModified`` as ``read/incremental.modified_since`` asks, the
    version count) see it."""
    repo = build_demo_repository(DemoSpec(assets=12))  # real images: the writeback embeds XMP into them
    began = datetime.now(timezone.utc) - timedelta(seconds=1)
    recent = {"type": "dam:Asset", "path": DEMO_ROOT, "orderby": "path", "p.limit": "-1",
              "daterange.property": "jcr:content/jcr:lastModified", "daterange.lowerBound": iso_text(began),
              "daterange.lowerOperation": ">="}
    versioned = {"type": "dam:Asset", "path": DEMO_ROOT, "orderby": "path", "p.limit": "-1",
                 "property": "jcr:content/xmpaudit:versionCount", "property.value": "1"}
    latest_last = ORDERED[1]
    before = {name: _paths(repo, params) for name, params in (("recent", recent), ("versioned", versioned))}
    assert before["versioned"] == []
    simulator = Simulator(repo)  # not started: its writeback alone
    for asset in _paths(repo, ORDERED[0]):
        try:
            simulator.write_back(asset)
        except (LookupError, UnsupportedBinary):  # a demo asset without metadata, rendition or a readable image
            continue
        break
    else:
        pytest.fail("no demo asset could be written back")
    assert set(_paths(repo, recent)) - set(before["recent"]) == {asset}
    assert _paths(repo, versioned) == [asset] and _paths(repo, latest_last)[-1] == asset
