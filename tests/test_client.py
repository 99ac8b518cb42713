"""The HTTP client against the simulator over real HTTP on 127.0.0.1."""

import socket

import pytest

from tests.conftest import DEMO_ROOT, client_for
from xmpaudit.errors import (
    AemAuthError,
    AemConnectionError,
    AemHttpError,
    AemNotFoundError,
    AemResponseError,
)

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_host_names_the_host():
    port = free_port()
    from xmpaudit.client import AemClient
    from xmpaudit.settings import ConnectionSettings

    client = AemClient(ConnectionSettings(url=f"http://127.0.0.1:{port}", retries=0, connect_timeout=2))
    with pytest.raises(AemConnectionError, match=f"Cannot reach AEM at 127.0.0.1:{port}") as info:
        client.get_json("/bin/querybuilder.json")
    assert info.value.url.endswith("/bin/querybuilder.json")


@pytest.mark.parametrize(("user", "password"), [("admin", "wrong-pw"), ("nobody", "Secret#1")])
def test_401_is_an_auth_error_with_url_and_status(simulator, user, password):
    client = client_for(simulator, user=user, password=password)
    with pytest.raises(AemAuthError, match=r"HTTP 401.*check the credentials") as info:
        client.get_json(f"{DEMO_ROOT}.1.json")
    assert info.value.status == 401 and simulator.url in info.value.url
    assert password not in str(info.value)


def test_bearer_token(simulator):
    assert client_for(simulator, user=None, password=None, token="demo-token").csrf_token()
    with pytest.raises(AemAuthError):
        client_for(simulator, user=None, password=None, token="bad").csrf_token()


def test_retries_on_503_then_succeeds(simulator, client):
    simulator.inject(status=503, times=2, method="GET", path_prefix="/bin/querybuilder")
    body = client.get_json("/bin/querybuilder.json", {"path": DEMO_ROOT, "type": "dam:Asset", "p.limit": "1"})
    assert body["success"] is True
    assert simulator.stats.by_endpoint["GET querybuilder"] == 3


def test_gives_up_after_retries_with_status(simulator, client):
    simulator.inject(status=502, times=10, method="GET")
    with pytest.raises(AemHttpError, match="HTTP 502") as info:
        client.get_json(f"{DEMO_ROOT}.json")
    assert info.value.status == 502
    assert simulator.stats.by_endpoint["GET sling"] == 3  # 1 + 2 retries


def test_workflow_start_is_not_retried_on_503(simulator, client):
    simulator.inject(status=503, times=5, method="POST", path_prefix="/etc/workflow/instances")
    with pytest.raises(AemHttpError, match="503"):
        client.post("/etc/workflow/instances", {"model": "x", "payload": "/y"}, expected=(201,))
    assert simulator.stats.by_endpoint["POST workflow"] == 1


def test_malformed_json_is_a_response_error(simulator, client):
    simulator.inject(malformed=True, method="GET", path_prefix="/bin/querybuilder")
    with pytest.raises(AemResponseError, match="not JSON"):
        client.get_json("/bin/querybuilder.json")


def test_404_and_awkward_paths(client):
    with pytest.raises(AemNotFoundError, match="404"):
        client.read_tree(f"{DEMO_ROOT}/nope.jpg", 0)
    awkward = ["people/what?.jpg", "campaign #42", "products/shoes/café ñandú.png",
               "archive/älteres Material/日本 寿司.jpg", "landscapes/team photo.jpg", "events/2025 summit/50% off.jpg"]
    for name in awkward:
        node = client.read_tree(f"{DEMO_ROOT}/{name}", 0)
        assert node["jcr:primaryType"] in ("dam:Asset", "sling:Folder"), name


def test_csrf_token_sent_and_refreshed(simulator, client):
    client.sling_post(f"{DEMO_ROOT}/people", {"./x": "1"})
    simulator.csrf_tokens.clear()  # tokens expire, e.g. after a restart
    client.sling_post(f"{DEMO_ROOT}/people", {"./x": "2"})
    assert simulator.stats.by_endpoint["GET csrf"] == 2
    assert client.read_tree(f"{DEMO_ROOT}/people", 0)["x"] == "2"


def test_post_without_csrf_is_refused(simulator):
    import requests

    response = requests.post(f"{simulator.url}{DEMO_ROOT}/people", data={"x": "1"}, auth=("admin", "admin"))
    assert response.status_code == 403


def test_read_tree_falls_back_when_sling_answers_300(simulator, client):
    folder = f"{DEMO_ROOT}/people"
    simulator.json_max_results = 100_000
    full = client.read_tree(folder)
    assert simulator.stats.by_endpoint["GET sling"] == 1
    simulator.json_max_results = 50
    import requests

    answer = requests.get(f"{simulator.url}{folder}.infinity.json", auth=("admin", "admin"))
    assert answer.status_code == 300
    assert answer.json()[-1] == f"{folder}.0.json"
    assert client.read_tree(folder) == full
    simulator.json_max_results = 100_000
    depth3 = client.read_tree(folder, 3)
    simulator.json_max_results = 20
    assert client.read_tree(folder, 3) == depth3


def test_sling_error_status_raises(client):
    with pytest.raises(AemHttpError, match=r"HTTP 500.*Invalid value abc for type Long"):
        client.sling_post(f"{DEMO_ROOT}/people", [("./x", "abc"), ("./x@TypeHint", "Long")])
