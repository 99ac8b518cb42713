"""The HTTP client against the simulator over real HTTP on 127.0.0.1."""

import socket

import pytest

from tests.conftest import DEMO_ROOT, client_for
from xmpaudit.core.acs import SyncArguments
from xmpaudit.core.errors import AemAuthError, AemConnectionError, AemHttpError, AemNotFoundError, AemResponseError

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_host_names_the_host():
    port = free_port()
    from xmpaudit.aem.client import AemClient
    from xmpaudit.aem.settings import ConnectionSettings

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


def test_torn_bodies_are_typed_errors(simulator, client):
    from xmpaudit.core.errors import AemUncertainOutcomeError

    simulator.inject(kind="torn", times=1, method="GET", path_prefix="/bin/querybuilder")
    body = client.get_json("/bin/querybuilder.json", {"path": DEMO_ROOT, "type": "dam:Asset", "p.limit": "1"})
    assert body["success"] is True  # a GET is simply read again
    simulator.inject(kind="torn", times=10, method="GET", path_prefix="/bin/querybuilder")
    with pytest.raises(AemResponseError, match="cut off"):
        client.get_json("/bin/querybuilder.json")
    simulator.inject(kind="torn_after", method="POST", path_prefix=f"{DEMO_ROOT}/people")
    with pytest.raises(AemUncertainOutcomeError, match=r"cut off.*not re-sent"):
        client.sling_post(f"{DEMO_ROOT}/people", {"./torn": "1"})
    assert simulator.repo.node(f"{DEMO_ROOT}/people").get("torn") == "1"  # it was applied, once


@pytest.mark.parametrize("kind", ["reset_before", "reset_after"])
def test_post_that_may_have_arrived_is_never_resent(simulator, client, kind):
    from xmpaudit.core.errors import AemUncertainOutcomeError

    client.csrf_token()
    simulator.stats.reset()
    simulator.inject(kind=kind, method="POST", path_prefix="/etc/workflow/instances")
    with pytest.raises(AemUncertainOutcomeError, match="not re-sent"):
        client.post("/etc/workflow/instances", {"model": "/var/workflow/models/dam-xmp-writeback",
                                                "payload": DEMO_ROOT}, expected=(201,))
    assert simulator.stats.by_endpoint["POST workflow"] == 1
    simulator.inject(status=502, method="POST", path_prefix=f"{DEMO_ROOT}/people")
    with pytest.raises(AemUncertainOutcomeError, match="502"):
        client.sling_post(f"{DEMO_ROOT}/people", {"./x": "1"})
    assert simulator.stats.by_endpoint["POST sling"] == 1


def test_unreachable_post_is_a_connection_error_not_uncertain(simulator):
    with client_for(simulator, url=f"http://127.0.0.1:{free_port()}", retries=0) as c:
        c._csrf_token = "t"
        with pytest.raises(AemConnectionError, match="Cannot reach"):
            c.sling_post("/content/x", {"a": "b"})


def test_password_in_url_is_never_shown_or_stored(simulator, capsys, tmp_path):
    from xmpaudit.aem.client import AemClient, require_root
    from xmpaudit.aem.settings import ConnectionSettings
    from xmpaudit.read.inventory import take_inventory

    host = simulator.url.split("://", 1)[1]
    with AemClient(ConnectionSettings(url=f"http://admin:admin@{host}", retries=0)) as c:
        snapshot = take_inventory(c, f"{DEMO_ROOT}/people", SyncArguments(), show_progress=False)
        assert snapshot.meta["source"] == simulator.url
        with pytest.raises(AemNotFoundError) as missing:
            require_root(c, f"{DEMO_ROOT}/no such folder")
        texts = [repr(c), repr(c.settings), str(missing.value), missing.value.url, str(snapshot.meta)]
    assert "does not exist" in str(missing.value)
    dead = f"http://someone:hunter2@127.0.0.1:{free_port()}"
    with AemClient(ConnectionSettings(url=dead, retries=0)) as c:
        with pytest.raises(AemConnectionError) as unreachable:
            c.get_json("/x.json")
        texts += [str(unreachable.value), unreachable.value.url, repr(c)]
    assert not any("admin@" in t or "hunter2" in t for t in texts)


def test_cli_root_that_does_not_exist_is_exit_2(simulator, monkeypatch, capsys):
    from xmpaudit.cli.main import main

    for key, value in {"XMPAUDIT_URL": simulator.url.replace("://", "://admin:admin@"),
                       "XMPAUDIT_USER": "", "XMPAUDIT_PASSWORD": ""}.items():
        monkeypatch.setenv(key, value)
    assert main(["-q", "inventory", "--root", f"{DEMO_ROOT}/typo"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: Root /content/dam/xmpaudit-demo/typo does not exist") and "admin@" not in err


def test_each_request_is_counted_once_and_the_csrf_token_fetched_once(simulator, client):
    simulator.stats.reset()
    for value in ("1", "2", "3"):
        client.sling_post(f"{DEMO_ROOT}/people", {"./counted": value})
    client.get_json(f"{DEMO_ROOT}.json")
    assert simulator.stats.by_endpoint["GET csrf"] == 1 and simulator.stats.by_endpoint["POST sling"] == 3
    assert client.request_count == 5 and client.requests_sent == {"GET": 2, "POST": 3}


def test_an_http_error_names_method_url_status_and_reason(simulator, client):
    url = f"{simulator.url}{DEMO_ROOT}/nope.json"
    with pytest.raises(AemNotFoundError) as info:
        client.get_json(f"{DEMO_ROOT}/nope.json")
    assert str(info.value).startswith(f"GET {url} failed: HTTP 404 Not Found")
