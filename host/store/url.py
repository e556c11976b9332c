"""Where the database lives: the default SQLite file and the accepted URL forms."""

import os
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

__all__ = ["default_database_url", "normalize_database_url", "DEFAULT_DATABASE_FILE"]

#: The default database file, relative to the working directory (the repository in `make run`).
DEFAULT_DATABASE_FILE = Path("build") / "quantum.db"


def default_database_url() -> str:
    """``$DATABASE_URL`` if set, else the SQLite file :data:`DEFAULT_DATABASE_FILE`."""
    env = os.environ.get("DATABASE_URL")
    if env:
        return normalize_database_url(env)
    return f"sqlite+aiosqlite:///{DEFAULT_DATABASE_FILE.resolve()}"


def normalize_database_url(url: str) -> str:
    """The async-driver form of a SQLite or MySQL/MariaDB/TiDB URL.

    ``sqlite:///file.db`` becomes ``sqlite+aiosqlite:///file.db``; ``mysql://``,
    ``mariadb://`` and ``mysql+pymysql://`` become ``mysql+asyncmy://`` with ``utf8mb4``.

    Raises
    ------
    ValueError
        If ``url`` is not a URL of a supported database.
    """
    if not isinstance(url, str):
        raise TypeError(f"Database URL must be a string, not {url!r}")
    try:
        parsed: URL = make_url(url)
    except ArgumentError:
        raise ValueError(
            "Database URL must look like sqlite:///path/to/file.db or "
            f"mysql+asyncmy://user:password@host:3306/name, not {url!r}"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise ValueError(
                "SQLite database URL must name a file (the engine and the dashboard share it), "
                f"not {url!r}"
            )
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if backend in ("mysql", "mariadb", "tidb"):
        if not parsed.database:
            raise ValueError(f"MySQL database URL must name a database, not {url!r}")
        query = dict(parsed.query)
        query.setdefault("charset", "utf8mb4")
        return parsed.set(drivername="mysql+asyncmy", query=query).render_as_string(
            hide_password=False
        )
    raise ValueError(
        "Database URL must be a sqlite:// or mysql:// (MariaDB, TiDB) URL, "
        f"not {parsed.render_as_string(hide_password=True)!r}"
    )
