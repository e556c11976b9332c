"""Persistence: the schema, its migrations and :class:`Store`, the engine's write path."""

from host.store.store import (
    COMMAND_KINDS,
    LINES,
    Command,
    Store,
    StoreUnavailableError,
    create_engine,
    utcnow,
)
from host.store.url import default_database_url, normalize_database_url

__all__ = [
    "Store",
    "StoreUnavailableError",
    "Command",
    "COMMAND_KINDS",
    "LINES",
    "create_engine",
    "default_database_url",
    "normalize_database_url",
    "utcnow",
]
