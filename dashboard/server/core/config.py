"""The dashboard server's settings: one pydantic-settings class, validated at start-up."""

import logging
import os
import secrets
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from host.store.url import normalize_database_url

__all__ = ["Settings", "REPOSITORY", "SECRET_KEY_FILE_NAME"]

logger = logging.getLogger(__name__)

#: The source checkout (lessons and the built web app are found relative to it).
REPOSITORY = Path(__file__).resolve().parents[3]
SECRET_KEY_FILE_NAME = "secret_key"
_MIN_SECRET_CHARS = 32


class Settings(BaseSettings):
    """Everything the server reads from the environment (or a ``.env`` file).

    Attributes
    ----------
    DATABASE_URL : str, default ``sqlite:///build/quantum.db``
        SQLite file, or ``mysql+asyncmy://user:pw@host:3306/name`` for MySQL/MariaDB/TiDB.
    DATA_DIR : Path, default ``build``
        Where the generated secret key (and the default database) live.
    SECRET_KEY : str, default generated
        Signs login tokens. When unset, one is generated on first run and kept in
        ``DATA_DIR/secret_key`` so tokens survive a restart.
    TOKEN_MINUTES : int, default 480
        How long a login token stays valid.
    HOST, PORT : str, int, default 127.0.0.1, 8000
        Where ``quantum serve`` listens.
    WEB_DIST : Path, default ``dashboard/web/dist``
        The built web app.
    LESSONS_DIR : Path, default ``docs/lessons``
        Markdown lessons for the Learn page.
    LOGIN_FAILURES_PER_MINUTE : int, default 5
        Failed logins allowed per username and per client address before 429.
    WS_POLL_SECONDS : float, default 0.1
        How often the WebSocket feed polls the events table.
    WS_QUEUE_SIZE : int, default 1000
        Events buffered per WebSocket client; a client further behind is disconnected and
        resumes by id.
    """

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", validate_default=True)

    DATA_DIR: Path = Path("build")
    DATABASE_URL: str = ""
    SECRET_KEY: str = ""
    TOKEN_MINUTES: int = Field(default=480, ge=1, le=60 * 24 * 30)
    HOST: str = "127.0.0.1"
    PORT: int = Field(default=8000, ge=0, le=65535)
    WEB_DIST: Path = REPOSITORY / "dashboard" / "web" / "dist"
    LESSONS_DIR: Path = REPOSITORY / "docs" / "lessons"
    LOGIN_FAILURES_PER_MINUTE: int = Field(default=5, ge=1)
    WS_POLL_SECONDS: float = Field(default=0.1, gt=0, le=5)
    WS_QUEUE_SIZE: int = Field(default=1000, ge=10)

    @field_validator("DATABASE_URL")
    @classmethod
    def _normalize_url(cls, value: str, info: Any) -> str:
        if not value:
            return ""
        try:
            return normalize_database_url(value)
        except ValueError as error:
            raise ValueError(f"{error}; fix DATABASE_URL or pass --database") from None

    @field_validator("SECRET_KEY")
    @classmethod
    def _check_secret(cls, value: str) -> str:
        if value and len(value) < _MIN_SECRET_CHARS:
            raise ValueError(
                f"SECRET_KEY must be at least {_MIN_SECRET_CHARS} characters, not {len(value)}; "
                "unset it to have one generated and kept in DATA_DIR/secret_key"
            )
        return value

    @model_validator(mode="after")
    def _fill_defaults(self) -> "Settings":
        if not self.DATABASE_URL:
            self.DATABASE_URL = normalize_database_url(
                f"sqlite:///{(self.DATA_DIR / 'quantum.db').resolve()}"
            )
        return self

    def secret_key(self) -> str:
        """:attr:`SECRET_KEY`, or the one kept in ``DATA_DIR/secret_key`` (created if absent)."""
        if self.SECRET_KEY:
            return self.SECRET_KEY
        path = self.DATA_DIR / SECRET_KEY_FILE_NAME
        if path.exists():
            key = path.read_text().strip()
            if len(key) < _MIN_SECRET_CHARS:
                raise ValueError(
                    f"Secret key file must hold at least {_MIN_SECRET_CHARS} characters, "
                    f"not {len(key)}; delete {path} to have a new one generated"
                )
            self.SECRET_KEY = key
            return key
        self.DATA_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        # Created 0600 from the start: the key signs every login token.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(key + "\n")
        logger.info("generated a new secret key in %s", path)
        self.SECRET_KEY = key
        return key
