"""A sync's POSTs stay inside the batch caps Sling needs (multipart: 9,000 parameters — past 10,000 Sling drops the
rest and still answers 200 — and 2 MB a body; URL-encoded: 900 and 150 KB, below Jetty's form limits), measured on the
wire, and every node is written whole by its batch (none needs
the repair step) — over HTTP against the simulator, which drops parameters past 10,000 as Sling does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.conftest import client_for
from xmpaudit.core.acs import SyncArguments
from xmpaudit.simulator import Repository, Simulator
from xmpaudit.simulator.bulk_dam import BASE_TIME, add_asset, metadata_node
from xmpaudit.write.apply import apply_plan
from xmpaudit.write.journal import Journal
from xmpaudit.write.plan import plan_sync
from xmpaudit.write.write_routes import (
    MAX_BODY_BYTES,
    MAX_BODY_BYTES_MULTIPART,
    MAX_PARAMS_PER_POST,
    MAX_PARAMS_PER_POST_MULTIPART,
)

pytestmark = pytest.mark.e2e
FOLDER = "/content/dam/caps"


def served(assets: int, tags: int, name_length: int) -> Simulator:
    """``assets`` assets in one folder, each with ``tags`` smart tags of ``name_length`` characters and no XMP node."""
    repo = Repository()
    folder = repo.ensure_node(FOLDER, "sling:Folder")
    for i in range(assets):
        names = [f"t{i}-{j}-".ljust(name_length, "x") for j in range(tags)]
        node = metadata_node([(n, 0.5) for n in names], args=SyncArguments(), with_xmp=False)
        add_asset(folder, f"a{i:04d}.jpg", BASE_TIME, node)
    repo.changed()
    return Simulator(repo)


def wire_posts(session: requests.Session) -> list[tuple[int, int]]:
    """(form fields, body bytes) of every guarded write (a POST carrying @MoveFrom) ``session`` sends from now on."""
    seen: list[tuple[int, int]] = []

    def record(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        request = response.request
        body = request.body.encode() if isinstance(request.body, str) else request.body or b""
        if request.method != "POST" or b"MoveFrom" not in body:
            return
        if request.headers["Content-Type"].startswith("multipart/"):
            seen.append((body.count(b"Content-Disposition: form-data"), len(body)))
        else:
            seen.append((body.count(b"&") + 1, len(body)))

    session.hooks["response"].append(record)
    return seen


@pytest.fixture(params=[(120, 30, 8), (100, 20, 1500)], ids=["many parameters", "many bytes"])
def sim(request: pytest.FixtureRequest) -> Iterator[Simulator]:
    with served(*request.param) as simulator:
        yield simulator


@pytest.mark.parametrize("multipart", [True, False], ids=["multipart", "url-encoded"])
def test_every_batch_stays_inside_the_caps_and_is_written_whole(sim, tmp_path, multipart):
    max_params, max_bytes = (MAX_PARAMS_PER_POST_MULTIPART, MAX_BODY_BYTES_MULTIPART) if multipart else (
        MAX_PARAMS_PER_POST, MAX_BODY_BYTES)
    with client_for(sim) as client:
        plan = plan_sync(client, [f"{FOLDER}/a{i:04d}.jpg" for i in range(len(sim.repo.require(FOLDER).children))],
                         SyncArguments())
        sent = wire_posts(client.session)
        result = apply_plan(client, plan, Journal(tmp_path / "j.jsonl"), multipart=multipart, show_progress=False)
        assert all(fields <= max_params for fields, _ in sent), sent
        assert all(size <= max_bytes for _, size in sent), sent
        assert len(sent) >= 2, "the plan fits one POST: the caps are not exercised"
        assert result.ok and set(result.outcomes["outcome"]) == {"applied"}
        assert result.outcomes["verified"].sum() == len(plan) and not result.outcomes["repaired"].any()
        assert all(client.read_tree(c.node_path) == c.after for c in plan.changes)
