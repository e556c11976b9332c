"""``quantum user`` and the first-start admin of ``quantum serve``."""

import io
from pathlib import Path

import pytest

from dashboard.server.bootstrap import ensure_first_admin
from dashboard.server.core.security import verify_password
from host.cli import main
from host.store import Store
from host.store.models import User


def _run(argv: list[str], monkeypatch: pytest.MonkeyPatch, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["--no-banner", *argv])


async def _users(url: str) -> dict[str, User]:
    from sqlalchemy import select

    store = await Store.open(url)
    try:
        async with store.sessionmaker() as session:
            return {u.username: u for u in await session.scalars(select(User))}
    finally:
        await store.close()


def test_user_add_when_password_on_stdin_then_user_with_role(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'q.db'}"

    code = _run(
        ["user", "--database", url, "add", "olga", "--role", "operator", "--password-stdin"],
        monkeypatch,
        "a long password\n",
    )

    assert code == 0
    import asyncio

    users = asyncio.run(_users(url))
    assert users["olga"].role == "operator"
    assert verify_password("a long password", users["olga"].password_hash)


def test_user_add_when_name_taken_or_password_short_then_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'q.db'}"
    add = ["user", "--database", url, "add", "olga", "--password-stdin"]
    assert _run(add, monkeypatch, "a long password\n") == 0

    taken = _run(add, monkeypatch, "another long one\n")
    short = _run(["user", "--database", url, "add", "bob", "--password-stdin"], monkeypatch, "x\n")

    assert (taken, short) == (1, 1)
    errors = capsys.readouterr().err
    assert "Username must be unused, not 'olga'" in errors
    assert "password: String should have at least 8 characters" in errors


def test_user_add_when_no_terminal_and_no_password_stdin_then_exit_1_with_how_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # stdin is a pipe (a script, CI, a container): there is nobody to type a password
    url = f"sqlite:///{tmp_path / 'q.db'}"

    code = _run(["user", "--database", url, "add", "olga"], monkeypatch, "a long password\n")

    assert code == 1
    errors = " ".join(capsys.readouterr().err.split())
    assert "No terminal to ask for the password on: pipe it in with --password-stdin" in errors
    import asyncio

    assert "olga" not in asyncio.run(_users(url))


def test_user_role_and_passwd_when_user_exists_then_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'q.db'}"
    _run(
        ["user", "--database", url, "add", "vic", "--password-stdin"],
        monkeypatch,
        "first password\n",
    )

    role = _run(["user", "--database", url, "role", "vic", "admin"], monkeypatch)
    passwd = _run(
        ["user", "--database", url, "passwd", "vic", "--password-stdin"],
        monkeypatch,
        "second password\n",
    )
    missing = _run(["user", "--database", url, "role", "nobody", "admin"], monkeypatch)

    import asyncio

    vic = asyncio.run(_users(url))["vic"]
    assert (role, passwd, missing) == (0, 0, 1)
    assert vic.role == "admin"
    assert verify_password("second password", vic.password_hash)


async def test_first_admin_when_no_users_then_created_once_with_random_password(
    store: Store,
) -> None:
    password = await ensure_first_admin(store)
    again = await ensure_first_admin(store)

    assert password is not None and len(password) >= 16
    assert again is None
    async with store.sessionmaker() as session:
        from sqlalchemy import select

        (admin,) = list(await session.scalars(select(User)))
    assert (admin.username, admin.role) == ("admin", "admin")
    assert verify_password(password, admin.password_hash)


async def test_first_admin_when_users_exist_then_none_created(store: Store) -> None:
    from dashboard.server.crud import create_user
    from dashboard.server.models import UserCreate

    async with store.sessionmaker.begin() as session:
        await create_user(
            session=session, user_create=UserCreate(username="vic", password="x" * 10)
        )

    assert await ensure_first_admin(store) is None


def test_serve_when_settings_invalid_then_exit_2_with_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _run(["serve", "--database", "postgresql://u@h/db"], monkeypatch)

    assert code == 2
    assert "fix DATABASE_URL or pass --database" in capsys.readouterr().err
