"""Connection settings from arguments, environment variables or a profile file; secrets never printed."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import tomllib

from xmpaudit.aem.user_files import read_user_text
from xmpaudit.core.errors import ConfigError, UsageError

ENV_PREFIX = "XMPAUDIT_"
DEFAULT_PROFILES_FILE = Path("~/.config/xmpaudit/profiles.toml")
SECRET_FIELDS = frozenset({"password", "token"})


def _mask(value: str | None) -> str | None:
    return None if value is None else "***"


def redact_url(url: str) -> str:
    """``url`` without any ``user:password@`` part (safe to show, log or store)."""
    try:
        parts = urlsplit(str(url))
    except ValueError:
        return "<unparseable URL>"
    if "@" not in parts.netloc:
        return str(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def _credentials_in_url(url: str) -> tuple[str, str | None, str | None]:
    """(url without credentials, user, password) for a URL that may carry ``user:password@``."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None, None
    userinfo, _, host = parts.netloc.rpartition("@")
    user, colon, password = userinfo.partition(":")
    return urlunsplit(parts._replace(netloc=host)), unquote(user) or None, unquote(password) if colon else None


@dataclass(frozen=True)
class ConnectionSettings:
    """Where AEM is and how to authenticate.

    Exactly one way to authenticate is used, in this order: ``token``, ``token_file`` (AEMaaCS local
    development token JSON), ``service_credentials_file`` (AEMaaCS service credentials JSON), ``user`` and
    ``password`` (basic auth, AEM 6.5).
    """

    url: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    token_file: Path | None = None
    service_credentials_file: Path | None = None
    timeout: float = 60.0
    connect_timeout: float = 10.0
    retries: int = 4
    backoff: float = 0.5
    verify_tls: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.url, str):
            raise ConfigError(f"AEM URL must be text like https://author.example.com, got {type(self.url).__name__}")
        try:
            url, user, password = _credentials_in_url(self.url)
            parts = urlsplit(url)
            parts.port  # noqa: B018  (raises on a bad port)
        except ValueError:
            raise ConfigError(f"AEM URL {redact_url(self.url)!r} is not a valid URL") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"AEM URL must look like https://author.example.com, got {redact_url(self.url)!r}")
        object.__setattr__(self, "url", url.rstrip("/"))
        if user and (self.user is None or self.user == user):  # credentials in the URL move into the auth settings
            object.__setattr__(self, "user", user)
            if password is not None and self.password is None:
                object.__setattr__(self, "password", password)
        if self.password is not None and not self.user:
            raise ConfigError("A password was given without a user name")
        for name in ("timeout", "connect_timeout"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
                raise ConfigError(f"{name} must be a positive, finite number of seconds, got {value!r}")
        if isinstance(self.retries, bool) or not isinstance(self.retries, int) or not 0 <= self.retries <= 100:
            raise ConfigError(f"retries must be a whole number from 0 to 100, got {self.retries!r}")
        backoff = self.backoff
        if not isinstance(backoff, (int, float)) or not math.isfinite(backoff) or not 0 <= backoff <= 600:
            raise ConfigError(f"backoff must be a number of seconds from 0 to 600, got {self.backoff!r}")

    def __repr__(self) -> str:
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in SECRET_FIELDS:
                value = _mask(value)
            shown.append(f"{f.name}={value!r}")
        return f"ConnectionSettings({', '.join(shown)})"

    __str__ = __repr__

    @property
    def auth_kind(self) -> str:
        """Which authentication these settings use: token, token_file, service_credentials, basic or none."""
        if self.token:
            return "token"
        if self.token_file:
            return "token_file"
        if self.service_credentials_file:
            return "service_credentials"
        if self.user:
            return "basic"
        return "none"

    def with_overrides(self, **changes: object) -> ConnectionSettings:
        """A copy with the given fields changed (None values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


_ENV_FIELDS = {
    "URL": "url",
    "USER": "user",
    "PASSWORD": "password",
    "TOKEN": "token",
    "TOKEN_FILE": "token_file",
    "SERVICE_CREDENTIALS": "service_credentials_file",
    "TIMEOUT": "timeout",
    "RETRIES": "retries",
}


PROFILE_VARIABLE = ENV_PREFIX + "PROFILE"
PASSWORD_VARIABLE = ENV_PREFIX + "PASSWORD"


def env_variable(field_name: str) -> str:
    """The ``XMPAUDIT_*`` variable a child process (app kernel, papermill) reads a connection setting from."""
    names = {f: ENV_PREFIX + key for key, f in _ENV_FIELDS.items()}
    if field_name not in names:
        raise UsageError(f"No XMPAUDIT_* variable for the connection setting {field_name!r}")
    return names[field_name]


def _coerce(name: str, value: object) -> object:
    target = {f.name: f for f in fields(ConnectionSettings)}[name]
    if isinstance(value, (list, dict, tuple)):
        raise ConfigError(f"Setting {name} must be a single value, got a {type(value).__name__}")
    try:
        if name in ("token_file", "service_credentials_file"):
            return Path(str(value)).expanduser()
        if target.type in ("float",):
            return float(value)  # type: ignore[arg-type]
        if target.type in ("int",):
            return int(value)  # type: ignore[call-overload]
        if target.type in ("bool",):
            return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes", "on")
    except (TypeError, ValueError) as exc:
        shown = "***" if name in SECRET_FIELDS else repr(value)
        raise ConfigError(f"Setting {name} has a bad value {shown}: {exc}") from None
    return str(value)


def settings_from_env(environ: dict[str, str] | None = None) -> ConnectionSettings | None:
    """Settings from ``XMPAUDIT_*`` variables, or None when ``XMPAUDIT_URL`` is unset."""
    env = os.environ if environ is None else environ
    if not env.get(ENV_PREFIX + "URL"):
        return None
    values = {
        field_name: _coerce(field_name, env[ENV_PREFIX + key])
        for key, field_name in _ENV_FIELDS.items()
        if env.get(ENV_PREFIX + key)
    }
    return ConnectionSettings(**values)  # type: ignore[arg-type]


def settings_from_profile(name: str, profiles_file: Path | str | None = None) -> ConnectionSettings:
    """Settings from ``[profiles.<name>]`` of a TOML file; ``password_env`` names a variable holding it."""
    path = Path(profiles_file or os.environ.get(ENV_PREFIX + "PROFILES_FILE") or DEFAULT_PROFILES_FILE)
    path = path.expanduser()
    text = read_user_text(path, "Profile file")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Profile file {path} is not valid TOML: {exc}") from None
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict):
        raise ConfigError(f"Profile file {path}: 'profiles' must be a table ([profiles.<name>] sections)")
    if name in profiles and not isinstance(profiles[name], dict):
        raise ConfigError(f"Profile file {path}: profiles.{name} must be a table of settings, "
                          f"got {type(profiles[name]).__name__}")
    if name not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        raise ConfigError(f"No profile {name!r} in {path} (profiles: {known})")
    raw = dict(profiles[name])
    password_env = raw.pop("password_env", None)
    if password_env is not None and not isinstance(password_env, str):
        raise ConfigError(f"Profile {name!r} in {path}: password_env must be a variable name")
    if password_env:
        if password_env not in os.environ:
            raise ConfigError(f"Profile {name!r} reads its password from ${password_env}, which is unset")
        raw["password"] = os.environ[password_env]
    known_fields = {f.name for f in fields(ConnectionSettings)}
    unknown = sorted(set(raw) - known_fields)
    if unknown:
        raise ConfigError(f"Profile {name!r} in {path} has unknown keys: {', '.join(unknown)}")
    return ConnectionSettings(**{k: _coerce(k, v) for k, v in raw.items()})  # type: ignore[arg-type]


def resolve_settings(
    url: str | None = None, *, profile: str | None = None, **overrides: object
) -> ConnectionSettings | None:
    """Explicit URL, else a named profile (or ``XMPAUDIT_PROFILE``), else the environment; None if none."""
    if url:
        return ConnectionSettings(url=url, **{k: _coerce(k, v) for k, v in overrides.items() if v is not None})
    profile = profile or os.environ.get(PROFILE_VARIABLE)
    base = settings_from_profile(profile) if profile else settings_from_env()
    if base is None:
        return None
    return base.with_overrides(**{k: _coerce(k, v) for k, v in overrides.items() if v is not None})
