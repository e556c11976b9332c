"""Pagination and filters shared by the list routes (limit/offset, symbol, since)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dashboard.server.api.deps import RowOffset
from host.store.models import Base

__all__ = ["ListParams", "ListDep", "MAX_LIMIT", "fetch_page"]

MAX_LIMIT = 1000
ModelT = TypeVar("ModelT", bound=Base)


@dataclass(frozen=True)
class ListParams:
    """Query parameters every list accepts."""

    limit: int
    offset: int
    symbol: str | None
    since: datetime | None


def list_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="rows per page")] = 100,
    offset: RowOffset = 0,
    symbol: Annotated[str | None, Query(max_length=64, description="only this symbol")] = None,
    since: Annotated[
        datetime | None, Query(description="only rows at or after this time (UTC if naive)")
    ] = None,
) -> ListParams:
    """Read the common list parameters."""
    return ListParams(limit=limit, offset=offset, symbol=symbol, since=since)


ListDep = Annotated[ListParams, Depends(list_params)]


async def fetch_page(
    session: AsyncSession,
    model: type[ModelT],
    params: ListParams,
    *,
    filters: Sequence[ColumnElement[bool]] = (),
    newest_first: bool = True,
) -> tuple[list[ModelT], int]:
    """One page of ``model`` rows matching ``params`` and ``filters``, and the total count.

    ``newest_first=False`` still takes the newest page but returns it oldest first, the
    order charts want.
    """
    table: Any = model
    conditions = list(filters)
    if params.symbol is not None and hasattr(model, "symbol"):
        conditions.append(table.symbol == params.symbol)
    if params.since is not None:
        conditions.append(table.ts >= params.since)
    query: Select[ModelT] = select(model).where(*conditions)
    count = await session.scalar(select(func.count()).select_from(model).where(*conditions))
    page = (
        query.order_by(table.ts.desc(), table.id.desc()).limit(params.limit).offset(params.offset)
    )
    rows = list(await session.scalars(page))
    if not newest_first:
        rows.reverse()
    return rows, int(count or 0)
