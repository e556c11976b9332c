"""Pydantic schemas of the API, layered per entity: Base -> Create / Update -> Public.

The tables themselves are the typed SQLAlchemy mappings in :mod:`host.store.models`.
Decimals travel as JSON strings so that no price or quantity is rounded on the way.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "Role",
    "UserBase",
    "UserCreate",
    "UserUpdate",
    "UserPublic",
    "UsersPublic",
    "LoginRequest",
    "Token",
    "Page",
    "SignalPublic",
    "OrderPublic",
    "TradePublic",
    "PositionPublic",
    "EquityPointPublic",
    "MarketSamplePublic",
    "RiskEventPublic",
    "TimelineStep",
    "OrderTimeline",
    "LatencyStats",
    "Stats",
    "LineStatus",
    "RiskPublic",
    "LimitsPublic",
    "LimitUpdate",
    "KillRequest",
    "RearmRequest",
    "CommandPublic",
    "LessonSummary",
    "Lesson",
    "DisclaimerPublic",
    "Health",
    "Message",
]

Role = Literal["viewer", "operator", "admin"]
LineName = Literal["gateware", "drbguard"]
TargetLine = Literal["gateware", "drbguard", "both"]
T = TypeVar("T")

_USERNAME = r"^[A-Za-z0-9_.-]{1,64}$"


class _Orm(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# ---- users -------------------------------------------------------------------------------


# Shared properties
class UserBase(BaseModel):
    username: str = Field(pattern=_USERNAME, description="letters, digits, '_', '.', '-'")
    role: Role = "viewer"


# Properties to receive via API on creation
class UserCreate(UserBase):
    password: str = Field(min_length=8, max_length=256)


# Properties to receive via API on update (every field optional)
class UserUpdate(BaseModel):
    role: Role | None = None
    is_active: bool | None = None


# Properties to return via API
class UserPublic(_Orm):
    id: int
    username: str
    role: Role
    is_active: bool
    created_at: datetime
    disclaimer_acknowledged_at: datetime | None


class UsersPublic(BaseModel):
    data: list[UserPublic]
    count: int


# Login body when sent as JSON (the OAuth2 form carries the same two fields)
class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime
    user: UserPublic


# ---- paginated lists ---------------------------------------------------------------------


class Page(BaseModel, Generic[T]):
    """One page of a list: ``data`` plus ``count``, the number of rows matching the filters."""

    data: list[T]
    count: int


class SignalPublic(_Orm):
    id: int
    ts: datetime
    symbol: str
    kind: str
    side: str | None
    strength: Decimal
    detail: dict[str, Any]


class OrderPublic(_Orm):
    id: int
    client_id: str
    ts: datetime
    updated_ts: datetime
    symbol: str
    side: str
    kind: str
    price: Decimal | None
    quantity: Decimal
    status: str
    gateware_backend: str
    gateware_reason: str | None
    gateware_latency_us: float | None
    drb_reason: str | None
    filled_quantity: Decimal
    average_price: Decimal | None
    detail: dict[str, Any]


class TradePublic(_Orm):
    id: int
    trade_key: str
    client_id: str
    ts: datetime
    symbol: str
    side: str
    price: Decimal
    quantity: Decimal
    fee: Decimal
    liquidity: str
    realized_pnl: Decimal


class PositionPublic(_Orm):
    id: int
    symbol: str
    ts: datetime
    quantity: Decimal
    average_price: Decimal | None
    realized_pnl: Decimal
    unrealized_pnl: Decimal


class EquityPointPublic(_Orm):
    ts: datetime
    equity: Decimal
    pnl: Decimal
    drawdown: Decimal


class MarketSamplePublic(_Orm):
    id: int
    ts: datetime
    symbol: str
    kind: str
    price: Decimal
    quantity: Decimal | None
    side: str | None


class RiskEventPublic(_Orm):
    id: int
    ts: datetime
    line: str
    kind: str
    reason: str
    detail: dict[str, Any]
    actor: str | None


# ---- order timeline ----------------------------------------------------------------------


class TimelineStep(BaseModel):
    """One step in an order's life, in the order the events were written."""

    event_id: int | None
    ts: datetime
    step: Literal["intent", "gateware", "drbguard", "broker", "fill", "risk"]
    verdict: Literal["accept", "reject", "not_reached"] | None = None
    reason: str | None = None
    rule: str | None = Field(default=None, description="the control that decided, e.g. C6")
    inputs: dict[str, Any] | None = None
    limit: Any | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


class OrderTimeline(BaseModel):
    order: OrderPublic
    timeline: list[TimelineStep]
    trades: list[TradePublic]


# ---- statistics --------------------------------------------------------------------------


class LatencyStats(BaseModel):
    """Gateware round trip (host sends ORDER -> host has the verdict), microseconds."""

    count: int
    p50_us: float | None
    p99_us: float | None
    max_us: float | None
    mean_us: float | None
    backends: list[str]


class Stats(BaseModel):
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    fees: Decimal
    net_pnl: Decimal = Field(description="realized - fees + unrealized")
    equity: Decimal | None
    peak_equity: Decimal | None
    max_drawdown: Decimal = Field(description="largest fall from a peak of the equity curve")
    max_drawdown_fraction: Decimal | None
    hit_rate: float | None = Field(description="winning closing trades / closing trades")
    trade_count: int
    order_count: int
    rejected_by_gateware: int
    rejected_by_drbguard: int
    signal_count: int
    latency: LatencyStats


# ---- risk --------------------------------------------------------------------------------


class LineStatus(BaseModel):
    line: LineName
    backend: str | None
    ts: datetime | None
    age_seconds: float | None = Field(description="how old the snapshot is")
    state: str
    limits: dict[str, Any]
    reject_counts: dict[str, int] = Field(description="as counted by the line itself")
    order_reject_counts: dict[str, int] = Field(description="from the orders table")
    feed_age_ms: dict[str, Any]
    status: dict[str, Any]


class RiskPublic(BaseModel):
    lines: list[LineStatus]


class LimitsPublic(BaseModel):
    gateware: dict[str, Any]
    drbguard: dict[str, Any]
    gateware_names: list[str] = Field(description="limit names the gateware accepts")


class LimitUpdate(BaseModel):
    line: LineName
    name: str = Field(min_length=1, max_length=64)
    value: Decimal

    @field_validator("value")
    @classmethod
    def _finite(cls, value: Decimal) -> Decimal:
        if not value.is_finite() or value < 0:
            raise ValueError(f"Limit value must be a finite number >= 0, not {value}")
        return value


class KillRequest(BaseModel):
    line: TargetLine = "both"
    reason: str = Field(default="operator kill", max_length=200)


class RearmRequest(BaseModel):
    line: TargetLine = "both"
    mode: Literal["active", "reducing"] = "active"


class CommandPublic(_Orm):
    id: int
    ts: datetime
    kind: str
    payload: dict[str, Any]
    actor: str
    status: str
    result: str | None
    completed_ts: datetime | None


# ---- the rest ----------------------------------------------------------------------------


class LessonSummary(BaseModel):
    slug: str
    title: str


class Lesson(LessonSummary):
    markdown: str


class DisclaimerPublic(BaseModel):
    text: str
    markdown: str


class Health(BaseModel):
    status: Literal["ok"]
    database: str
    revision: str | None
    version: str


class Message(BaseModel):
    detail: str
