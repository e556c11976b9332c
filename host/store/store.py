"""The engine's write path to the database: one transaction per event, with an outbox row.

Every ``record_*`` method writes its row and one :class:`~host.store.models.Event` row
(``kind`` plus a JSON payload the web app can render without a second request) in ONE
transaction, so the dashboard's WebSocket, which tails ``events`` by id, never shows a
row that is not in the tables or misses one that is.

Conventions the dashboard reads (keep to them so the pages can explain each decision):

- ``line`` is ``"gateware"`` (first line, the hardware guard) or ``"drbguard"`` (second line);
  a risk event may also be ``"engine"``: the engine's own failures (link down, store down).
- ``gateware_reason`` / ``drb_reason`` are :class:`hdl.protocol.Reason` names; ``None`` or
  ``"ACCEPT"`` is an accept (``None`` for the DRBGuard also means "not reached" when the
  gateware rejected first).
- An order's ``detail`` may carry ``"gateware"`` and ``"drbguard"`` dicts, each with ``ts``,
  ``reason``, ``rule``, ``inputs`` and ``limit``, and a ``"broker"`` dict; the order timeline
  shows them as they are.
- A guard status snapshot may carry ``state``, ``limits`` (name -> value), ``reject_counts``
  (reason -> count), ``feed_age_ms`` or ``market_data_age_ms`` (feed -> milliseconds) and
  anything else.
"""

import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Self

from sqlalchemy import BigInteger, Select, cast, event, func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from host.store.migrate import upgrade
from host.store.models import (
    BACKEND_CHARS,
    REASON_CHARS,
    Base,
    EquityPoint,
    Event,
    GuardStatus,
    MarketSample,
    OperatorCommand,
    Order,
    Position,
    RiskEvent,
    Signal,
    Trade,
)
from host.store.types import dumps, json_default
from host.store.url import default_database_url, normalize_database_url

__all__ = [
    "Store",
    "StoreUnavailableError",
    "Command",
    "StoredFill",
    "OPEN_ORDER_STATUSES",
    "COMMAND_KINDS",
    "COMMAND_STATUSES",
    "LINES",
    "RISK_EVENT_LINES",
    "SIDES",
    "create_engine",
    "row_payload",
    "utcnow",
]

logger = logging.getLogger(__name__)

#: Operator command kinds the engine understands.
COMMAND_KINDS = ("kill", "rearm", "set_limit")
#: Life of a command: the dashboard inserts ``pending``; the engine completes it.
COMMAND_STATUSES = ("pending", "done", "failed")
#: The two lines of pre-trade defence.
LINES = ("gateware", "drbguard")
#: Risk events also come from the engine itself: its own failures (the link to the gateware,
#: the store) that neither line decided.
RISK_EVENT_LINES = (*LINES, "engine")
SIDES = ("buy", "sell")
#: Order statuses that may still fill (sent to the paper exchange, not yet done).
OPEN_ORDER_STATUSES = ("working", "accepted")
_ID_CHARS = 64


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Command:
    """An operator command waiting for the engine (a detached copy of its row).

    Attributes
    ----------
    id : int
        Pass it back to :meth:`Store.complete_command`.
    ts : datetime
        When the operator issued it.
    kind : str
        One of :data:`COMMAND_KINDS`.
    payload : dict
        ``kill``: ``{"line": "gateware" | "drbguard" | "both", "reason": text}``;
        ``rearm``: ``{"line": ..., "mode": ArmMode value (0 active, 1 reducing),
        "mode_name": "active" | "reducing"}``;
        ``set_limit``: ``{"line": ..., "name": limit name (LimitId name for the gateware),
        "value": value as text}``.
    actor : str
        The user who issued it.
    """

    id: int
    ts: datetime
    kind: str
    payload: dict[str, Any]
    actor: str


@dataclass(frozen=True, slots=True)
class StoredFill:
    """One stored trade as the paper account books it."""

    symbol: str
    side: str
    price: Decimal
    quantity: Decimal
    fee: Decimal


def row_payload(row: Base) -> dict[str, Any]:
    """The columns of ``row`` as JSON-safe values (Decimals and times as text)."""
    values: dict[str, Any] = {}
    for column in inspect(row).mapper.column_attrs:
        value = getattr(row, column.key)
        if isinstance(value, Decimal | datetime):
            value = json_default(value)
        values[column.key] = value
    return values


def _side(value: str | None, *, name: str = "side", optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name.capitalize()} must be a string, not {value!r}")
    side = value.lower()
    if side not in SIDES:
        raise ValueError(f"{name.capitalize()} must be 'buy' or 'sell', not {value!r}")
    return side


def _text(value: Any, name: str, limit: int, *, cut: bool = False) -> str:
    """``value`` as column text: identifiers that do not fit are refused, prose is cut."""
    if not isinstance(value, str):
        raise TypeError(f"{name.capitalize()} must be a string, not {value!r}")
    if len(value) <= limit:
        return value
    if cut:
        return value[: limit - 1] + "\u2026"
    raise ValueError(f"{name.capitalize()} must be at most {limit} characters, not {len(value)}")


def _optional_text(value: Any, name: str, limit: int) -> str | None:
    return None if value is None else _text(value, name, limit, cut=True)


def _line(value: str, lines: tuple[str, ...] = LINES) -> str:
    if value not in lines:
        raise ValueError(f"Line must be one of {', '.join(lines)}, not {value!r}")
    return value


def _decimal(value: Any, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{name.capitalize()} must be a Decimal, not {value!r}")
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"{name.capitalize()} must be finite, not {value!r}")
    return number


def _same_instant(stored: datetime, ts: datetime) -> bool:
    """``stored`` (read back, aware UTC) is ``ts`` (naive taken as UTC, as stored)."""
    return stored == (ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC))


def _optional_decimal(value: Any, name: str) -> Decimal | None:
    return None if value is None else _decimal(value, name)


def _detail(value: Mapping[str, Any] | None) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(f"Detail must be a dict, not {value!r}")
    # Round-trip through JSON now so a bad value fails here, with its name, not at commit.
    return dict(json.loads(dumps(dict(value))))


def create_engine(url: str | None = None, *, echo: bool = False) -> AsyncEngine:
    """An async engine for ``url`` (SQLite in WAL mode, or MySQL/MariaDB/TiDB via asyncmy)."""
    url = normalize_database_url(url) if url is not None else default_database_url()
    options: dict[str, Any] = {"echo": echo, "json_serializer": dumps}
    if url.startswith("sqlite"):
        options["connect_args"] = {"timeout": 30}
    else:
        options["pool_pre_ping"] = True
        options["pool_recycle"] = 3600
    engine = create_async_engine(url, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the dashboard read while the engine writes; NORMAL sync is safe in WAL mode
    # (a power cut may lose the last transactions, never corrupt the file).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class StoreUnavailableError(ConnectionError):
    """The database could not be reached when opening the store (the message says why)."""


class Store:
    """The database as the engine sees it: typed, keyword-only writes, one transaction each.

    Open it with :meth:`open` (which migrates the schema to the newest revision) and close
    it with :meth:`close`. Safe to share between the tasks of one event loop.

    Attributes
    ----------
    engine : AsyncEngine
        The SQLAlchemy engine (the dashboard reads through it as well).
    sessionmaker : async_sessionmaker[AsyncSession]
        Sessions bound to :attr:`engine`.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessionmaker: async_sessionmaker[AsyncSession] = async_sessionmaker(
            engine, expire_on_commit=False
        )
        self._commit_listeners: list[Callable[[], None]] = []

    def add_commit_listener(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after each committed write (an in-process WebSocket feed wakes
        up at once instead of at its next poll)."""
        self._commit_listeners.append(listener)

    def remove_commit_listener(self, listener: Callable[[], None]) -> None:
        """Stop calling ``listener``."""
        if listener in self._commit_listeners:
            self._commit_listeners.remove(listener)

    def _committed(self) -> None:
        for listener in list(self._commit_listeners):
            try:
                listener()
            except Exception:  # a listener must never undo or fail a committed write
                logger.exception("commit listener %r failed", listener)

    @classmethod
    async def open(cls, url: str | None = None) -> Self:
        """Connect to ``url`` (``None``: ``$DATABASE_URL`` or ``build/quantum.db``) and migrate.

        Raises
        ------
        ValueError
            If ``url`` is not a supported database URL.
        StoreUnavailableError
            If the database cannot be reached.
        """
        url = normalize_database_url(url) if url is not None else default_database_url()
        if url.startswith("sqlite"):
            database = make_url(url).database
            if database:
                Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        try:
            await upgrade(engine)
        except (OperationalError, InterfaceError, OSError) as error:
            await engine.dispose()
            reason = getattr(error, "orig", None) or error
            raise StoreUnavailableError(
                f"Database {make_url(url).render_as_string(hide_password=True)} must be "
                f"reachable, not: {reason}. Is its server running? Choose the database with "
                "--database or DATABASE_URL."
            ) from error
        except BaseException:
            await engine.dispose()
            raise
        return cls(engine)

    async def close(self) -> None:
        """Release every connection."""
        await self.engine.dispose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    @contextlib.asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncSession]:
        """One write transaction; listeners hear about it once it has committed."""
        async with self.sessionmaker.begin() as session:
            yield session
        self._committed()

    # ---- the outbox ----------------------------------------------------------------------

    @staticmethod
    def _event(
        session: AsyncSession, *, kind: str, payload: dict[str, Any], ref: str | None = None
    ) -> None:
        session.add(Event(ts=utcnow(), kind=kind, ref=ref, payload=payload))

    # ---- engine writes -------------------------------------------------------------------

    async def record_signal(
        self,
        *,
        ts: datetime,
        symbol: str,
        kind: str,
        side: str | None,
        strength: Decimal,
        detail: dict[str, Any],
    ) -> int:
        """Store a strategy signal; returns its id."""
        row = Signal(
            ts=ts,
            symbol=symbol,
            kind=kind,
            side=_side(side, optional=True),
            strength=_decimal(strength, "strength"),
            detail=_detail(detail),
        )
        async with self._write() as session:
            session.add(row)
            await session.flush()
            self._event(session, kind="signal", payload=row_payload(row))
        return row.id

    async def record_order(
        self,
        *,
        client_id: str,
        ts: datetime,
        symbol: str,
        side: str,
        kind: str,
        price: Decimal | None,
        quantity: Decimal,
        status: str,
        gateware_backend: str,
        gateware_reason: str | None,
        gateware_latency_us: float | None,
        drb_reason: str | None,
        detail: dict[str, Any],
    ) -> int:
        """Store an order intent with both lines' verdicts; returns its id.

        Idempotent on ``client_id``: recording the same id again returns the first row's id
        and changes nothing (use :meth:`update_order` for what happens next).
        """
        if not isinstance(client_id, str) or not client_id:
            raise ValueError(f"Client id must be a non-empty string, not {client_id!r}")
        row = Order(
            client_id=_text(client_id, "client id", _ID_CHARS),
            ts=ts,
            updated_ts=ts,
            symbol=_text(symbol, "symbol", _ID_CHARS),
            side=_side(side),
            kind=_text(kind, "order kind", 16),
            price=_optional_decimal(price, "price"),
            quantity=_decimal(quantity, "quantity"),
            status=_text(status, "status", 32),
            gateware_backend=_text(gateware_backend, "backend", BACKEND_CHARS, cut=True),
            gateware_reason=_optional_text(gateware_reason, "gateware reason", REASON_CHARS),
            gateware_latency_us=gateware_latency_us,
            drb_reason=_optional_text(drb_reason, "DRBGuard reason", REASON_CHARS),
            filled_quantity=Decimal(0),
            average_price=None,
            detail=_detail(detail),
        )
        return await self._insert_once(
            row,
            select(Order.id).where(Order.client_id == client_id),
            kind="order",
            ref=client_id,
            payload=lambda: {"action": "created", **row_payload(row)},
        )

    async def _insert_once(
        self,
        row: Order | Trade | RiskEvent,
        existing_id: Select[Any] | None,
        *,
        kind: str,
        ref: str | None,
        payload: Callable[[], dict[str, Any]],
    ) -> int:
        """Insert ``row`` with its events row, unless ``existing_id`` finds it already there;
        returns the row's id either way. A concurrent writer that inserts the same unique key
        between the look-up and the insert loses nothing: it gets the first row's id. With
        no ``existing_id`` the row has no unique key and is always inserted."""

        async def lookup() -> int | None:
            if existing_id is None:
                return None
            async with self.sessionmaker() as session:
                result = await session.scalar(existing_id)
                return None if result is None else int(result)

        existing = await lookup()
        if existing is not None:
            return existing
        try:
            async with self._write() as session:
                session.add(row)
                await session.flush()  # assigns the id the event's payload names
                self._event(session, kind=kind, ref=ref, payload=payload())
        except IntegrityError:
            existing = await lookup()
            if existing is None:
                raise
            return existing
        return row.id

    async def update_order(
        self,
        *,
        client_id: str,
        ts: datetime,
        status: str,
        filled_quantity: Decimal,
        average_price: Decimal | None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Record what happened to an order (broker ack, fill, cancel); ``detail`` is merged.

        Raises
        ------
        KeyError
            If no order with ``client_id`` was recorded.
        """
        filled = _decimal(filled_quantity, "filled quantity")
        average = _optional_decimal(average_price, "average price")
        extra = _detail(detail)
        async with self._write() as session:
            row = await session.scalar(
                select(Order).where(Order.client_id == client_id).with_for_update()
            )
            if row is None:
                raise KeyError(f"Order must be recorded before it is updated, not {client_id!r}")
            status_text = _text(status, "status", 32)
            merged = {**row.detail, **extra} if extra else row.detail
            if _same_instant(row.updated_ts, ts) and (
                row.status,
                row.filled_quantity,
                row.average_price,
                row.detail,
            ) == (status_text, filled, average, merged):
                # The same update again: a held write replayed after a commit whose answer
                # was lost. The row says it already; a second "updated" event would not.
                return
            row.updated_ts = ts
            row.status = status_text
            row.filled_quantity = filled
            row.average_price = average
            if extra:
                row.detail = merged
            await session.flush()
            payload = {"action": "updated", **row_payload(row)}
            if extra:
                payload["update"] = extra
            self._event(session, kind="order", ref=client_id, payload=payload)

    async def record_trade(
        self,
        *,
        client_id: str,
        ts: datetime,
        symbol: str,
        side: str,
        price: Decimal,
        quantity: Decimal,
        fee: Decimal,
        liquidity: str,
        realized_pnl: Decimal,
        fill_seq: int | None = None,
    ) -> int:
        """Store one fill; returns its id.

        Idempotent via ``trade_key``: ``client_id#fill_seq`` when the broker numbers its
        fills, else ``client_id`` with the fill's time, price and quantity. Recording the
        same fill again returns the first row's id and writes nothing.
        """
        if fill_seq is not None:
            trade_key = f"{client_id}#{fill_seq}"
        else:
            stamp = ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)
            price_text = json_default(_decimal(price, "price"))
            quantity_text = json_default(_decimal(quantity, "quantity"))
            trade_key = (
                f"{client_id}@{stamp.astimezone(UTC).isoformat()}:{price_text}x{quantity_text}"
            )
        row = Trade(
            trade_key=trade_key,
            client_id=client_id,
            ts=ts,
            symbol=symbol,
            side=_side(side),
            price=_decimal(price, "price"),
            quantity=_decimal(quantity, "quantity"),
            fee=_decimal(fee, "fee"),
            liquidity=liquidity,
            realized_pnl=_decimal(realized_pnl, "realized pnl"),
        )
        return await self._insert_once(
            row,
            select(Trade.id).where(Trade.trade_key == trade_key),
            kind="trade",
            ref=client_id,
            payload=lambda: row_payload(row),
        )

    async def upsert_position(
        self,
        *,
        symbol: str,
        ts: datetime,
        quantity: Decimal,
        average_price: Decimal | None,
        realized_pnl: Decimal,
        unrealized_pnl: Decimal,
    ) -> None:
        """Set the position in ``symbol`` (one row per symbol)."""
        values = {
            "ts": ts,
            "quantity": _decimal(quantity, "quantity"),
            "average_price": _optional_decimal(average_price, "average price"),
            "realized_pnl": _decimal(realized_pnl, "realized pnl"),
            "unrealized_pnl": _decimal(unrealized_pnl, "unrealized pnl"),
        }
        async with self._write() as session:
            row = await session.scalar(
                select(Position).where(Position.symbol == symbol).with_for_update()
            )
            if row is None:
                row = Position(symbol=symbol, **values)
                session.add(row)
            else:
                for key, value in values.items():
                    setattr(row, key, value)
            await session.flush()
            self._event(session, kind="position", payload=row_payload(row))

    async def record_equity(
        self, *, ts: datetime, equity: Decimal, pnl: Decimal, drawdown: Decimal
    ) -> None:
        """Add a point to the equity curve."""
        row = EquityPoint(
            ts=ts,
            equity=_decimal(equity, "equity"),
            pnl=_decimal(pnl, "pnl"),
            drawdown=_decimal(drawdown, "drawdown"),
        )
        async with self._write() as session:
            session.add(row)
            await session.flush()
            self._event(session, kind="equity", payload=row_payload(row))

    async def record_risk_event(
        self,
        *,
        ts: datetime,
        line: str,
        kind: str,
        reason: str,
        detail: dict[str, Any],
        actor: str | None = None,
        key: str | None = None,
    ) -> int:
        """Store something a risk line did (reject, kill, re-arm, limit change); returns its id.

        ``detail["client_id"]``, when present, puts the event on that order's timeline.
        ``key``, when given, makes the write idempotent: recording the same key again
        returns the first row's id and writes nothing (for a writer that may replay a write
        whose commit it did not see).
        """
        clean = _detail(detail)
        row = RiskEvent(
            ts=ts,
            line=_line(line, RISK_EVENT_LINES),
            kind=_text(kind, "risk event kind", 32),
            reason=_text(reason, "reason", REASON_CHARS, cut=True),
            detail=clean,
            actor=actor,
            event_key=None if key is None else _text(key, "risk event key", _ID_CHARS),
        )
        ref = clean.get("client_id")
        return await self._insert_once(
            row,
            select(RiskEvent.id).where(RiskEvent.event_key == key) if key is not None else None,
            kind="risk_event",
            ref=str(ref) if ref is not None else None,
            payload=lambda: row_payload(row),
        )

    async def record_guard_status(
        self, *, ts: datetime, line: str, backend: str, status: dict[str, Any]
    ) -> None:
        """Replace the latest status snapshot of ``line``."""
        clean = _detail(status)
        short_backend = _text(backend, "backend", BACKEND_CHARS, cut=True)
        async with self._write() as session:
            row = await session.scalar(
                select(GuardStatus).where(GuardStatus.line == _line(line)).with_for_update()
            )
            if row is None:
                row = GuardStatus(line=line, ts=ts, backend=short_backend, status=clean)
                session.add(row)
            else:
                row.ts, row.backend, row.status = ts, short_backend, clean
            await session.flush()
            self._event(session, kind="guard_status", payload=row_payload(row))

    async def record_market(
        self,
        *,
        ts: datetime,
        symbol: str,
        price: Decimal,
        kind: str,
        quantity: Decimal | None = None,
        side: str | None = None,
    ) -> None:
        """Store a sampled price or a liquidation (``kind`` e.g. ``"mid"``, ``"liquidation"``)."""
        row = MarketSample(
            ts=ts,
            symbol=symbol,
            kind=kind,
            price=_decimal(price, "price"),
            quantity=_optional_decimal(quantity, "quantity"),
            side=_side(side, optional=True),
        )
        async with self._write() as session:
            session.add(row)
            await session.flush()
            self._event(session, kind="market", payload=row_payload(row))

    # ---- operator commands ---------------------------------------------------------------

    async def submit_command(
        self, *, kind: str, payload: dict[str, Any], actor: str, ts: datetime | None = None
    ) -> int:
        """Queue an operator command for the engine and audit it in ``risk_events``.

        The dashboard calls this; the gateware's limits and kill latch change only when the
        engine carries the command out. Returns the command id.
        """
        if kind not in COMMAND_KINDS:
            raise ValueError(
                f"Command kind must be one of {', '.join(COMMAND_KINDS)}, not {kind!r}"
            )
        if not actor:
            raise ValueError(f"Command actor must name a user, not {actor!r}")
        ts = ts or utcnow()
        clean = _detail(payload)
        row = OperatorCommand(ts=ts, kind=kind, payload=clean, actor=actor, status="pending")
        async with self._write() as session:
            session.add(row)
            await session.flush()
            line = clean.get("line")
            audit = RiskEvent(
                ts=ts,
                line=line if line in LINES else "both",
                kind=f"command_{kind}",
                reason=f"{kind.upper()} requested by {actor}",
                detail={"command_id": row.id, **clean},
                actor=actor,
            )
            session.add(audit)
            await session.flush()
            self._event(session, kind="command", payload=row_payload(row))
            self._event(session, kind="risk_event", payload=row_payload(audit))
        return row.id

    async def last_client_id(self) -> int:
        """The highest numeric client order id stored (0 when none): a restarted engine
        numbers its orders after it, so a new order never collides with a stored one."""
        async with self.sessionmaker() as session:
            highest = await session.scalar(select(func.max(cast(Order.client_id, BigInteger))))
        return int(highest or 0)

    async def last_equity_time(self) -> datetime | None:
        """When the stored equity curve ends (None when it is empty): how far in event time
        an earlier run got, so that a replay can continue from there."""
        async with self.sessionmaker() as session:
            return await session.scalar(select(func.max(EquityPoint.ts)))

    async def ping(self) -> None:
        """One round trip to the database; raises if it cannot answer (the engine probes a
        store that failed with it before writing what it held back)."""
        async with self.sessionmaker() as session:
            await session.execute(select(1))

    async def stored_fills(self) -> list[StoredFill]:
        """Every stored trade, oldest first: the paper account a restarted engine rebuilds
        (the trades are the truth; a position row can lag its last trade by one write)."""
        async with self.sessionmaker() as session:
            rows = await session.execute(
                select(Trade.symbol, Trade.side, Trade.price, Trade.quantity, Trade.fee).order_by(
                    Trade.id
                )
            )
            return [StoredFill(*row) for row in rows]

    async def close_open_orders(self, *, ts: datetime, reason: str) -> list[str]:
        """Mark every order still working or accepted as cancelled with ``reason``; returns
        their client ids. A restarted engine calls it: the paper exchange that held those
        orders died with the old process, so they can no longer fill."""
        async with self._write() as session:
            rows = (
                await session.scalars(
                    select(Order)
                    .where(Order.status.in_(OPEN_ORDER_STATUSES))
                    .order_by(Order.id)
                    .with_for_update()
                )
            ).all()
            for row in rows:
                row.updated_ts = ts
                row.status = "cancelled"
                row.detail = {**row.detail, "exchange_reason": reason}
                await session.flush()
                self._event(
                    session,
                    kind="order",
                    ref=row.client_id,
                    payload={
                        "action": "updated",
                        **row_payload(row),
                        "update": {"exchange_reason": reason},
                    },
                )
            return [row.client_id for row in rows]

    async def pending_commands(self) -> list[Command]:
        """Commands not yet carried out, oldest first."""
        async with self.sessionmaker() as session:
            rows = await session.scalars(
                select(OperatorCommand)
                .where(OperatorCommand.status == "pending")
                .order_by(OperatorCommand.id)
            )
            return [
                Command(id=r.id, ts=r.ts, kind=r.kind, payload=dict(r.payload), actor=r.actor)
                for r in rows
            ]

    async def complete_command(self, *, command_id: int, ok: bool, result: str) -> None:
        """Mark a command done (``ok``) or failed, with what happened in ``result``.

        Raises
        ------
        KeyError
            If there is no pending command ``command_id``.
        """
        async with self._write() as session:
            row = await session.get(OperatorCommand, command_id, with_for_update=True)
            if row is None or row.status != "pending":
                raise KeyError(f"Command must be pending to complete, not {command_id!r}")
            row.status = "done" if ok else "failed"
            row.result = str(result)[:1024]
            row.completed_ts = utcnow()
            await session.flush()
            self._event(session, kind="command", payload=row_payload(row))
            # Who asked is on the command row; the risk event says what the engine did.
            audit = RiskEvent(
                ts=row.completed_ts,
                line=row.payload.get("line") if row.payload.get("line") in LINES else "both",
                kind=f"command_{row.status}",
                reason=f"{row.kind.upper()} {row.status}: {row.result}"[:255],
                detail={"command_id": row.id, **row.payload},
                actor=row.actor,
            )
            session.add(audit)
            await session.flush()
            self._event(session, kind="risk_event", payload=row_payload(audit))
