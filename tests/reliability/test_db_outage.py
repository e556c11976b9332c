"""The database becomes unreachable mid-run (MariaDB behind a proxy that the test cuts or
freezes; a SQLite file locked by another process): the engine halts, sends no order it could
not record, keeps its state, writes what it held back once the database returns, and trades
again only after the operator re-arms."""

from pathlib import Path
from typing import Any

import pytest

from host.reliability.db_outage import run_db_outage
from host.reliability.tcp_proxy import TcpProxy
from host.store.testing import clear_mariadb

pytestmark = [pytest.mark.slow]


@pytest.mark.mariadb
async def test_database_cut_mid_run_halts_holds_writes_and_resumes_only_on_rearm(
    mariadb_database: str,
) -> None:
    clear_mariadb(mariadb_database.rsplit("/", 1)[1])
    result = await run_db_outage(mariadb_database, cycles=1, outage_s=1.5, orders_per_phase=5)

    assert result.problems == []
    assert result.safe
    (cycle,) = result.cycles
    # Noticed at the first store access after the cut (command polling is every 0.2 s);
    # measured 10-20 ms, bounded loosely for a loaded machine.
    assert cycle.detect_s < 2.0
    assert cycle.halted_after_recovery and cycle.orders_before_rearm == 0
    assert result.unsafe_submissions == 0 and result.unrecorded_orders == 0
    # The halt's own cancels and risk event were held while the store was down, then written.
    assert result.store_outage["held_writes"] > 0
    assert result.store_outage["written_late"] == result.store_outage["held_writes"]
    assert result.orders > cycle.orders_before_cut  # it traded again after the re-arm


@pytest.mark.mariadb
async def test_database_hanging_mid_run_is_caught_by_the_store_timeout(
    mariadb_database: str,
) -> None:
    # Connections stay open and nothing answers (no reset): only the engine's own write
    # timeout can tell, and it must, or the engine would wait forever with orders open.
    clear_mariadb(mariadb_database.rsplit("/", 1)[1])
    result = await run_db_outage(
        mariadb_database, cycles=1, outage_s=2.0, fault="hang", store_timeout_s=1.0
    )

    assert result.problems == []
    (cycle,) = result.cycles
    # Caught by the 1 s timeout of the first store access after the freeze (generous bound:
    # two cores shared by many processes).
    assert cycle.detect_s < 2.5
    assert cycle.halted_after_recovery and cycle.orders_before_rearm == 0
    assert result.unsafe_submissions == 0 and result.unrecorded_orders == 0
    assert result.store_outage["written_late"] == result.store_outage["held_writes"] > 0


async def test_sqlite_locked_by_another_process_mid_run_halts_and_resumes_only_on_rearm(
    tmp_path: Path,
) -> None:
    # Another process holds the file's write lock: SQLite would make each write wait for
    # its 30 s busy timeout; the engine's 1 s store timeout must halt it first.
    result = await run_db_outage(
        f"sqlite:///{tmp_path / 'engine.db'}",
        cycles=1,
        outage_s=2.0,
        fault="lock",
        store_timeout_s=1.0,
    )

    assert result.problems == []
    (cycle,) = result.cycles
    assert cycle.detect_s < 2.5
    assert cycle.halted_after_recovery and cycle.orders_before_rearm == 0
    assert result.unsafe_submissions == 0 and result.unrecorded_orders == 0
    assert result.store_outage["written_late"] == result.store_outage["held_writes"] > 0


async def test_proxy_when_cut_then_refuses_and_when_restored_then_forwards() -> None:
    import asyncio
    import contextlib

    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionResetError):  # the proxy resets on cut
            while data := await reader.read(100):
                writer.write(data)
                await writer.drain()
        writer.close()

    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with TcpProxy("127.0.0.1", port) as proxy:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        writer.write(b"ping")
        assert await reader.read(4) == b"ping"
        await proxy.cut()
        with pytest.raises(ConnectionResetError):  # reset, as a dead server looks
            await reader.read(4)
        with pytest.raises(OSError):
            await asyncio.open_connection("127.0.0.1", proxy.port)
        await proxy.restore()
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        writer.write(b"back")
        assert await reader.read(4) == b"back"
        proxy.freeze()  # open, but nothing comes back
        writer.write(b"hang")
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(reader.read(4), 0.3)
        await proxy.restore()  # the held bytes flow again
        assert await asyncio.wait_for(reader.read(4), 5) == b"hang"
        writer.close()
    server.close()
    await server.wait_closed()


@pytest.mark.mariadb
async def test_paper_command_through_database_url_survives_an_outage_end_to_end(
    mariadb_database: str, tmp_path: Path
) -> None:
    # `quantum paper` in its own process, DATABASE_URL pointing at a proxy to MariaDB: the
    # whole command path (log, halt, held writes, operator re-arm from the database, clean
    # exit) as a user runs it.
    import asyncio
    import os
    import sys

    from sqlalchemy import func, select
    from sqlalchemy.engine import make_url

    from host.data.generator import generate
    from host.store import Store
    from host.store.models import OperatorCommand, Order, Position, RiskEvent, Trade

    clear_mariadb(mariadb_database.rsplit("/", 1)[1])
    generate(tmp_path / "data", seed=7, events=60_000)
    url = make_url(mariadb_database)
    store = await Store.open(mariadb_database)

    async def count(model: Any, *where: Any) -> int:
        async with store.sessionmaker() as session:
            query = select(func.count()).select_from(model).where(*where)
            return int(await session.scalar(query) or 0)

    async def until(what: str, check: Any, timeout: float = 30) -> None:
        async with asyncio.timeout(timeout):
            while not await check():
                assert process.returncode is None, f"paper exited early waiting for {what}"
                await asyncio.sleep(0.1)

    try:
        async with TcpProxy(url.host or "127.0.0.1", url.port or 3306) as proxy:
            proxied = url.set(port=proxy.port).render_as_string(hide_password=False)
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "host.cli",
                "--no-banner",
                "paper",
                "--guard",
                "model",
                "--feed",
                f"replay:{tmp_path / 'data'}:60",
                "--duration",
                "14",
                env={**os.environ, "DATABASE_URL": proxied, "PYTHONUNBUFFERED": "1"},
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            try:
                await until("orders", lambda: _more_than(count(Order), 3))
                await proxy.cut()
                await asyncio.sleep(2.0)
                orders_during = await count(Order)
                await asyncio.sleep(1.0)
                assert await count(Order) == orders_during  # nothing written: it is down
                await proxy.restore()
                await until(
                    "the recovery",
                    lambda: _more_than(count(RiskEvent, RiskEvent.kind == "store_recovered"), 0),
                )
                await store.submit_command(
                    kind="rearm", payload={"line": "both", "mode": 0}, actor="operator"
                )
                await until(
                    "the re-arm", lambda: _more_than(count(Order), orders_during), timeout=20
                )
                _, stderr = await asyncio.wait_for(process.communicate(), 60)
            finally:
                if process.returncode is None:
                    process.kill()
                    await process.wait()
        log = stderr.decode()
        assert process.returncode == 0, log[-3000:]
        assert "STORE UNAVAILABLE" in log and "STORE BACK" in log
        assert await count(OperatorCommand, OperatorCommand.status == "done") == 1
        assert await count(RiskEvent, RiskEvent.reason.like("STORE_FAILED%")) == 1
        assert await count(Order, Order.status.in_(("working", "accepted"))) == 0
        async with store.sessionmaker() as session:
            net: dict[str, float] = {}
            for symbol, side, quantity in await session.execute(
                select(Trade.symbol, Trade.side, Trade.quantity)
            ):
                net[symbol] = net.get(symbol, 0.0) + float(quantity if side == "buy" else -quantity)
            positions = {
                s: float(q)
                for s, q in await session.execute(select(Position.symbol, Position.quantity))
            }
        assert net and set(positions) == set(net)
        for symbol, held in positions.items():
            assert held == pytest.approx(net[symbol], abs=1e-9)
    finally:
        await store.close()


async def _more_than(count: Any, floor: int) -> bool:
    return int(await count) > floor
