"""Every REST router, gathered under /api."""

from fastapi import APIRouter

from dashboard.server.api.routes import (
    auth,
    commands,
    disclaimer,
    equity,
    health,
    lessons,
    limits,
    market,
    orders,
    positions,
    risk,
    signals,
    stats,
    trades,
    users,
)

__all__ = ["api_router"]

api_router = APIRouter(prefix="/api")
for _module in (
    health,
    disclaimer,
    auth,
    users,
    stats,
    equity,
    signals,
    orders,
    trades,
    positions,
    market,
    risk,
    limits,
    commands,
    lessons,
):
    api_router.include_router(_module.router)
