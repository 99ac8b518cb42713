"""Connection settings from arguments, environment variables or a profile file; secrets never printed."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

import tomllib

from .errors import ConfigError

ENV_PREFIX = "XMPAUDIT_"
DEFAULT_PROFILES_FILE = Path("~/.config/xmpaudit/profiles.toml")
SECRET_FIELDS = frozenset({"password", "token"})


def _mask(value: str | None) -> str | None:
    return None if value is None else "***"


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
        parts = urlsplit(self.url or "")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"AEM URL must look like https://author.example.com, got {self.url!r}")
        object.__setattr__(self, "url", self.url.rstrip("/"))
        if self.password is not None and not self.user:
            raise ConfigError("A password was given without a user name")
        for name in ("timeout", "connect_timeout"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive, got {getattr(self, name)!r}")
        if self.retries < 0:
            raise ConfigError(f"retries must be >= 0, got {self.retries!r}")

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


def _coerce(name: str, value: object) -> object:
    target = {f.name: f for f in fields(ConnectionSettings)}[name]
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
        raise ConfigError(f"Setting {name} has a bad value {value!r}: {exc}") from None
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
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"Profile file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Profile file {path} is not valid TOML: {exc}") from None
    profiles = data.get("profiles", {})
    if name not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        raise ConfigError(f"No profile {name!r} in {path} (profiles: {known})")
    raw = dict(profiles[name])
    password_env = raw.pop("password_env", None)
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
    profile = profile or os.environ.get(ENV_PREFIX + "PROFILE")
    base = settings_from_profile(profile) if profile else settings_from_env()
    if base is None:
        return None
    return base.with_overrides(**{k: _coerce(k, v) for k, v in overrides.items() if v is not None})
