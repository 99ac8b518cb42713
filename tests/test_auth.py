"""Dev token files and AEMaaCS service credentials (JWT signed, exchanged at a local fake IMS)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar
from urllib.parse import parse_qs

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import client_for
from xmpaudit.aem.auth import BearerAuth, ServiceCredentialsAuth, auth_for, dev_token_auth
from xmpaudit.aem.settings import ConnectionSettings
from xmpaudit.core.errors import AemAuthError, ConfigError


def test_dev_token_file(tmp_path, simulator):
    token_file = tmp_path / "dev-token.json"
    token_file.write_text(json.dumps({"ok": True, "accessToken": "demo-token", "statusCode": 200}))
    assert repr(dev_token_auth(token_file)) == "BearerAuth(token='***')"
    client = client_for(simulator, user=None, password=None, token_file=token_file)
    assert client.csrf_token()
    token_file.write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        dev_token_auth(token_file)
    token_file.write_text(json.dumps({"integration": {}}))
    with pytest.raises(ConfigError, match="no 'accessToken'"):
        dev_token_auth(token_file)
    with pytest.raises(ConfigError, match="does not exist"):
        dev_token_auth(tmp_path / "nope.json")
    with pytest.raises(ConfigError, match="empty"):
        BearerAuth("  ")


class FakeIms(BaseHTTPRequestHandler):
    public_key = None
    calls: ClassVar[list] = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()).items()}
        FakeIms.calls.append(form)
        try:
            claims = jwt.decode(form["jwt_token"], FakeIms.public_key, algorithms=["RS256"],
                                audience=f"https://{self.server.ims_host}/c/client-1")
            assert form["client_secret"] == "secret-1" and claims["iss"] == "ORG@AdobeOrg"
            assert claims["sub"] == "TECH@techacct.adobe.com"
            assert claims[f"https://{self.server.ims_host}/s/ent_aem_cloud_api"] is True
            body, status = {"access_token": "demo-token", "expires_in": 86399999}, 200
        except Exception as exc:  # report any mismatch as IMS would
            body, status = {"error": str(exc)}, 400
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def ims():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    FakeIms.public_key = key.public_key()
    FakeIms.calls = []
    server = HTTPServer(("127.0.0.1", 0), FakeIms)
    server.ims_host = f"127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    yield server, pem
    server.shutdown()


def credentials(tmp_path, ims_host, pem):
    path = tmp_path / "service.json"
    path.write_text(json.dumps({"ok": True, "integration": {
        "imsEndpoint": f"http://{ims_host}", "metascopes": "ent_aem_cloud_api",
        "technicalAccount": {"clientId": "client-1", "clientSecret": "secret-1"},
        "email": "x@techacct.adobe.com", "id": "TECH@techacct.adobe.com", "org": "ORG@AdobeOrg",
        "privateKey": pem, "publicKey": "..."}}))
    return path


def test_service_credentials_exchange(tmp_path, ims, simulator):
    server, pem = ims
    path = credentials(tmp_path, server.ims_host, pem)
    client = client_for(simulator, user=None, password=None, service_credentials_file=path)
    assert client.csrf_token()
    client.get_json("/etc/workflow/models.json")
    assert len(FakeIms.calls) == 1  # token cached
    assert "secret-1" not in repr(client.session.auth) and pem not in repr(client.session.auth)


def test_service_credentials_refused_and_malformed(tmp_path, ims):
    server, _ = ims
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    auth = ServiceCredentialsAuth(credentials(tmp_path, server.ims_host, other))
    with pytest.raises(AemAuthError, match="IMS refused the JWT exchange: HTTP 400"):
        auth.token()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"integration": {"org": "x"}}))
    with pytest.raises(ConfigError, match="lacks integration field"):
        ServiceCredentialsAuth(bad)
    broken_key = credentials(tmp_path, server.ims_host, "not a key")
    with pytest.raises(ConfigError, match="Cannot sign the JWT"):
        ServiceCredentialsAuth(broken_key).build_jwt()


def test_auth_for_none():
    assert auth_for(ConnectionSettings(url="http://x")) is None
