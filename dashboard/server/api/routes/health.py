"""Liveness: is the server up and which database is it on (no login needed)."""

import importlib.metadata

from fastapi import APIRouter

from dashboard.server.api.deps import StoreDep
from dashboard.server.models import Health
from host.store.migrate import current_revision

__all__ = ["router"]

router = APIRouter(prefix="/health", tags=["health"])


@router.get("", response_model=Health)
async def read_health(store: StoreDep) -> Health:
    """Server status, database kind and schema revision."""
    try:
        version = importlib.metadata.version("quantum-hft")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return Health(
        status="ok",
        database=store.engine.dialect.name,
        revision=await current_revision(store.engine),
        version=version,
    )
