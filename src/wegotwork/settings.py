"""Runtime configuration, read from ``WEGOTWORK_*`` environment variables and an optional ``.env``.

Local defaults need nothing: SQLite and uploaded files live in the data directory, a random
signing secret is generated there once, and mail is written to the outbox and logged. Production
refuses to start without an explicit secret.
"""

from __future__ import annotations

import os
import secrets
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class ConfigError(Exception):
    """A configuration problem worth one clear line to the operator, never a traceback."""


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"
    TEST = "test"


SECRET_FILE = "secret.key"  # noqa: S105 - a file name
MIN_SECRET_LENGTH = 32


# The names one machine answers to; in development they count as one site.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})  # noqa: S104 - names, not a bind


def is_loopback(hostname: str | None) -> bool:
    """``127.0.0.1``, ``localhost`` or ``::1`` (as ``urlsplit`` gives a hostname)."""
    return hostname is not None and (
        hostname in LOOPBACK_HOSTS or f"[{hostname}]" in LOOPBACK_HOSTS
    )


def _default_data_dir() -> Path:
    return Path.cwd() / "data"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="WEGOTWORK_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    env: Environment = Environment.DEVELOPMENT
    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str = ""
    secret: str = ""
    base_url: str = "http://127.0.0.1:8000"
    trusted_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    careers_domain: str = ""

    smtp_url: str = ""
    mail_from: str = "WeGotWork <no-reply@wegotwork.localhost>"
    outbox_retry_seconds: float = Field(default=30.0, gt=0)
    outbox_retry_max_seconds: float = Field(default=1800.0, gt=0)
    outbox_lease_seconds: float = Field(default=300.0, gt=0)

    storage_url: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""

    rate_limit: bool | None = None
    rate_limit_storage: str = "memory"
    # Addresses (or networks, comma-separated; "*" for any) of the reverse proxies whose
    # X-Forwarded-For and X-Forwarded-Proto are believed: the client address they give is what
    # rate limits count and sessions record.
    forwarded_allow_ips: str = "127.0.0.1"
    # Better Auth's changeEmail.sendChangeEmailConfirmation: a verified user first confirms a
    # change of address from the current one. Off by default, as in Better Auth.
    change_email_confirm_current: bool = False

    google_client_id: str = ""
    google_client_secret: str = ""
    github_client_id: str = ""
    github_client_secret: str = ""
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_name: str = "OpenID Connect"
    oidc_provider_id: str = "oidc"

    log_level: str = "INFO"
    log_format: str = "console"
    db_pool_size: int = 10
    outbox_poll_seconds: float = 2.0
    # Seconds between flushes of the page-view counts each process keeps in memory.
    view_flush_seconds: float = Field(10.0, gt=0)
    # Seconds a request body may take to arrive in full (slow or stalled uploads answer 408).
    request_body_timeout: float = Field(60.0, gt=0)

    @field_validator("trusted_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip().rstrip("/") for part in value.split(",") if part.strip()]
        return value

    @field_validator("rate_limit", mode="before")
    @classmethod
    def _on_off(cls, value: object) -> object:
        if isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in {"on", "true", "1", "yes"}:
                return True
            if lowered in {"off", "false", "0", "no"}:
                return False
            if lowered == "":
                return None
        return value

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError("must be an absolute http(s) URL such as https://jobs.example.com")
        return value.rstrip("/")

    # Derived values -----------------------------------------------------------------------

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    @cached_property
    def all_trusted_origins(self) -> tuple[str, ...]:
        return (self.origin, *self.loopback_aliases, *self.trusted_origins)

    @property
    def loopback_aliases(self) -> tuple[str, ...]:
        """In development, 127.0.0.1 and localhost (and [::1]) on the base URL's port are one
        site: a browser opened on either name may send forms."""
        if self.env is not Environment.DEVELOPMENT:
            return ()
        parts = urlsplit(self.base_url)
        if not is_loopback(parts.hostname):
            return ()
        port = f":{parts.port}" if parts.port else ""
        origins = (f"{parts.scheme}://{name}{port}" for name in LOOPBACK_HOSTS)
        return tuple(origin for origin in origins if origin != self.origin)

    @property
    def rate_limit_enabled(self) -> bool:
        return self.rate_limit if self.rate_limit is not None else self.is_production

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'wegotwork.db'}"

    @property
    def effective_storage_url(self) -> str:
        return self.storage_url or f"file://{self.data_dir / 'files'}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    def signing_secret(self) -> str:
        """The secret that signs cookies and tokens; generated and kept in the data dir locally."""
        if self.secret:
            return self.secret
        if self.is_production:
            raise ConfigError(
                "WEGOTWORK_SECRET must be set in production "
                f"(at least {MIN_SECRET_LENGTH} random characters)"
            )
        path = self.data_dir / SECRET_FILE
        if path.exists():
            return path.read_text().strip()
        value = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(value)
        return value

    def prepare(self) -> str:
        """Check the configuration and create the data directory; return the signing secret.

        Raises ConfigError with a message fit for one line on the console.
        """
        if self.is_production and self.secret and len(self.secret) < MIN_SECRET_LENGTH:
            raise ConfigError(f"WEGOTWORK_SECRET must be at least {MIN_SECRET_LENGTH} characters")
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            probe = self.data_dir / ".write-test"
            probe.write_text("ok")
            probe.unlink()
        except OSError as exc:
            raise ConfigError(
                f"data directory {self.data_dir} is not writable: {exc.strerror or exc}"
            ) from exc
        url = self.effective_database_url
        if not url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ConfigError(
                "WEGOTWORK_DATABASE_URL must start with sqlite+aiosqlite:// or "
                f"postgresql+asyncpg:// (got {_redact(url)!r})"
            )
        storage = self.effective_storage_url
        if not storage.startswith(("file://", "s3://")):
            raise ConfigError(
                "WEGOTWORK_STORAGE_URL must be file:///path or s3://bucket/prefix "
                f"(got {storage!r})"
            )
        if self.smtp_url and urlsplit(self.smtp_url).scheme not in {"smtp", "smtps"}:
            raise ConfigError("WEGOTWORK_SMTP_URL must look like smtp://user:pass@host:587")
        return self.signing_secret()


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


def redact_url(url: str) -> str:
    """A URL fit for logs and error lines: the password replaced by stars."""
    return _redact(url)


def listen_url(host: str, port: int) -> str:
    """The URL a browser on this machine uses for a server listening on ``host:port``."""
    if host in WILDCARD_HOSTS:
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def base_url_for_listening(
    settings: Settings, host: str, port: int
) -> tuple[str | None, str | None]:
    """What ``serve --host/--port`` means for the base URL: ``(derived, warning)``.

    Without ``WEGOTWORK_BASE_URL`` the base URL is where the server listens (the default
    would otherwise point at port 8000 and every form would be refused as cross-origin). A
    configured base URL wins; when it names this machine on another port or address, the
    warning says so in one line.
    """
    here = listen_url(host, port)
    if "base_url" not in settings.model_fields_set:
        return (here if here != settings.base_url else None), None
    parts = urlsplit(settings.base_url)
    if not is_loopback(parts.hostname):
        return None, None  # a public URL in front of a proxy: nothing to compare with
    default_port = 443 if parts.scheme == "https" else 80
    same_port = (parts.port or default_port) == port
    same_host = host in WILDCARD_HOSTS or is_loopback(urlsplit(here).hostname)
    if same_port and same_host:
        return None, None
    return None, (
        f"WEGOTWORK_BASE_URL is {settings.base_url} but the server listens on {here}: "
        "links in mail point there and forms sent from another address are refused"
    )


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment; a malformed value becomes a ConfigError."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise ConfigError(f"WEGOTWORK_{field.upper()}: {first['msg']}") from exc
