"""Limits of both lines: read them, and ask the engine to change one."""

from typing import Any

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import select

from dashboard.server.api.deps import CurrentUser, OperatorUser, SessionDep, StoreDep
from dashboard.server.api.routes.risk import command_public
from dashboard.server.models import CommandPublic, LimitsPublic, LimitUpdate
from hdl.protocol import LIMIT_BITS, LimitId
from host.store.models import GuardStatus

__all__ = ["router"]

router = APIRouter(prefix="/limits", tags=["limits"])


async def _limits(session: Any, line: str) -> dict[str, Any] | None:
    row = await session.scalar(select(GuardStatus).where(GuardStatus.line == line))
    if row is None:
        return None
    limits = row.status.get("limits") if isinstance(row.status, dict) else None
    return dict(limits) if isinstance(limits, dict) else {}


@router.get("", response_model=LimitsPublic)
async def read_limits(session: SessionDep, _user: CurrentUser) -> LimitsPublic:
    """The limits each line last reported, and the names the gateware accepts."""
    return LimitsPublic(
        gateware=await _limits(session, "gateware") or {},
        drbguard=await _limits(session, "drbguard") or {},
        gateware_names=[limit.name for limit in LimitId],
    )


@router.put("", response_model=CommandPublic, status_code=status.HTTP_202_ACCEPTED)
async def update_limit(
    session: SessionDep, store: StoreDep, user: OperatorUser, body: LimitUpdate
) -> CommandPublic:
    """Ask the engine to set one limit (it drives the gateware's SET_LIMIT and DRBGuard)."""
    name = body.name
    if body.line == "gateware":
        names = [limit.name for limit in LimitId]
        name = body.name.upper()  # the engine's config spells them in lower case
        if name not in names:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                f"Gateware limit name must be one of {', '.join(names)}, not {body.name!r}",
            )
        if body.value != body.value.to_integral_value() or not 0 < body.value < 2**LIMIT_BITS:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                f"Gateware limit value must be a whole number from 1 to 2**{LIMIT_BITS} - 1 "
                f"(ticks, lots or time units), not {body.value}",
            )
    else:
        known = await _limits(session, "drbguard")
        if known is None:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                "DRBGuard has not reported its limits yet; start the engine, then retry",
            )
        if body.name not in known:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                f"DRBGuard limit name must be one of {', '.join(sorted(known)) or '(none)'}, "
                f"not {body.name!r}",
            )
    payload = {"line": body.line, "name": name, "value": format(body.value, "f")}
    command_id = await store.submit_command(kind="set_limit", payload=payload, actor=user.username)
    return await command_public(store, command_id)
