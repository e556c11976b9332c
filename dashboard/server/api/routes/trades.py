"""Fills."""

from typing import Annotated

from fastapi import APIRouter, Query

from dashboard.server.api.deps import CurrentUser, SessionDep
from dashboard.server.api.listing import ListDep, fetch_page
from dashboard.server.models import Page, TradePublic
from host.store.models import Trade

__all__ = ["router"]

router = APIRouter(prefix="/trades", tags=["trades"])


@router.get("", response_model=Page[TradePublic])
async def read_trades(
    session: SessionDep,
    _user: CurrentUser,
    params: ListDep,
    client_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[TradePublic]:
    """Trades, newest first."""
    filters = [Trade.client_id == client_id] if client_id else []
    rows, count = await fetch_page(session, Trade, params, filters=filters)
    return Page(data=[TradePublic.model_validate(r) for r in rows], count=count)
