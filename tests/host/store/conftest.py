"""Fixtures: every storage test runs on a SQLite file and on the real MariaDB server."""

from host.store.testing import database_url, mariadb_database, store

__all__ = ["database_url", "mariadb_database", "store"]
