"""``connect()``: a client for the configured AEM, or for the user's demo DAM (``aem/demo_dam.py``) when none is
set."""

from __future__ import annotations

import logging
from typing import Any

from xmpaudit.aem.client import AemClient
from xmpaudit.aem.demo_dam import read_record, shared_demo
from xmpaudit.aem.settings import ConnectionSettings, resolve_settings
from xmpaudit.core.dates import moment_words
from xmpaudit.core.errors import AemAuthError, AemNotFoundError
from xmpaudit.core.jcrpath import validate_path

log = logging.getLogger(__name__)
DEMO_USER = ("admin", "admin")


def connect(url: str | None = None, *, profile: str | None = None, demo_if_unset: bool = True,
            **overrides: Any) -> AemClient:
    """Client for ``url`` / ``profile`` / ``XMPAUDIT_*`` settings; with none of those, the user's demo DAM (the one
    every process without settings shares, started when none runs).

    Credentials for a URL come from ``overrides`` (user, password, token, token_file, service_credentials_file).
    """
    settings = resolve_settings(url, profile=profile, **overrides)
    if settings is None:
        if not demo_if_unset:
            from xmpaudit.core.errors import ConfigError

            raise ConfigError("No AEM configured: set XMPAUDIT_URL (and credentials) or pass url=/profile=")
        dam, note = shared_demo()
        print(f"No AEM configured (XMPAUDIT_URL unset): using your demo DAM at {dam.url} "
              f"({note or 'running since ' + moment_words(dam.started_at)}; `xmpaudit demo status|stop|reset`)")
        settings = ConnectionSettings(url=dam.url, user=DEMO_USER[0], password=DEMO_USER[1])
    return AemClient(settings)


def is_demo(client: AemClient) -> bool:
    """True when ``client`` talks to the user's demo DAM."""
    dam = read_record()
    return dam is not None and client.base_url == dam.url


def check_login(client: AemClient, root: str = "/content/dam") -> None:
    """One cheap authenticated GET (the folder's own node): raises one clear error when AEM is unreachable,
    the login is refused or the folder does not exist (or is not readable for this user)."""
    validate_path(root)
    try:
        client.get_json(f"{root}.json")
    except AemAuthError as exc:
        raise AemAuthError(f"Login to {client.base_url} refused (HTTP {exc.status}): check the user and password "
                           "or token", method="GET", url=exc.url, status=exc.status) from None
    except AemNotFoundError as exc:
        raise AemNotFoundError(f"{root} does not exist on {client.base_url} or this user cannot read it",
                               method="GET", url=exc.url, status=exc.status) from None
