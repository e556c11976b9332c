"""The link dies mid-run: the engine halts, cancels every open paper order, records why, sends
nothing more, and stays halted until the operator re-arms on a live link."""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

from hdl.protocol import Reason
from host.broker.paper import RealismConfig
from host.data.events import EventKind
from host.engine import EngineConfig, ProductionEngineV2
from host.link.client import GuardClient
from host.link.model_transport import ModelTransport
from host.reliability.link_death import RestingBuyer

S = 1_000_000


async def _quotes(seconds: float) -> AsyncIterator[tuple[Any, ...]]:
    started = time.monotonic()
    seq = 0
    while time.monotonic() - started < seconds:
        seq += 1
        t = int(time.time() * S)
        yield (t, t, EventKind.QUOTE, 0, 0, seq, 43_000.0, 5.0, 43_000.1, 5.0)
        await asyncio.sleep(0.02)


async def test_link_closed_mid_run_halts_cancels_and_refuses_to_rearm_until_link_back():
    transport = ModelTransport()
    guard = GuardClient(transport, timeout=0.1)
    await guard.hello()
    config = EngineConfig(realism=RealismConfig.level(0))
    engine = ProductionEngineV2(config, guard, symbols=["BTCUSDT"], strategy=RestingBuyer())
    submitted: list[tuple[int, bool]] = []
    submit = engine.broker.submit

    def recording_submit(order: Any, now: int) -> Any:
        submitted.append((order.client_id, engine.halted))
        return submit(order, now)

    engine.broker.submit = recording_submit  # type: ignore[method-assign]
    detected: dict[str, float] = {}

    async def cut_the_link() -> None:
        await asyncio.sleep(0.6)
        open_before = len(engine.broker.open_orders())
        cut = time.monotonic()
        await transport.close()
        while not engine.halted:
            await asyncio.sleep(0.005)
        detected["seconds"] = time.monotonic() - cut
        detected["open_before"] = open_before

    cutter = asyncio.create_task(cut_the_link())
    await engine.run_live(_quotes(1.2))
    await cutter

    assert detected["open_before"] > 0
    assert engine.halt_reason.startswith("LINK_DOWN")
    # Noticed within the gateware's own heartbeat timeout (the engine's heartbeat is a third).
    assert detected["seconds"] < config.gateware.heartbeat_timeout_s
    assert engine.broker.open_orders() == []
    assert all(not halted for _, halted in submitted), "an order reached the broker after halt"
    assert all(r.status not in ("working", "accepted") for r in engine.orders.values())
    # The operator cannot re-arm while the link is down.
    ok, why = await engine.execute_command("rearm", {}, "operator")
    assert not ok, why
    assert engine.halted
    await guard.close()

    # A new link to a guard that lost its limits still refuses (C2) until they are set again;
    # then the operator's re-arm is accepted and trading can resume.
    engine.guard = fresh = await GuardClient.connect("model")
    try:
        ok, why = await engine.execute_command("rearm", {}, "operator")
        assert not ok and "LIMITS_INCOMPLETE" in why, why
        assert engine.halted
        for limit, value in config.gateware.values(engine.time_unit_s):
            await fresh.set_limit(limit, value)
        for instrument in config.instruments:
            await fresh.set_instrument(
                instrument.index,
                enabled=True,
                max_position=instrument.max_position,
                min_price=instrument.min_price,
                max_price=instrument.max_price,
                band_ticks=instrument.band_ticks,
            )
        ok, why = await engine.execute_command("rearm", {}, "operator")
        assert ok, why
        assert not engine.halted
    finally:
        await engine.guard.close()


async def test_link_dies_then_engine_relinks_by_itself_but_trades_only_after_operator_rearm():
    transport = ModelTransport()
    first = GuardClient(transport, timeout=0.1)
    await first.hello()
    config = EngineConfig(realism=RealismConfig.level(0), store_retry_s=0.05)
    engine = ProductionEngineV2(config, first, symbols=["BTCUSDT"], strategy=RestingBuyer())
    submitted: list[tuple[int, bool]] = []
    submit = engine.broker.submit

    def recording_submit(order: Any, now: int) -> Any:
        submitted.append((order.client_id, engine.halted))
        return submit(order, now)

    engine.broker.submit = recording_submit  # type: ignore[method-assign]
    relinks: list[GuardClient] = []

    async def relink() -> GuardClient:
        relinks.append(await GuardClient.connect("model", timeout=0.1))
        return relinks[-1]

    seen: dict[str, Any] = {}

    async def break_then_rearm() -> None:
        while len(submitted) < 3:
            await asyncio.sleep(0.01)
        await transport.close()
        # The new link is in place once it is configured and the halt says so (reattach_guard
        # swaps the link first, then configures it): wait for that, or give up after 5 s.
        restored_by = time.monotonic() + 5
        while time.monotonic() < restored_by and not (
            relinks
            and engine.guard is relinks[-1]
            and engine.halt_reason.startswith("LINK_RESTORED")
        ):
            await asyncio.sleep(0.01)
        seen["reason"] = engine.halt_reason
        sent = len(submitted)
        await asyncio.sleep(0.3)  # quotes keep coming on the new link: still nothing sent
        seen["sent_before_rearm"] = len(submitted) - sent
        seen["rearm"] = await engine.execute_command("rearm", {}, "operator")
        mark = len(submitted)
        while len(submitted) < mark + 2:
            await asyncio.sleep(0.01)

    driver = asyncio.create_task(break_then_rearm())
    run = asyncio.create_task(engine.run_live(_quotes(30), relink=relink))
    await asyncio.wait_for(driver, 20)
    run.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await run

    assert len(relinks) == 1 and not first.connected
    assert seen["reason"].startswith("LINK_RESTORED"), seen["reason"]
    assert seen["sent_before_rearm"] == 0
    assert seen["rearm"][0], seen["rearm"]
    assert all(not halted for _, halted in submitted), "an order reached the broker while halted"
    # Orders after the re-arm were judged by the new gateware.
    assert engine.orders[submitted[-1][0]].gateware_reason == Reason.ACCEPT
    await engine.guard.close()
