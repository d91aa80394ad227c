"""Settings: the only module that reads the environment. Every setting is documented in README.md."""

from __future__ import annotations

import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

VAR_DIR = Path("var")
INSECURE_SECRETS = {"", "changeme", "change-me", "secret", "dev"}


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Read once from the environment (and `.env` if present); refuses to start wrong."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    app_env: Environment = Environment.DEVELOPMENT
    database_url: str = f"sqlite:///{VAR_DIR / 'diary.sqlite3'}"
    secret_key: str = ""
    base_url: str = "http://127.0.0.1:8000"
    default_locale: str = "en"
    sqlite_busy_timeout_ms: int = Field(default=5000, ge=0, le=60000)
    session_idle_minutes: int = Field(default=14 * 24 * 60, ge=5)
    session_max_days: int = Field(default=90, ge=1, le=365)
    login_max_failures: int = Field(default=5, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)
    log_level: str = "INFO"
    share_views_per_minute: int = Field(default=60, ge=1, le=10000)  # per client, across all of /s/
    vapid_private_key_file: Path | None = None  # generated under ./var/ outside production
    vapid_subject: str = "mailto:admin@example.invalid"
    run_worker_in_process: bool = True
    # Push services the server may POST to: host names (https implied; `*.` wildcards), or,
    # outside production only, full origins such as http://127.0.0.1:8123 (the tests' fake).
    push_allowed_hosts: str = (
        "fcm.googleapis.com,updates.push.services.mozilla.com,push.services.mozilla.com,"
        "*.push.apple.com,*.notify.windows.com"
    )
    emergency_number: str = Field(default="112", pattern=r"^[0-9+]{2,15}$")

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in ("en", "de"):
            raise ValueError("DEFAULT_LOCALE must be 'en' or 'de'")
        return value

    @model_validator(mode="after")
    def _production_needs_secrets(self) -> Settings:
        if self.app_env is Environment.PRODUCTION:
            if self.secret_key.strip().lower() in INSECURE_SECRETS or len(self.secret_key) < 32:
                raise ValueError("SECRET_KEY must be set to at least 32 random characters in production")
            if not self.base_url.startswith("https://"):
                raise ValueError("BASE_URL must be https:// in production")
            self._production_push_checks()
        return self

    def _production_push_checks(self) -> None:
        """Production needs a VAPID key file and only https push hosts."""
        if self.vapid_private_key_file is None or not self.vapid_private_key_file.is_file():
            raise ValueError("VAPID_PRIVATE_KEY_FILE must name a readable key file in production")
        if any("://" in entry for entry in self.push_allowed_entries):
            raise ValueError("PUSH_ALLOWED_HOSTS may only list https host names in production")

    @field_validator("vapid_subject")
    @classmethod
    def _vapid_subject(cls, value: str) -> str:
        if not value.startswith(("mailto:", "https://")):
            raise ValueError("VAPID_SUBJECT must be a mailto: or https:// URL")
        return value

    @property
    def push_allowed_entries(self) -> tuple[str, ...]:
        return tuple(entry.strip().lower() for entry in self.push_allowed_hosts.split(",") if entry.strip())

    def resolved_vapid_key_file(self) -> Path:
        """The configured VAPID key file, or (outside production) ./var/vapid_private_key.pem."""
        return self.vapid_private_key_file or VAR_DIR / "vapid_private_key.pem"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        """Cookies get `Secure` (and the `__Host-` prefix) whenever the site is served over https."""
        return self.base_url.startswith("https://")

    @property
    def openapi_enabled(self) -> bool:
        return self.app_env is not Environment.PRODUCTION

    def resolved_secret_key(self) -> str:
        """The configured key, or (outside production) one generated once and kept under ./var/."""
        if self.secret_key:
            return self.secret_key
        path = VAR_DIR / "secret_key"
        if not path.exists():
            VAR_DIR.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
