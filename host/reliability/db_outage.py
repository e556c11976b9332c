"""Fault injection: the database becomes unreachable while the engine paper-trades.

The engine (model guard, replay feed, paper broker) writes to MariaDB through a
:class:`~host.reliability.tcp_proxy.TcpProxy`; the scenario cuts the proxy mid-run (every
connection reset, new ones refused) or freezes it (connections open, nothing answers), or,
on SQLite, has another process hold the file's write lock; it keeps the fault for a while,
ends it, and re-arms as an operator would (a ``rearm`` command in the database, which the
engine can only hear once the store is back). It checks the engine's promise
(``ProductionEngineV2._write``):

- no order reaches the broker unless its row is in the database first, and none while the
  store is down or the engine halted;
- the outage halts trading and is noticed at the first store access (command polling runs
  every ``command_poll_s``), loudly, with a risk event on line ``engine``;
- the engine keeps its state; once the store answers it writes what it held back (orders,
  trades, positions, risk events) and stays halted until the operator re-arms;
- at the end the database and the engine agree: every order with its final status, every
  fill exactly once, positions equal to the net of the stored trades.

The shared MariaDB server is never stopped: only the proxy is cut.
"""

import asyncio
import contextlib
import logging
import os
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import URL, make_url

from host.broker.paper import BrokerOrder
from host.data.generator import generate
from host.data.loaders import load_directory
from host.engine.config import EngineConfig
from host.engine.feeds import replay_feed
from host.engine.production_engine_v2 import ProductionEngineV2
from host.link.client import GuardClient
from host.reliability.polling import until
from host.reliability.tcp_proxy import TcpProxy
from host.reliability.verdict import FaultRunVerdict
from host.store import Store
from host.store.models import Order, Position, RiskEvent, Trade
from host.store.url import normalize_database_url

__all__ = ["DbOutageResult", "OutageCycle", "run_db_outage", "temporary_mariadb_database"]

logger = logging.getLogger(__name__)


@dataclass
class OutageCycle:
    """One cut-and-restore of the database, as the engine lived it."""

    orders_before_cut: int
    #: Seconds from the cut to the engine's halt (STORE_FAILED).
    detect_s: float
    outage_s: float
    #: Seconds from the restore to the engine writing everything it held back.
    recover_s: float
    #: Whether the engine was still halted once the store was back (it must be).
    halted_after_recovery: bool
    #: Orders that reached the broker between the restore and the operator's re-arm (0).
    orders_before_rearm: int
    #: Seconds from the re-arm command to trading again.
    rearm_s: float


@dataclass
class DbOutageResult(FaultRunVerdict):
    """Figures and the safety verdict of one run."""

    backend: str
    fault: str
    seconds: float
    events: int
    orders: int
    fills: int
    cycles: list[OutageCycle] = field(default_factory=list)
    store_outage: dict[str, Any] = field(default_factory=dict)
    #: Orders the broker received while the store was down or the engine halted (must be 0).
    unsafe_submissions: int = 0
    #: Orders the broker received that are not in the database (must be 0).
    unrecorded_orders: int = 0
    problems: list[str] = field(default_factory=list)

    def exercised(self) -> bool:
        """At least one outage lived through."""
        return bool(self.cycles)


def _env(name: str, default: str) -> str:
    return os.environ.get(f"QUANTUM_TEST_MARIADB_{name}", default)


@contextlib.contextmanager
def temporary_mariadb_database() -> Iterator[str]:
    """A new, empty MariaDB database on the test server (``QUANTUM_TEST_MARIADB_*``, default
    root@127.0.0.1:3306), dropped afterwards; yields its URL."""
    import pymysql

    host, port = _env("HOST", "127.0.0.1"), int(_env("PORT", "3306"))
    user, password = _env("USER", "root"), _env("PASSWORD", "")
    name = f"quantum_outage_{uuid.uuid4().hex[:12]}"
    connection = pymysql.connect(
        host=host, port=port, user=user, password=password, autocommit=True, connect_timeout=5
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        yield f"mysql+asyncmy://{user}:{password}@{host}:{port}/{name}"
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        connection.close()


class _ProxyFault:
    """MariaDB behind a :class:`TcpProxy`: ``cut`` resets and refuses, ``hang`` freezes."""

    def __init__(self, url: URL, fault: str) -> None:
        self.fault = fault
        self.proxy = TcpProxy(url.host or "127.0.0.1", url.port or 3306)
        self.url = url

    async def __aenter__(self) -> str:
        await self.proxy.start()
        self.backend = f"MariaDB via proxy :{self.proxy.port}"
        return self.url.set(host="127.0.0.1", port=self.proxy.port).render_as_string(
            hide_password=False
        )

    async def __aexit__(self, *_exc: object) -> None:
        await self.proxy.close()

    async def begin(self) -> None:
        if self.fault == "cut":
            await self.proxy.cut()
        else:
            self.proxy.freeze()

    async def end(self) -> None:
        await self.proxy.restore()


class _SqliteLockFault:
    """SQLite file locked by another process (``BEGIN EXCLUSIVE`` held: a backup tool, a
    shell left in a transaction): reads go on (WAL), every write waits for the lock."""

    _LOCKER = (
        "import sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)\n"
        "c.execute('BEGIN EXCLUSIVE')\n"
        "print('locked', flush=True)\n"
        "sys.stdin.readline()\n"
        "c.execute('COMMIT')\n"
    )

    def __init__(self, url: URL) -> None:
        self.path = url.database or ""
        self.url = url
        self.backend = "SQLite"
        self.locker: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> str:
        return self.url.render_as_string(hide_password=False)

    async def __aexit__(self, *_exc: object) -> None:
        await self.end()

    async def begin(self) -> None:
        self.locker = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            self._LOCKER,
            self.path,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert self.locker.stdout is not None
        line = await asyncio.wait_for(self.locker.stdout.readline(), 60)
        if line.strip() != b"locked":
            raise RuntimeError(f"the SQLite locker must print 'locked', not {line!r}")

    async def end(self) -> None:
        locker, self.locker = self.locker, None
        if locker is not None and locker.stdin is not None:
            locker.stdin.write(b"\n")
            await locker.stdin.drain()
            await asyncio.wait_for(locker.wait(), 60)


@contextlib.asynccontextmanager
async def _engine_on(
    url: str, data_dir: Path, speed: float, config: EngineConfig
) -> AsyncIterator[tuple[ProductionEngineV2, Store, asyncio.Task[None]]]:
    data = load_directory(data_dir)
    guard = await GuardClient.connect("model", timeout=config.guard_timeout_s)
    store = await Store.open(url)
    engine = ProductionEngineV2(config, guard, symbols=data.symbols, store=store)
    run = asyncio.create_task(engine.run_live(replay_feed(data, speed=speed)))
    try:
        yield engine, store, run
    finally:
        if not run.done():
            run.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await run
        await guard.close()
        await store.close()


async def run_db_outage(
    database_url: str,
    *,
    cycles: int = 1,
    outage_s: float = 2.0,
    orders_per_phase: int = 5,
    events: int = 60_000,
    speed: float = 60.0,
    seed: int = 11,
    phase_timeout_s: float = 30.0,
    fault: str = "cut",
    store_timeout_s: float = 3.0,
) -> DbOutageResult:
    """Paper-trade on ``database_url`` and take the database away ``cycles`` times.

    Each cycle waits for ``orders_per_phase`` new orders, cuts the database for ``outage_s``,
    restores it, checks nothing traded before the operator's re-arm, re-arms through the
    database and waits for trading to resume. ``events`` generated rows are replayed at
    ``speed`` x real time (make sure they last the run). ``fault`` is, on MariaDB (through
    a proxy), ``"cut"`` (connections reset, new ones refused) or ``"hang"`` (connections
    stay open, nothing answers: the engine's ``store_timeout_s`` must catch it); on SQLite,
    ``"lock"`` (another process holds the file's write lock).
    """
    url = make_url(normalize_database_url(database_url))
    injector: _ProxyFault | _SqliteLockFault
    if fault in ("cut", "hang") and url.get_backend_name() in ("mysql", "mariadb"):
        injector = _ProxyFault(url, fault)
    elif fault == "lock" and url.get_backend_name() == "sqlite":
        injector = _SqliteLockFault(url)
    else:
        raise ValueError(
            "Database fault must be 'cut' or 'hang' on MariaDB, or 'lock' on SQLite, "
            f"not {fault!r} on {url.get_backend_name()}"
        )
    await (await Store.open(database_url)).close()  # schema at head, not through the fault
    config = EngineConfig(store_retry_s=0.25, store_timeout_s=store_timeout_s)
    started = time.monotonic()
    submissions: list[tuple[int, bool]] = []
    async with injector as engine_url:
        operator = await Store.open(database_url)  # the dashboard's own path to the database
        with tempfile.TemporaryDirectory(prefix="quantum-outage-") as workdir:
            generate(Path(workdir), seed=seed, events=events)
            async with _engine_on(engine_url, Path(workdir), speed, config) as (engine, _, run):
                submit = engine.broker.submit

                def recording_submit(order: BrokerOrder, now: int) -> Any:
                    safe = engine.store_available and not engine.halted
                    submissions.append((order.client_id, safe))
                    return submit(order, now)

                engine.broker.submit = recording_submit  # type: ignore[method-assign]
                result = DbOutageResult(
                    backend=injector.backend,
                    fault=fault,
                    seconds=0,
                    events=0,
                    orders=0,
                    fills=0,
                )
                try:
                    for _ in range(cycles):
                        result.cycles.append(
                            await _cycle(
                                engine,
                                injector,
                                operator,
                                submissions,
                                orders_per_phase,
                                outage_s,
                                phase_timeout_s,
                                run,
                                fault,
                            )
                        )
                finally:
                    await operator.close()
                # Let it trade a little after the last re-arm, then stop as Ctrl-C would.
                mark = len(submissions)
                with contextlib.suppress(TimeoutError):
                    await until(lambda: len(submissions) >= mark + 2, 5.0, "more orders")
            result.events = engine.counts.events
            result.orders = len(engine.orders)
            result.fills = len(engine.fills)
            result.store_outage = asdict(engine.store_outage)
            result.unsafe_submissions = sum(not safe for _, safe in submissions)
            await _reconcile(database_url, engine, submissions, result)
    result.seconds = round(time.monotonic() - started, 3)
    if result.unsafe_submissions:
        result.problems.append(
            f"{result.unsafe_submissions} orders reached the broker while the store was down "
            "or the engine halted"
        )
    return result


async def _cycle(
    engine: ProductionEngineV2,
    injector: "_ProxyFault | _SqliteLockFault",
    operator: Store,
    submissions: list[tuple[int, bool]],
    orders_per_phase: int,
    outage_s: float,
    timeout: float,
    run: asyncio.Task[None],
    fault: str,
) -> OutageCycle:
    def alive() -> None:
        if run.done():
            raise RuntimeError(f"the engine stopped early: {run.exception() or 'feed ended'}")

    def sent_at_least(count: int) -> bool:
        alive()
        return len(submissions) >= count

    mark = len(submissions)
    await until(lambda: sent_at_least(mark + orders_per_phase), timeout, "orders before the cut")
    orders_before = len(engine.orders)
    await injector.begin()
    logger.info("outage: database %s after %d orders", fault, orders_before)
    detect = await until(lambda: not engine.store_available, timeout, "engine noticed the cut")
    await asyncio.sleep(max(0.0, outage_s - detect))
    outage = max(detect, outage_s)
    await injector.end()
    recover = await until(lambda: engine.store_available, timeout, "engine back on the store")
    halted_after = engine.halted
    # Give it a moment on the restored store: it must still not trade before the re-arm.
    at_recovery = len(submissions)
    await asyncio.sleep(0.5)
    before_rearm = len(submissions) - at_recovery
    asked = time.monotonic()
    await operator.submit_command(
        kind="rearm", payload={"line": "both", "mode": 0, "mode_name": "active"}, actor="operator"
    )
    await until(lambda: not engine.halted, timeout, "engine re-armed by the operator")
    mark = len(submissions)
    await until(lambda: sent_at_least(mark + 1), timeout, "trading again after the re-arm")
    return OutageCycle(
        orders_before_cut=orders_before,
        detect_s=round(detect, 3),
        outage_s=round(outage, 3),
        recover_s=round(recover, 3),
        halted_after_recovery=halted_after,
        orders_before_rearm=before_rearm,
        rearm_s=round(time.monotonic() - asked, 3),
    )


async def _reconcile(
    url: str,
    engine: ProductionEngineV2,
    submissions: list[tuple[int, bool]],
    result: DbOutageResult,
) -> None:
    """Compare the database with the engine's own record after the run."""
    problems = result.problems
    for cycle in result.cycles:
        if not cycle.halted_after_recovery:
            problems.append("the engine resumed trading on its own when the store came back")
        if cycle.orders_before_rearm:
            problems.append(f"{cycle.orders_before_rearm} orders before the operator re-armed")
    outage = engine.store_outage
    if outage.written_late != outage.held_writes or not engine.store_available:
        problems.append(
            f"held writes not all stored: held {outage.held_writes}, written "
            f"{outage.written_late}, refused {outage.refused_writes}"
        )
    store = await Store.open(url)
    try:
        async with store.sessionmaker() as session:
            stored = {
                int(client_id): status
                for client_id, status in await session.execute(
                    select(Order.client_id, Order.status)
                )
            }
            trades = int(await session.scalar(select(func.count()).select_from(Trade)) or 0)
            net: dict[str, Decimal] = {}
            for symbol, side, quantity in await session.execute(
                select(Trade.symbol, Trade.side, Trade.quantity)
            ):
                net[symbol] = net.get(symbol, Decimal(0)) + (
                    quantity if side == "buy" else -quantity
                )
            positions = dict(
                (await session.execute(select(Position.symbol, Position.quantity))).all()
            )
            halts = await session.scalar(
                select(func.count())
                .select_from(RiskEvent)
                .where(RiskEvent.line == "engine", RiskEvent.reason.like("STORE_FAILED%"))
            )
            recovered = await session.scalar(
                select(func.count())
                .select_from(RiskEvent)
                .where(RiskEvent.line == "engine", RiskEvent.kind == "store_recovered")
            )
    finally:
        await store.close()
    result.unrecorded_orders = sum(client_id not in stored for client_id, _ in submissions)
    if result.unrecorded_orders:
        problems.append(f"{result.unrecorded_orders} orders reached the broker unrecorded")
    differ = [c for c, r in engine.orders.items() if stored.get(c) != r.status]
    if differ:
        problems.append(
            f"{len(differ)} orders' stored status differs from the engine's: {differ[:5]}"
        )
    if trades != len(engine.fills):
        problems.append(f"{trades} trades stored for {len(engine.fills)} fills")
    for symbol in set(net) | set(positions):
        if abs(float(positions.get(symbol, 0)) - float(net.get(symbol, 0))) > 1e-9:
            problems.append(
                f"position {symbol} {positions.get(symbol)} != net trades {net.get(symbol)}"
            )
    if halts != len(result.cycles) or recovered != len(result.cycles):
        problems.append(
            f"risk events: {halts} STORE_FAILED halts and {recovered} recoveries for "
            f"{len(result.cycles)} outages"
        )
