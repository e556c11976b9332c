"""Test support for the dashboard server: an app per database backend, users of every role.

Import into a ``conftest.py`` together with :mod:`host.store.testing`'s fixtures.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI

from dashboard.server import Settings, create_app
from dashboard.server.core import security
from dashboard.server.core.security import create_access_token
from dashboard.server.crud import create_user
from dashboard.server.models import UserCreate
from host.store import Store

__all__ = [
    "SECRET",
    "PASSWORD",
    "Auth",
    "bearer",
    "fast_password_hashes",
    "settings",
    "app",
    "app_store",
    "client",
    "auth",
]

SECRET = "test-secret-key-that-is-long-enough-for-hs256"
PASSWORD = "correct horse battery"


@pytest.fixture
def fast_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters: the tests check behaviour, not hashing cost."""
    cheap = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    monkeypatch.setattr(security, "_hasher", cheap)
    monkeypatch.setattr(security, "_DUMMY_HASH", cheap.hash("no such user"))


@pytest.fixture
def settings(tmp_path: Path, database_url: str, fast_password_hashes: None) -> Settings:
    """Settings on the test database, with a small lessons folder and a fake built web app."""
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    (lessons / "01-gateware.md").write_text(
        "# Gateware first\n\nThe FPGA checks first: {{bench:link.order_frame_bytes}}.\n"
    )
    (lessons / "02-no-title.md").write_text("No heading here.\n")
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>app</title><div id=root></div>")
    (dist / "assets" / "app-1234.js").write_text("console.log('app')")
    (dist / "favicon.svg").write_text("<svg/>")
    return Settings(
        DATA_DIR=tmp_path / "data",
        DATABASE_URL=database_url,
        SECRET_KEY=SECRET,
        LESSONS_DIR=lessons,
        WEB_DIST=dist,
        WS_POLL_SECONDS=0.05,
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    """The app with its lifespan running (store open, feed polling)."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
def app_store(app: FastAPI) -> Store:
    """The app's own store, for seeding rows the way the engine writes them."""
    opened: Store = app.state.store
    return opened


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in-process."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@dataclass(frozen=True)
class Auth:
    """Bearer headers per role."""

    viewer: dict[str, str]
    operator: dict[str, str]
    admin: dict[str, str]

    def of(self, role: str) -> dict[str, str]:
        headers: dict[str, str] = getattr(self, role)
        return headers


def bearer(username: str, minutes: int = 5) -> dict[str, str]:
    """Authorization header with a fresh token for ``username``."""
    token, _ = create_access_token(subject=username, secret=SECRET, minutes=minutes)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def auth(app_store: Store) -> Auth:
    """Users vic (viewer), olga (operator) and ada (admin), all with :data:`PASSWORD`."""
    async with app_store.sessionmaker.begin() as session:
        for name, role in (("vic", "viewer"), ("olga", "operator"), ("ada", "admin")):
            user_create = UserCreate.model_validate(
                {"username": name, "role": role, "password": PASSWORD}
            )
            await create_user(session=session, user_create=user_create)
    return Auth(viewer=bearer("vic"), operator=bearer("olga"), admin=bearer("ada"))
