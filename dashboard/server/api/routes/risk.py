"""Both risk lines: status, events, and the operator's kill switch and re-arm."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from sqlalchemy import func, select

from dashboard.server.api.deps import CurrentUser, OperatorUser, SessionDep, StoreDep
from dashboard.server.api.listing import ListDep, fetch_page
from dashboard.server.models import (
    CommandPublic,
    KillRequest,
    LineStatus,
    Page,
    RearmRequest,
    RiskEventPublic,
    RiskPublic,
)
from dashboard.server.rules import is_reject, reason_code
from hdl.protocol import ArmMode
from host.store import LINES, utcnow
from host.store.models import GuardStatus, OperatorCommand, Order, RiskEvent

__all__ = ["router", "command_public"]

router = APIRouter(prefix="/risk", tags=["risk"])


def _dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _age(ts: datetime | None) -> float | None:
    return None if ts is None else max(0.0, (utcnow() - ts).total_seconds())


@router.get("", response_model=RiskPublic)
async def read_risk(session: SessionDep, _user: CurrentUser) -> RiskPublic:
    """State, limits, reject counts by reason, market-data age and backend of each line."""
    snapshots = {row.line: row for row in await session.scalars(select(GuardStatus))}
    columns = {"gateware": Order.gateware_reason, "drbguard": Order.drb_reason}
    lines = []
    for line in LINES:
        column = columns[line]
        counted = (
            await session.execute(
                select(column, func.count()).where(column.is_not(None)).group_by(column)
            )
        ).all()
        # Reasons may be full texts ("CODE: key=value, ..."): count by code.
        order_rejects: dict[str, int] = {}
        for reason, n in counted:
            if is_reject(reason):
                code = reason_code(str(reason))
                order_rejects[code] = order_rejects.get(code, 0) + int(n)
        row = snapshots.get(line)
        snapshot = _dict(row.status) if row is not None else {}
        lines.append(
            LineStatus(
                line=line,  # type: ignore[arg-type]
                backend=row.backend if row is not None else None,
                ts=row.ts if row is not None else None,
                age_seconds=_age(row.ts if row is not None else None),
                # No snapshot means nobody vouches for the line: show it as unknown, not ACTIVE.
                state=str(snapshot.get("state", "UNKNOWN")),
                limits=_dict(snapshot.get("limits")),
                reject_counts={
                    str(k): int(v)
                    for k, v in _dict(snapshot.get("reject_counts")).items()
                    if isinstance(v, int)
                },
                order_reject_counts=order_rejects,
                # The engine writes "market_data_age_ms"; "feed_age_ms" is the documented name.
                feed_age_ms=_dict(snapshot.get("feed_age_ms", snapshot.get("market_data_age_ms"))),
                status=snapshot,
            )
        )
    return RiskPublic(lines=lines)


@router.get("/events", response_model=Page[RiskEventPublic])
async def read_risk_events(
    session: SessionDep,
    _user: CurrentUser,
    params: ListDep,
    line: Annotated[str | None, Query(max_length=32)] = None,
    kind: Annotated[str | None, Query(max_length=32)] = None,
) -> Page[RiskEventPublic]:
    """Risk events (rejects, kills, re-arms, limit changes with who asked), newest first."""
    filters: list[Any] = []
    if line:
        filters.append(RiskEvent.line == line)
    if kind:
        filters.append(RiskEvent.kind == kind)
    rows, count = await fetch_page(session, RiskEvent, params, filters=filters)
    return Page(data=[RiskEventPublic.model_validate(r) for r in rows], count=count)


async def command_public(store: Any, command_id: int) -> CommandPublic:
    """The freshly inserted command ``command_id`` as returned to the operator."""
    async with store.sessionmaker() as session:
        row = await session.get(OperatorCommand, command_id)
        if row is None:  # pragma: no cover - inserted just before, in the same process
            raise HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR, "Command vanished")
        return CommandPublic.model_validate(row)


@router.post("/kill", response_model=CommandPublic, status_code=status.HTTP_202_ACCEPTED)
async def kill(store: StoreDep, user: OperatorUser, body: KillRequest) -> CommandPublic:
    """Ask the engine to latch the kill switch (gateware KILL and DRBGuard halt)."""
    command_id = await store.submit_command(
        kind="kill", payload=body.model_dump(), actor=user.username
    )
    return await command_public(store, command_id)


@router.post("/rearm", response_model=CommandPublic, status_code=status.HTTP_202_ACCEPTED)
async def rearm(store: StoreDep, user: OperatorUser, body: RearmRequest) -> CommandPublic:
    """Ask the engine to re-arm (ACTIVE or REDUCING) after a kill."""
    # The engine reads the mode as an ArmMode value (the wire encoding); the name is for people.
    mode = ArmMode[body.mode.upper()]
    payload = {"line": body.line, "mode": mode.value, "mode_name": body.mode}
    command_id = await store.submit_command(kind="rearm", payload=payload, actor=user.username)
    return await command_public(store, command_id)
