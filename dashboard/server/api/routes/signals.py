"""Strategy signals."""

from typing import Annotated

from fastapi import APIRouter, Query

from dashboard.server.api.deps import CurrentUser, SessionDep
from dashboard.server.api.listing import ListDep, fetch_page
from dashboard.server.models import Page, SignalPublic
from host.store.models import Signal

__all__ = ["router"]

router = APIRouter(prefix="/signals", tags=["signals"])


@router.get("", response_model=Page[SignalPublic])
async def read_signals(
    session: SessionDep,
    _user: CurrentUser,
    params: ListDep,
    kind: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[SignalPublic]:
    """Signals, newest first."""
    filters = [Signal.kind == kind] if kind else []
    rows, count = await fetch_page(session, Signal, params, filters=filters)
    return Page(data=[SignalPublic.model_validate(r) for r in rows], count=count)
