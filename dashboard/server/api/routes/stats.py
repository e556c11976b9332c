"""Key statistics for the Home page: P&L, equity, drawdown, hit rate, latency."""

import math
from decimal import Decimal

from fastapi import APIRouter
from sqlalchemy import func, select

from dashboard.server.api.deps import CurrentUser, SessionDep
from dashboard.server.models import LatencyStats, Stats
from dashboard.server.rules import is_reject
from host.store.models import EquityPoint, Order, Position, Signal, Trade

__all__ = ["router", "percentile", "max_drawdown"]

router = APIRouter(prefix="/stats", tags=["stats"])


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of already sorted values (``None`` when empty)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def max_drawdown(curve: list[Decimal]) -> tuple[Decimal, Decimal | None, Decimal | None]:
    """Largest fall from a running peak: (amount, fraction of that peak, highest peak)."""
    peak: Decimal | None = None
    worst = Decimal(0)
    worst_fraction: Decimal | None = None
    for value in curve:
        if peak is None or value > peak:
            peak = value
        fall = peak - value
        if fall > worst:
            worst = fall
            worst_fraction = fall / peak if peak > 0 else None
    if worst == 0 and peak is not None:
        worst_fraction = Decimal(0)
    return worst, worst_fraction, peak


@router.get("", response_model=Stats)
async def read_stats(session: SessionDep, _user: CurrentUser) -> Stats:
    """Statistics over everything recorded."""
    trades = (await session.execute(select(Trade.realized_pnl, Trade.fee))).all()
    realized = sum((t.realized_pnl for t in trades), Decimal(0))
    fees = sum((t.fee for t in trades), Decimal(0))
    closing = [t.realized_pnl for t in trades if t.realized_pnl != 0]
    wins = sum(1 for pnl in closing if pnl > 0)
    unrealized = sum(await session.scalars(select(Position.unrealized_pnl)), Decimal(0))
    curve = list(
        await session.scalars(select(EquityPoint.equity).order_by(EquityPoint.ts, EquityPoint.id))
    )
    drawdown, fraction, peak = max_drawdown(curve)
    orders = (
        await session.execute(
            select(
                Order.gateware_reason,
                Order.drb_reason,
                Order.gateware_latency_us,
                Order.gateware_backend,
            )
        )
    ).all()
    latencies = sorted(o.gateware_latency_us for o in orders if o.gateware_latency_us is not None)
    signal_count = await session.scalar(select(func.count()).select_from(Signal))
    return Stats(
        realized_pnl=realized,
        unrealized_pnl=unrealized,
        fees=fees,
        net_pnl=realized - fees + unrealized,
        equity=curve[-1] if curve else None,
        peak_equity=peak,
        max_drawdown=drawdown,
        max_drawdown_fraction=fraction,
        hit_rate=wins / len(closing) if closing else None,
        trade_count=len(trades),
        order_count=len(orders),
        rejected_by_gateware=sum(1 for o in orders if is_reject(o.gateware_reason)),
        rejected_by_drbguard=sum(1 for o in orders if is_reject(o.drb_reason)),
        signal_count=int(signal_count or 0),
        latency=LatencyStats(
            count=len(latencies),
            p50_us=percentile(latencies, 0.50),
            p99_us=percentile(latencies, 0.99),
            max_us=latencies[-1] if latencies else None,
            mean_us=sum(latencies) / len(latencies) if latencies else None,
            backends=sorted({o.gateware_backend for o in orders}),
        ),
    )
