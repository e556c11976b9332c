"""Database URLs: the accepted forms and the clear refusals."""

import pytest

from host.store.url import default_database_url, normalize_database_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///build/q.db", "sqlite+aiosqlite:///build/q.db"),
        ("sqlite+aiosqlite:////tmp/q.db", "sqlite+aiosqlite:////tmp/q.db"),
        ("mysql://root@127.0.0.1:3306/q", "mysql+asyncmy://root@127.0.0.1:3306/q?charset=utf8mb4"),
        ("mariadb://u:p@db/q", "mysql+asyncmy://u:p@db/q?charset=utf8mb4"),
        (
            "mysql+pymysql://u@tidb:4000/q?charset=utf8",
            "mysql+asyncmy://u@tidb:4000/q?charset=utf8",
        ),
    ],
)
def test_normalize_when_supported_then_async_driver(url: str, expected: str) -> None:
    assert normalize_database_url(url) == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "postgresql://u@h/q",
            r"^Database URL must be a sqlite:// or mysql:// \(MariaDB, TiDB\) URL",
        ),
        ("sqlite://", r"^SQLite database URL must name a file"),
        ("sqlite:///:memory:", r"^SQLite database URL must name a file"),
        ("mysql://root@127.0.0.1:3306", r"^MySQL database URL must name a database"),
        ("not a url", r"^Database URL must look like sqlite:///path/to/file.db"),
    ],
)
def test_normalize_when_unsupported_then_value_error(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        normalize_database_url(url)


def test_default_when_env_set_then_env_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://root@127.0.0.1/q")

    assert default_database_url() == "mysql+asyncmy://root@127.0.0.1/q?charset=utf8mb4"


def test_default_when_env_unset_then_sqlite_under_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)

    url = default_database_url()

    assert url.startswith("sqlite+aiosqlite:///") and url.endswith("/build/quantum.db")
