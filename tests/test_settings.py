from pathlib import Path

import pytest

from xmpaudit.errors import ConfigError
from xmpaudit.settings import ConnectionSettings, resolve_settings, settings_from_env, settings_from_profile


def test_repr_masks_secrets():
    settings = ConnectionSettings(url="https://author.example.com/", user="librarian", password="s3cret!")
    text = repr(settings) + str(settings)
    assert "s3cret!" not in text
    assert "password='***'" in text
    assert settings.url == "https://author.example.com"
    token = ConnectionSettings(url="https://a.example.com", token="eyJ.secret.token")
    assert "eyJ.secret.token" not in repr(token)
    assert token.auth_kind == "token"


@pytest.mark.parametrize("url", ["", "author.example.com", "ftp://x", "http://"])
def test_bad_url_is_rejected(url):
    with pytest.raises(ConfigError, match="AEM URL"):
        ConnectionSettings(url=url)


def test_password_without_user_and_bad_numbers():
    with pytest.raises(ConfigError, match="without a user"):
        ConnectionSettings(url="http://x", password="p")
    with pytest.raises(ConfigError, match="timeout"):
        ConnectionSettings(url="http://x", timeout=0)


def test_from_env():
    env = {"XMPAUDIT_URL": "http://localhost:4502", "XMPAUDIT_USER": "admin", "XMPAUDIT_PASSWORD": "pw",
           "XMPAUDIT_TIMEOUT": "12.5", "XMPAUDIT_RETRIES": "1"}
    settings = settings_from_env(env)
    assert settings is not None
    assert (settings.user, settings.password, settings.timeout, settings.retries) == ("admin", "pw", 12.5, 1)
    assert settings.auth_kind == "basic"
    assert settings_from_env({}) is None
    with pytest.raises(ConfigError, match=r"TIMEOUT|timeout"):
        settings_from_env({"XMPAUDIT_URL": "http://x", "XMPAUDIT_TIMEOUT": "soon"})


def test_profiles(tmp_path: Path, monkeypatch):
    profiles = tmp_path / "profiles.toml"
    profiles.write_text(
        '[profiles.prod]\nurl = "https://author-p1-e2.adobeaemcloud.com"\ntoken_file = "~/dev-token.json"\n'
        '[profiles.stage]\nurl = "https://stage.example.com"\nuser = "svc"\npassword_env = "STAGE_PW"\n'
        '[profiles.typo]\nurl = "https://x.example.com"\npasword = "oops"\n',
        encoding="utf-8",
    )
    prod = settings_from_profile("prod", profiles)
    assert prod.auth_kind == "token_file" and prod.token_file == Path("~/dev-token.json").expanduser()
    with pytest.raises(ConfigError, match=r"\$STAGE_PW"):
        settings_from_profile("stage", profiles)
    monkeypatch.setenv("STAGE_PW", "from-env")
    assert settings_from_profile("stage", profiles).password == "from-env"
    with pytest.raises(ConfigError, match="unknown keys: pasword"):
        settings_from_profile("typo", profiles)
    with pytest.raises(ConfigError, match=r"No profile 'nope'.*prod, stage, typo"):
        settings_from_profile("nope", profiles)
    with pytest.raises(ConfigError, match="does not exist"):
        settings_from_profile("prod", tmp_path / "missing.toml")
    monkeypatch.setenv("XMPAUDIT_PROFILES_FILE", str(profiles))
    monkeypatch.delenv("XMPAUDIT_URL", raising=False)
    assert resolve_settings(profile="prod", timeout="5").timeout == 5.0
    assert resolve_settings("http://explicit:1", user="u", password="p").user == "u"
