"""The notebook session's login check behaves the same on the simulator and on real Sling: OK with the right
password, one clear 401 error with a wrong one, a clear not-found for a missing folder."""

import pytest

from xmpaudit.aem.client import AemClient
from xmpaudit.aem.connection import check_login
from xmpaudit.aem.settings import ConnectionSettings
from xmpaudit.core.errors import AemAuthError, AemNotFoundError


def test_login_check(backend, client, root):
    check_login(client, root)
    wrong = AemClient(ConnectionSettings(url=backend.url, user="admin", password="wrong", retries=1, backoff=0))
    with pytest.raises(AemAuthError, match=r"refused \(HTTP 401\): check the user and password"):
        check_login(wrong, root)
    with pytest.raises(AemNotFoundError, match="does not exist on"):
        check_login(client, root + "-missing")
