from pathlib import Path

import pytest

from xmpaudit.aem.settings import ConnectionSettings, resolve_settings, settings_from_env, settings_from_profile
from xmpaudit.core.errors import ConfigError


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


def test_credentials_in_the_url_move_into_auth_and_are_never_shown():
    settings = ConnectionSettings(url="https://librarian:s3cr%40t@author.example.com:8443/")
    assert settings.url == "https://author.example.com:8443"
    assert (settings.user, settings.password, settings.auth_kind) == ("librarian", "s3cr@t", "basic")
    assert "s3cr" not in repr(settings) + str(settings)
    explicit = ConnectionSettings(url="https://a:b@x.example.com", user="other", password="pw")
    assert (explicit.user, explicit.password, explicit.url) == ("other", "pw", "https://x.example.com")
    with pytest.raises(ConfigError) as bad:
        ConnectionSettings(url="ftp://user:hunter2@x")
    assert "hunter2" not in str(bad.value)
    with pytest.raises(ConfigError) as bad_port:
        ConnectionSettings(url="https://user:hunter2@x:99999999")
    assert "hunter2" not in str(bad_port.value)


@pytest.mark.parametrize("timeout", ["nan", "inf", "-1", "0", "-inf"])
def test_timeouts_must_be_finite_and_positive(timeout):
    with pytest.raises(ConfigError, match="timeout must be a positive, finite number"):
        settings_from_env({"XMPAUDIT_URL": "http://x", "XMPAUDIT_TIMEOUT": timeout})
    with pytest.raises(ConfigError, match="timeout"):
        ConnectionSettings(url="http://x", timeout=float(timeout))


@pytest.mark.parametrize("content", [
    'profiles = "prod"\n',
    'profiles = [1, 2]\n',
    '[profiles]\nprod = "https://x"\n',
    '[profiles.prod]\nurl = ["https://x"]\n',
    '[profiles.prod]\nurl = "https://x"\ntimeout = [1]\n',
    '[profiles.prod]\nurl = "https://x"\nretries = -3\n',
    '[profiles.prod]\nurl = "https://x"\nuser = "u"\npassword_env = 5\n',
    '[profiles.prod]\nurl = "https://x"\nbackoff = nan\n',
])
def test_bad_profile_shapes_are_one_config_error(tmp_path, content):
    path = tmp_path / "profiles.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError):
        settings_from_profile("prod", path)


def test_non_utf8_profile_file(tmp_path):
    path = tmp_path / "profiles.toml"
    path.write_bytes(b'[profiles.prod]\nurl = "https://x"\nuser = "M\xfcller"\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        settings_from_profile("prod", path)
    with pytest.raises(ConfigError, match="is a folder, not a file"):
        settings_from_profile("prod", tmp_path)


def test_cli_config_errors_are_one_line_exit_2(tmp_path, monkeypatch, capsys):
    from xmpaudit.cli.main import main

    path = tmp_path / "profiles.toml"
    path.write_bytes(b'[profiles.prod]\nurl = "https://x"\nuser = "M\xfcller"\n')
    monkeypatch.setenv("XMPAUDIT_PROFILES_FILE", str(path))
    assert main(["-q", "inventory", "--root", "/content/dam", "--profile", "prod"]) == 2
    monkeypatch.delenv("XMPAUDIT_PROFILES_FILE")
    monkeypatch.setenv("XMPAUDIT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("XMPAUDIT_TIMEOUT", "nan")
    assert main(["-q", "inventory", "--root", "/content/dam"]) == 2
    monkeypatch.setenv("XMPAUDIT_TIMEOUT", "5")
    assert main(["-q", "sync", "--root", "/content/dam", "--process-args", "x" * 100_000]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and all(line.startswith("error: ") for line in err)
    assert "not UTF-8" in err[0] and "timeout" in err[1] and "--process-args" in err[2]
