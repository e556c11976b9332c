"""Sampled prices and liquidations for the charts."""

from typing import Annotated

from fastapi import APIRouter, Query

from dashboard.server.api.deps import CurrentUser, SessionDep
from dashboard.server.api.listing import ListDep, fetch_page
from dashboard.server.models import MarketSamplePublic, Page
from host.store.models import MarketSample

__all__ = ["router"]

router = APIRouter(prefix="/market", tags=["market"])


@router.get("", response_model=Page[MarketSamplePublic])
async def read_market(
    session: SessionDep,
    _user: CurrentUser,
    params: ListDep,
    kind: Annotated[str | None, Query(max_length=32, description="e.g. mid, liquidation")] = None,
) -> Page[MarketSamplePublic]:
    """The newest samples, oldest first (chart order)."""
    filters = [MarketSample.kind == kind] if kind else []
    rows, count = await fetch_page(
        session, MarketSample, params, filters=filters, newest_first=False
    )
    return Page(data=[MarketSamplePublic.model_validate(r) for r in rows], count=count)
