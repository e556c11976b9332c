"""Fixtures: the dashboard server and stores, shared with tests/dashboard."""

from dashboard.server.testing import (
    app,
    app_store,
    auth,
    client,
    fast_password_hashes,
    settings,
)
from host.store.testing import database_url, mariadb_database, store

__all__ = [
    "app",
    "app_store",
    "auth",
    "client",
    "database_url",
    "fast_password_hashes",
    "mariadb_database",
    "settings",
    "store",
]
