"""Orders, and one order's timeline from its events."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from sqlalchemy import select

from dashboard.server.api.deps import CurrentUser, SessionDep
from dashboard.server.api.listing import ListDep, fetch_page
from dashboard.server.models import OrderPublic, OrderTimeline, Page, TimelineStep, TradePublic
from dashboard.server.rules import is_reject, reason_facts, rule_of
from host.store.models import Event, Order, Trade

__all__ = ["router", "build_timeline"]

router = APIRouter(prefix="/orders", tags=["orders"])


@router.get("", response_model=Page[OrderPublic])
async def read_orders(
    session: SessionDep,
    _user: CurrentUser,
    params: ListDep,
    status_: Annotated[str | None, Query(alias="status", max_length=32)] = None,
    rejected: Annotated[bool | None, Query(description="only rejected (or accepted)")] = None,
) -> Page[OrderPublic]:
    """Orders, newest first."""
    filters: list[Any] = []
    if status_:
        filters.append(Order.status == status_)
    if rejected is not None:
        accepted = Order.gateware_reason.is_(None) | (Order.gateware_reason == "ACCEPT")
        accepted &= Order.drb_reason.is_(None) | (Order.drb_reason == "ACCEPT")
        filters.append(~accepted if rejected else accepted)
    rows, count = await fetch_page(session, Order, params, filters=filters)
    return Page(data=[OrderPublic.model_validate(r) for r in rows], count=count)


def _ts(value: Any, default: datetime) -> datetime:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return default
    return default


def _verdict_step(
    *,
    event_id: int,
    step: str,
    reason: str | None,
    info: Any,
    default_ts: datetime,
    extra: dict[str, Any],
    fallback_inputs: dict[str, Any] | None = None,
) -> TimelineStep:
    """One line's verdict; rule, inputs and limit come from the detail JSON when the engine
    wrote them there, else from the "CODE: key=value, limit=..." reason text."""
    info = info if isinstance(info, dict) else {}
    rejected = is_reject(reason)
    facts: dict[str, Any] = reason_facts(reason) if rejected else {}
    text_limit = facts.pop("limit", None)
    inputs = info.get("inputs") if isinstance(info.get("inputs"), dict) else None
    if inputs is None and rejected:
        inputs = facts or fallback_inputs or None
    return TimelineStep(
        event_id=event_id,
        ts=_ts(info.get("ts"), default_ts),
        step=step,  # type: ignore[arg-type]
        verdict="reject" if rejected else "accept",
        reason=reason or "ACCEPT",
        rule=info.get("rule") or rule_of(reason),
        inputs=inputs,
        limit=info.get("limit", text_limit),
        detail={**extra, **{k: v for k, v in info.items() if k not in ("inputs", "limit")}},
    )


def build_timeline(order: Order, events: list[Event]) -> list[TimelineStep]:
    """Intent, gateware verdict, DRBGuard verdict, broker updates, fills and risk events."""
    steps: list[TimelineStep] = []
    created = False
    for event in events:
        payload = event.payload
        if event.kind == "order" and payload.get("action") == "created" and not created:
            created = True
            detail = payload.get("detail") or {}
            steps.append(
                TimelineStep(
                    event_id=event.id,
                    ts=order.ts,
                    step="intent",
                    detail={
                        k: payload.get(k) for k in ("symbol", "side", "kind", "price", "quantity")
                    },
                )
            )
            steps.append(
                _verdict_step(
                    event_id=event.id,
                    step="gateware",
                    reason=payload.get("gateware_reason"),
                    info=detail.get("gateware"),
                    default_ts=order.ts,
                    extra={
                        "backend": payload.get("gateware_backend"),
                        "latency_us": payload.get("gateware_latency_us"),
                    },
                    # what the gateware was sent: whole ticks and lots
                    fallback_inputs={k: detail[k] for k in ("price_ticks", "lots") if k in detail},
                )
            )
            drb_reason = payload.get("drb_reason")
            if is_reject(payload.get("gateware_reason")) and drb_reason is None:
                steps.append(
                    TimelineStep(
                        event_id=event.id,
                        ts=order.ts,
                        step="drbguard",
                        verdict="not_reached",
                        detail={"why": "the gateware (first line) rejected the order"},
                    )
                )
            else:
                steps.append(
                    _verdict_step(
                        event_id=event.id,
                        step="drbguard",
                        reason=drb_reason,
                        info=detail.get("drbguard"),
                        default_ts=order.ts,
                        extra={},
                    )
                )
        elif event.kind == "order":
            steps.append(
                TimelineStep(
                    event_id=event.id,
                    ts=_ts(payload.get("updated_ts"), event.ts),
                    step="broker",
                    reason=payload.get("status"),
                    detail={
                        "status": payload.get("status"),
                        "filled_quantity": payload.get("filled_quantity"),
                        "average_price": payload.get("average_price"),
                        **(payload.get("update") or {}),
                    },
                )
            )
        elif event.kind == "trade":
            steps.append(
                TimelineStep(
                    event_id=event.id,
                    ts=_ts(payload.get("ts"), event.ts),
                    step="fill",
                    detail={
                        k: payload.get(k)
                        for k in ("price", "quantity", "fee", "liquidity", "realized_pnl")
                    },
                )
            )
        elif event.kind == "risk_event":
            steps.append(
                TimelineStep(
                    event_id=event.id,
                    ts=_ts(payload.get("ts"), event.ts),
                    step="risk",
                    reason=payload.get("reason"),
                    rule=rule_of(payload.get("reason")),
                    detail={
                        "line": payload.get("line"),
                        "kind": payload.get("kind"),
                        **(payload.get("detail") or {}),
                    },
                )
            )
    return steps


@router.get("/{client_id}", response_model=OrderTimeline)
async def read_order(session: SessionDep, _user: CurrentUser, client_id: str) -> OrderTimeline:
    """One order with its timeline: intent, both lines' verdicts, broker updates, fills."""
    order = await session.scalar(select(Order).where(Order.client_id == client_id))
    if order is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Order {client_id!r} not found")
    events = list(
        await session.scalars(select(Event).where(Event.ref == client_id).order_by(Event.id))
    )
    trades = await session.scalars(
        select(Trade).where(Trade.client_id == client_id).order_by(Trade.ts, Trade.id)
    )
    return OrderTimeline(
        order=OrderPublic.model_validate(order),
        timeline=build_timeline(order, events),
        trades=[TradePublic.model_validate(t) for t in trades],
    )
