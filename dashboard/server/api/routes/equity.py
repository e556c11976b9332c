"""The equity curve."""

from fastapi import APIRouter

from dashboard.server.api.deps import CurrentUser, SessionDep
from dashboard.server.api.listing import ListDep, fetch_page
from dashboard.server.models import EquityPointPublic, Page
from host.store.models import EquityPoint

__all__ = ["router"]

router = APIRouter(prefix="/equity", tags=["equity"])


@router.get("", response_model=Page[EquityPointPublic])
async def read_equity(
    session: SessionDep, _user: CurrentUser, params: ListDep
) -> Page[EquityPointPublic]:
    """The newest points of the curve, oldest first (chart order)."""
    rows, count = await fetch_page(session, EquityPoint, params, newest_first=False)
    return Page(data=[EquityPointPublic.model_validate(r) for r in rows], count=count)
