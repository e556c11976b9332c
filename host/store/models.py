"""The tables: typed SQLAlchemy 2 mappings that the engine writes and the dashboard reads.

Money, prices and quantities are :class:`~host.store.types.ExactDecimal` (never floats);
times are UTC. ``events`` is the append-only outbox: every write through
:class:`host.store.Store` adds one row to it in the same transaction, and the dashboard's
WebSocket tails it by id.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, Index, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from host.store.types import ExactDecimal, UtcDateTime

__all__ = [
    "Base",
    "User",
    "Signal",
    "Order",
    "Trade",
    "Position",
    "EquityPoint",
    "MarketSample",
    "RiskEvent",
    "GuardStatus",
    "OperatorCommand",
    "Event",
    "ROLES",
    "REASON_CHARS",
    "BACKEND_CHARS",
]

#: Longest reject text kept ("CODE: key=value, ..."); longer texts are cut, details stay in JSON.
REASON_CHARS = 1024
#: Longest backend name ("serial:/dev/serial/by-id/usb-FTDI_..." paths are long).
BACKEND_CHARS = 128

#: Roles in increasing power: each one may do everything the ones before it may.
ROLES = ("viewer", "operator", "admin")

# BigInteger ids are plain INTEGER on SQLite, where only INTEGER PRIMARY KEY autoincrements.
_Id = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """Declarative base of every table; Alembic's ``target_metadata``."""

    type_annotation_map = {
        datetime: UtcDateTime(),
        Decimal: ExactDecimal(),
        dict[str, Any]: JSON(),
    }


class User(Base):
    """A dashboard login with a role and an argon2 password hash."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(_Id, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    disclaimer_acknowledged_at: Mapped[datetime | None]


class Signal(Base):
    """A strategy signal (for example a liquidation cascade seen by the hunter)."""

    __tablename__ = "signals"
    __table_args__ = (Index("ix_signals_symbol_ts", "symbol", "ts"),)

    id: Mapped[int] = mapped_column(_Id, primary_key=True, autoincrement=True)
    ts: Mapped[datetime] = mapped_column(index=True)
    symbol: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))
    side: Mapped[str | None] = mapped_column(String(8))
    strength: Mapped[Decimal]
    detail: Mapped[dict[str, Any]]


class Order(Base):
    """An order intent with both lines' verdicts, then its broker status and fills."""

    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_symbol_ts", "symbol", "ts"),)

    id: Mapped[int] = mapped_column(_Id, primary_key=True, autoincrement=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    ts: Mapped[datetime] = mapped_column(index=True)
    updated_ts: Mapped[datetime]
    symbol: Mapped[str] = mapped_column(String(64))
    side: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))
    price: Mapped[Decimal | None]
    quantity: Mapped[Decimal]
    status: Mapped[str] = mapped_column(String(32), index=True)
    gateware_backend: Mapped[str] = mapped_column(String(BACKEND_CHARS))
    gateware_reason: Mapped[str | None] = mapped_column(String(REASON_CHARS))
    gateware_latency_us: Mapped[float | None] = mapped_column(Float)
    drb_reason: Mapped[str | None] = mapped_column(String(REASON_CHARS))
    filled_quantity: Mapped[Decimal]
    average_price: Mapped[Decimal | None]
    detail: Mapped[dict[str, Any]]


class Trade(Base):
    """One fill; ``trade_key`` makes recording it twice harmless."""

    __tablename__ = "trades"
    __table_args__ = (Index("ix_trades_symbol_ts", "symbol", "ts"),)

    id: Mapped[int] = mapped_column(_Id, primary_key=True, autoincrement=True)
    trade_key: Mapped[str] = mapped_column(String(160), unique=True)
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    ts: Mapped[datetime] = mapped_column(index=True)
    symbol: Mapped[str] = mapped_column(String(64))
    side: Mapped[str] = mapped_column(String(8))
    price: Mapped[Decimal]
    quantity: Mapped[Decimal]
    fee: Mapped[Decimal]
    liquidity: Mapped[str] = mapped_column(String(16))
    realized_pnl: Mapped[Decimal]


class Position(Base):
    """The latest position per symbol (one row each, updated in place)."""

    __tablename__ = "positions"

    id: Mapped[int] = mapped_column(_Id, primary_key=True, autoincrement=True)
    symbol: Mapped[str] = mapped_column(String(64), unique=True)
    ts: Mapped[datetime]
    quantity: Mapped[Decimal]
    average_price: Mapped[Decimal | None]
    realized_pnl: Mapped[Decimal]
    unrealized_pnl: Mapped[Decimal]


class EquityPoint(Base):
    """A point of the equity curve."""

    __tablename__ = "equity"

    id: Mapped[int] = mapped_column(_Id, primary_key=True, autoincrement=True)
    ts: Mapped[datetime] = mapped_column(index=True)
    equity: Mapped[Decimal]
    pnl: Mapped[Decimal]
    drawdown: Mapped[Decimal]


class MarketSample(Base):
    """A sampled price or a liquidation, for the charts."""

    __tablename__ = "market"
    __table_args__ = (Index("ix_market_symbol_ts", "symbol", "ts"),)

    id: Mapped[int] = mapped_column(_Id, primary_key=True, autoincrement=True)
    ts: Mapped[datetime] = mapped_column(index=True)
    symbol: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    price: Mapped[Decimal]
    quantity: Mapped[Decimal | None]
    side: Mapped[str | None] = mapped_column(String(8))


class RiskEvent(Base):
    """Something a risk line did or was told to do (reject, kill, re-arm, limit change)."""

    __tablename__ = "risk_events"

    id: Mapped[int] = mapped_column(_Id, primary_key=True, autoincrement=True)
    ts: Mapped[datetime] = mapped_column(index=True)
    line: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(REASON_CHARS))
    detail: Mapped[dict[str, Any]]
    actor: Mapped[str | None] = mapped_column(String(64))
    #: The writer's key for this event, if it may write it again (the engine replays a write
    #: that timed out although it committed); a second row with the same key is never made.
    event_key: Mapped[str | None] = mapped_column(String(64), unique=True)


class GuardStatus(Base):
    """The latest status snapshot of one risk line (one row per line, updated in place)."""

    __tablename__ = "guard_status"

    id: Mapped[int] = mapped_column(_Id, primary_key=True, autoincrement=True)
    line: Mapped[str] = mapped_column(String(32), unique=True)
    ts: Mapped[datetime]
    backend: Mapped[str] = mapped_column(String(BACKEND_CHARS))
    status: Mapped[dict[str, Any]]


class OperatorCommand(Base):
    """An operator command the engine carries out (kill, rearm, set_limit)."""

    __tablename__ = "commands"

    id: Mapped[int] = mapped_column(_Id, primary_key=True, autoincrement=True)
    ts: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]]
    actor: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), index=True)
    result: Mapped[str | None] = mapped_column(String(1024))
    completed_ts: Mapped[datetime | None]


class Event(Base):
    """One row of the append-only outbox the WebSocket tails (``ref``: the order's client id)."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(_Id, primary_key=True, autoincrement=True)
    ts: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str | None] = mapped_column(String(64), index=True)
    payload: Mapped[dict[str, Any]]
