"""Authentication for AEM 6.5 (basic) and AEMaaCS (bearer, dev token JSON, service credentials JWT exchange)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import requests
from requests.auth import AuthBase, HTTPBasicAuth

from xmpaudit.aem.settings import ConnectionSettings
from xmpaudit.aem.user_files import read_user_text
from xmpaudit.core.errors import AemAuthError, AemConnectionError, ConfigError

JWT_LIFETIME_S = 60 * 60
TOKEN_REFRESH_MARGIN_S = 120


class BearerAuth(AuthBase):
    """Sends ``Authorization: Bearer <token>``; the token is never shown in repr."""

    def __init__(self, token: str) -> None:
        if not token or not token.strip():
            raise ConfigError("Bearer token is empty")
        self._token = token.strip()

    def token(self) -> str:
        return self._token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        return request

    def __repr__(self) -> str:
        return f"{type(self).__name__}(token='***')"


class MaskedBasicAuth(HTTPBasicAuth):
    """HTTP basic auth whose repr hides the password."""

    def __repr__(self) -> str:
        return f"MaskedBasicAuth(user={self.username!r}, password='***')"


def _read_json(path: Path, what: str) -> dict[str, Any]:
    text = read_user_text(path, f"{what} file")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{what} file {path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{what} file {path} must hold a JSON object")
    return data


def dev_token_auth(path: Path) -> BearerAuth:
    """AEMaaCS 'local development token' JSON (Developer Console): uses its ``accessToken``."""
    data = _read_json(path, "Development token")
    token = data.get("accessToken")
    if not isinstance(token, str) or not token:
        raise ConfigError(f"Development token file {path} has no 'accessToken'")
    return BearerAuth(token)


class ServiceCredentialsAuth(BearerAuth):
    """AEMaaCS service credentials: signs an RS256 JWT, exchanges it at IMS, refreshes before expiry."""

    def __init__(self, path: Path, *, timeout: float = 30.0) -> None:
        data = _read_json(path, "Service credentials")
        try:
            account = data["integration"]["technicalAccount"]
            integration = data["integration"]
            self.client_id: str = account["clientId"]
            self._client_secret: str = account["clientSecret"]
            self.org: str = integration["org"]
            self.account_id: str = integration["id"]
            self._private_key: str = integration["privateKey"]
            self.ims_endpoint: str = integration["imsEndpoint"]
            metascopes = integration["metascopes"]
        except (KeyError, TypeError) as exc:
            raise ConfigError(f"Service credentials file {path} lacks integration field {exc}") from None
        self.metascopes = [s.strip() for s in str(metascopes).split(",") if s.strip()]
        self._timeout = timeout
        self._lock = threading.Lock()
        self._access_token: str | None = None
        self._expires_at = 0.0

    @property
    def ims_base(self) -> str:
        """IMS base URL; the endpoint may carry its own scheme (used by tests), else https."""
        endpoint = self.ims_endpoint.rstrip("/")
        return endpoint if "://" in endpoint else f"https://{endpoint}"

    def build_jwt(self, now: float | None = None) -> str:
        """The signed JWT that IMS expects for the technical account."""
        import jwt

        issued = int(now if now is not None else time.time())
        host = self.ims_endpoint.split("://")[-1].rstrip("/")
        claims: dict[str, Any] = {
            "iss": self.org,
            "sub": self.account_id,
            "aud": f"https://{host}/c/{self.client_id}",
            "exp": issued + JWT_LIFETIME_S,
        }
        for scope in self.metascopes:
            claims[f"https://{host}/s/{scope}"] = True
        try:
            return jwt.encode(claims, self._private_key, algorithm="RS256")
        except Exception as exc:  # cryptography raises several types for a bad key
            raise ConfigError(f"Cannot sign the JWT with the service credentials' private key: {exc}") from None

    def _exchange(self) -> None:
        url = f"{self.ims_base}/ims/exchange/jwt"
        try:
            response = requests.post(
                url,
                data={
                    "client_id": self.client_id,
                    "client_secret": self._client_secret,
                    "jwt_token": self.build_jwt(),
                },
                timeout=self._timeout,
            )
        except requests.RequestException as exc:
            raise AemConnectionError(f"Cannot reach IMS at {url}: {exc}", method="POST", url=url) from None
        if response.status_code != 200:
            raise AemAuthError(
                f"IMS refused the JWT exchange: HTTP {response.status_code} from POST {url}",
                method="POST",
                url=url,
                status=response.status_code,
            )
        try:
            body = response.json()
            self._access_token = body["access_token"]
            expires_in_s = float(body.get("expires_in", 86_400_000)) / 1000.0
        except (ValueError, KeyError, TypeError):
            raise AemAuthError(
                f"IMS answered POST {url} without an access_token", method="POST", url=url, status=200
            ) from None
        self._expires_at = time.time() + expires_in_s

    def token(self) -> str:
        with self._lock:
            if self._access_token is None or time.time() > self._expires_at - TOKEN_REFRESH_MARGIN_S:
                self._exchange()
            assert self._access_token is not None
            return self._access_token


def auth_for(settings: ConnectionSettings) -> AuthBase | None:
    """The requests auth object for these settings (None when no credentials are configured)."""
    kind = settings.auth_kind
    if kind == "token":
        return BearerAuth(settings.token or "")
    if kind == "token_file":
        assert settings.token_file is not None
        return dev_token_auth(settings.token_file)
    if kind == "service_credentials":
        assert settings.service_credentials_file is not None
        return ServiceCredentialsAuth(settings.service_credentials_file, timeout=settings.timeout)
    if kind == "basic":
        return MaskedBasicAuth(settings.user or "", settings.password or "")
    return None
