"""Which answers the client re-sends and which it never does, over HTTP against the simulator: a POST is re-sent
only when AEM said it did not process it (429/503), never after a gateway lost the answer (502/504) or a refusal
(401/403 beyond one CSRF refresh); Retry-After is waited for (a fake clock, not wall time)."""

from __future__ import annotations

import types

import pytest
import urllib3.util.retry

from tests.conftest import DEMO_ROOT
from xmpaudit.core.errors import AemAuthError, AemResponseError, AemUncertainOutcomeError

pytestmark = pytest.mark.e2e
FOLDER = f"{DEMO_ROOT}/people"
WRITEBACK = {"model": "/var/workflow/models/dam-xmp-writeback", "payload": DEMO_ROOT}


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every pause urllib3's retry rules take, recorded instead of slept."""
    pauses: list[float] = []
    import time

    fake = types.SimpleNamespace(sleep=pauses.append, time=time.time, monotonic=time.monotonic)
    monkeypatch.setattr(urllib3.util.retry, "time", fake)
    return pauses


@pytest.mark.parametrize("status", [429, 503])
def test_post_refused_unprocessed_is_resent_and_written_once(simulator, client, status):
    client.csrf_token()
    simulator.stats.reset()
    simulator.inject(status=status, method="POST", path_prefix=FOLDER)
    client.sling_post(FOLDER, {"./resent": "1"})
    assert simulator.stats.by_endpoint["POST sling"] == 2
    assert simulator.stats.errors[status] == 1
    assert simulator.repo.node(FOLDER).get("resent") == "1"


@pytest.mark.parametrize("status", [502, 504])
def test_post_answered_by_a_gateway_error_is_uncertain_and_never_resent(simulator, client, status):
    client.csrf_token()
    simulator.stats.reset()
    simulator.inject(status=status, method="POST", path_prefix=FOLDER)  # once: a re-send would succeed
    with pytest.raises(AemUncertainOutcomeError, match=f"HTTP {status} from a gateway.*not re-sent"):
        client.sling_post(FOLDER, {"./x": "1"})
    assert simulator.stats.by_endpoint["POST sling"] == 1


def test_get_is_retried_on_504(simulator, client):
    simulator.inject(status=504, times=2, method="GET", path_prefix=FOLDER)
    assert client.read_tree(FOLDER, 0)["jcr:primaryType"] == "sling:Folder"
    assert simulator.stats.by_endpoint["GET sling"] == 3


def test_post_refused_with_401_is_an_auth_error_and_not_resent(simulator, client):
    client.csrf_token()
    simulator.stats.reset()
    simulator.inject(status=401, method="POST", path_prefix=FOLDER)
    with pytest.raises(AemAuthError, match=r"HTTP 401.*check the credentials") as info:
        client.sling_post(FOLDER, {"./x": "1"})
    assert info.value.status == 401
    assert simulator.stats.by_endpoint["POST sling"] == 1
    assert simulator.repo.node(FOLDER).get("x") is None


def test_post_refused_with_403_is_sent_once_more_with_a_fresh_csrf_token_only(simulator, client):
    client.csrf_token()
    simulator.stats.reset()
    simulator.inject(status=403, times=5, method="POST", path_prefix=FOLDER)
    with pytest.raises(AemAuthError, match="HTTP 403"):
        client.sling_post(FOLDER, {"./x": "1"})
    assert simulator.stats.by_endpoint["POST sling"] == 2 and simulator.stats.by_endpoint["GET csrf"] == 1


def test_workflow_start_is_resent_on_429(simulator, client):
    client.csrf_token()
    simulator.stats.reset()
    simulator.inject(status=429, method="POST", path_prefix="/etc/workflow/instances")
    client.post("/etc/workflow/instances", WRITEBACK, expected=(201,))
    assert simulator.stats.by_endpoint["POST workflow"] == 2


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_retry_after_is_waited_for_before_the_resend(simulator, client, slept, method):
    client.csrf_token()
    simulator.stats.reset()
    simulator.inject(status=429, retry_after_s=7, method=method, path_prefix=FOLDER)
    simulator.inject(status=503, retry_after_s=3, method=method, path_prefix=FOLDER)
    if method == "GET":
        client.read_tree(FOLDER, 0)
    else:
        client.sling_post(FOLDER, {"./waited": "1"})
    assert slept == [7.0, 3.0]  # backoff is 0 in these tests: every pause is a Retry-After
    assert simulator.stats.by_endpoint[f"{method} sling"] == 3


@pytest.mark.parametrize("status", [429, 503])
def test_refusals_without_retry_after_are_retried_too(simulator, client, slept, status):
    client.csrf_token()
    simulator.stats.reset()
    simulator.inject(status=status, retry_after_s=None, method="GET", path_prefix=FOLDER)
    simulator.inject(status=status, retry_after_s=None, method="POST", path_prefix=FOLDER)
    client.read_tree(FOLDER, 0)
    client.sling_post(FOLDER, {"./plain": "1"})
    assert simulator.stats.by_endpoint["GET sling"] == 2 and simulator.stats.by_endpoint["POST sling"] == 2
    assert slept == []


def test_a_torn_get_is_read_again_as_often_as_retries_allow(simulator, client):
    simulator.inject(kind="torn", times=client.settings.retries + 1, method="GET", path_prefix="/bin/querybuilder")
    with pytest.raises(AemResponseError, match="cut off"):
        client.get_json("/bin/querybuilder.json", {"path": DEMO_ROOT, "type": "dam:Asset", "p.limit": "1"})
    assert simulator.stats.by_endpoint["GET querybuilder"] == client.settings.retries + 1


@pytest.mark.parametrize("multipart", [False, True], ids=["url-encoded", "multipart"])
def test_a_post_that_creates_a_node_is_accepted_with_utf8_values(simulator, client, multipart):
    body = client.sling_post(f"{FOLDER}/new node", [("./title", "café ñandú 日本"), ("./n", "1")],
                             multipart=multipart)
    assert body["status.code"] == 201 and body["isCreate"] is True
    assert client.read_tree(f"{FOLDER}/new node", 0)["title"] == "café ñandú 日本"
