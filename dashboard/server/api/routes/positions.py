"""Positions, one per symbol."""

from fastapi import APIRouter

from dashboard.server.api.deps import CurrentUser, SessionDep
from dashboard.server.api.listing import ListDep, fetch_page
from dashboard.server.models import Page, PositionPublic
from host.store.models import Position

__all__ = ["router"]

router = APIRouter(prefix="/positions", tags=["positions"])


@router.get("", response_model=Page[PositionPublic])
async def read_positions(
    session: SessionDep, _user: CurrentUser, params: ListDep
) -> Page[PositionPublic]:
    """Positions, most recently changed first."""
    rows, count = await fetch_page(session, Position, params)
    return Page(data=[PositionPublic.model_validate(r) for r in rows], count=count)
