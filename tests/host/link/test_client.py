"""GuardClient against a ModelTransport: matching, fail-closed verdicts, counting bad input."""

import asyncio

import pytest

from hdl.protocol import (
    PROTOCOL_VERSION,
    AckResult,
    ArmMode,
    LimitId,
    MessageType,
    OrderKind,
    Reason,
    Side,
    TickReason,
)
from host.link.client import (
    GuardClient,
    GuardCommandError,
    GuardLinkError,
    GuardProtocolError,
    GuardTimeoutError,
)
from host.link.codec import Message, encode
from host.link.model_transport import ModelTransport, VirtualClock


async def _client(guard, *, timeout: float = 0.05, clock=None) -> GuardClient:
    transport = ModelTransport(guard, clock=clock or VirtualClock())
    client = GuardClient(transport, timeout=timeout)
    await client.hello()
    return client


async def test_hello_reports_the_guard_info(fake_guard):
    client = await _client(fake_guard)
    assert client.info is not None
    assert client.info.version == PROTOCOL_VERSION
    assert client.info.time_unit_seconds == pytest.approx(1e-6)
    assert client.backend == "model"
    await client.close()


async def test_hello_with_another_protocol_version_is_refused(fake_guard):
    fake_guard.version = PROTOCOL_VERSION + 1
    with pytest.raises(GuardProtocolError, match=r"^Guard protocol version must be"):
        await _client(fake_guard)


async def test_set_limit_ok_then_refused(fake_guard):
    client = await _client(fake_guard)
    await client.set_limit(LimitId.MAX_ORDER_QTY, 10)
    with pytest.raises(GuardCommandError) as raised:
        await client.set_limit(LimitId.COLLAR_TICKS, 0)
    assert raised.value.result == AckResult.BAD_ARGUMENT
    assert raised.value.argument == LimitId.COLLAR_TICKS
    await client.close()


async def test_arm_and_kill_are_acked(fake_guard):
    client = await _client(fake_guard)
    await client.arm(ArmMode.REDUCING)
    await client.kill()
    sent = [m.type for _, m in fake_guard.received]
    assert sent[-2:] == [MessageType.ARM, MessageType.KILL]
    assert fake_guard.received[-2][1]["mode"] == ArmMode.REDUCING
    await client.close()


async def test_order_verdicts_are_matched_by_client_id(fake_guard):
    client = await _client(fake_guard)
    results = await asyncio.gather(
        client.order(1, 0, Side.BUY, OrderKind.LIMIT, 100, 1),
        client.order(2, 0, Side.SELL, OrderKind.LIMIT, 101, 1),
        client.order(3, 0, Side.BUY, OrderKind.MARKET, 0, 1),
    )
    assert results == [Reason.ACCEPT, Reason.PRICE_COLLAR, Reason.ACCEPT]
    assert client.unmatched == 0
    await client.close()


async def test_order_without_verdict_fails_closed_as_no_verdict(fake_guard):
    client = await _client(fake_guard)
    reason = await client.order(fake_guard.SILENT_ID, 0, Side.BUY, OrderKind.LIMIT, 10, 1)
    assert reason == Reason.NO_VERDICT
    # The link itself is still usable afterwards.
    assert await client.order(5, 0, Side.BUY, OrderKind.LIMIT, 10, 1) == Reason.ACCEPT
    await client.close()


async def test_late_accept_after_timeout_is_cancelled_in_the_guard(fake_guard):
    client = await _client(fake_guard)
    order_id = fake_guard.SILENT_THEN_ACCEPT_ID
    assert await client.order(order_id, 0, Side.BUY, OrderKind.LIMIT, 10, 1) == Reason.NO_VERDICT
    fake_guard.release_held()
    for _ in range(100):
        if any(m.type == MessageType.CANCEL for _, m in fake_guard.received):
            break
        await asyncio.sleep(0.01)
    cancels = [m for _, m in fake_guard.received if m.type == MessageType.CANCEL]
    assert [m["client_id"] for m in cancels] == [order_id]
    assert client.late_verdicts == 1
    assert client.unmatched == 0
    await client.close()


async def test_order_on_a_closed_link_is_link_down(fake_guard):
    client = await _client(fake_guard)
    await client.close()
    assert not client.connected
    assert await client.order(1, 0, Side.BUY, OrderKind.LIMIT, 10, 1) == Reason.LINK_DOWN
    with pytest.raises(GuardLinkError):
        await client.heartbeat()


async def test_tick_verdicts_are_matched_by_instrument_and_timestamp(fake_guard):
    client = await _client(fake_guard)
    accepted, crossed = await asyncio.gather(
        client.tick(1, 1000, 99, 101), client.tick(1, 1001, 101, 101)
    )
    assert accepted == TickReason.ACCEPT
    assert crossed == TickReason.CROSSED_BOOK
    await client.close()


async def test_cancel_and_fill_return_the_ack_result(fake_guard):
    client = await _client(fake_guard)
    assert await client.cancel(7) == AckResult.OK
    assert await client.fill(2000, 100, 1) == AckResult.UNKNOWN_ORDER
    await client.close()


async def test_heartbeat_expects_no_response(fake_guard):
    client = await _client(fake_guard)
    await client.heartbeat()
    assert fake_guard.received[-1][1].type == MessageType.HEARTBEAT
    await client.close()


async def test_timeout_on_a_command_raises(fake_guard):
    fake_guard.receive = lambda message, cycle: []
    transport = ModelTransport(fake_guard, clock=VirtualClock())
    client = GuardClient(transport, timeout=0.02)
    with pytest.raises(GuardTimeoutError, match=r"^No response to HELLO"):
        await client.hello()
    await client.close()


async def test_garbage_from_the_guard_is_counted_never_acted_on(fake_guard):
    client = await _client(fake_guard)
    transport = client._transport
    assert isinstance(transport, ModelTransport)
    good = encode(Message(MessageType.ORDER_VERDICT, {"client_id": 9, "reason": 0}))
    corrupted = bytearray(good)
    corrupted[3] ^= 0x10
    transport._queue.put_nowait(bytes(corrupted) + b"\x55\x66\x00")
    order = asyncio.ensure_future(client.order(9, 0, Side.BUY, OrderKind.LIMIT, 200, 1))
    assert await order == Reason.PRICE_COLLAR  # the corrupted "accept" was not used
    assert client.bad_frames == 2
    await client.close()


async def test_a_response_nobody_asked_for_is_counted(fake_guard):
    client = await _client(fake_guard)
    stray = Message(MessageType.ORDER_VERDICT, {"client_id": 42, "reason": 0})
    client._transport._queue.put_nowait(encode(stray))  # type: ignore[attr-defined]
    await client.heartbeat()
    for _ in range(50):
        if client.unmatched:
            break
        await asyncio.sleep(0.005)
    assert client.unmatched == 1
    await client.close()


async def test_alerts_are_delivered_as_they_arrive(fake_guard):
    client = await _client(fake_guard)
    client.press_kill_button()
    alert = await asyncio.wait_for(anext(client.alerts()), 1.0)
    assert alert.type == MessageType.ALERT
    assert alert["cause"] == 5
    await client.close()


async def test_model_is_fed_clock_cycles_spaced_like_the_gateware(fake_guard):
    clock = VirtualClock()
    client = await _client(fake_guard, clock=clock)
    clock.advance(1000)
    await client.heartbeat()
    await client.heartbeat()
    cycles = [cycle for cycle, _ in fake_guard.received]
    assert cycles == [0, 1000, 1005]
    await client.close()


async def test_bad_frames_sent_to_the_model_are_reported_as_bad(fake_guard):
    transport = ModelTransport(fake_guard, clock=VirtualClock())
    await transport.write(b"\x03\x11\x22\x00" + encode(Message(MessageType.HEARTBEAT)))
    assert fake_guard.bad_frames == [0]
    assert [m.type for _, m in fake_guard.received] == [MessageType.HEARTBEAT]
    assert transport.bad_frames == 1
    await transport.close()


@pytest.mark.parametrize(
    ("spec", "message"),
    [("modle", r"^Guard spec must be"), ("serial:", r"^Guard spec must be")],
)
async def test_unknown_specs_are_refused(spec, message):
    with pytest.raises(ValueError, match=message):
        await GuardClient.connect(spec)


def test_virtual_clock_never_goes_backwards():
    clock = VirtualClock(cycle=10)
    with pytest.raises(ValueError, match=r"^Cycle must be an integer not below the current 10"):
        clock.set(9)
    clock.set_seconds(1.0)
    assert clock.now() == 12_000_000


async def _armed_real_model(clock: VirtualClock) -> GuardClient:
    from sim.scenarios import standard_limits

    client = GuardClient(ModelTransport(clock=clock, time_unit_cycles=12), timeout=0.5)
    await client.hello()
    for limit, value in standard_limits().items():
        await client.set_limit(limit, value)
    await client.set_instrument(
        0, enabled=True, max_position=100, min_price=1000, max_price=2000, band_ticks=20
    )
    assert await client.tick(0, 1, 1490, 1510) == TickReason.ACCEPT
    await client.arm()
    return client


async def test_real_model_accepts_then_rejects_the_neighbouring_order():
    clock = VirtualClock()
    client = await _armed_real_model(clock)
    assert await client.order(1, 0, Side.BUY, OrderKind.LIMIT, 1500, 40) == Reason.ACCEPT
    assert await client.order(2, 0, Side.BUY, OrderKind.LIMIT, 1500, 51) == Reason.MAX_QUANTITY
    assert await client.fill(1, 1500, 40) == AckResult.OK
    status = await client.status()
    assert status.instruments[0].position == 40
    await client.close()


async def test_real_model_set_position_counts_in_the_position_limit_and_disarms():
    client = await _armed_real_model(VirtualClock())
    with pytest.raises(GuardCommandError) as raised:
        await client.set_position(0, 95, 0)  # no price to value it
    assert (raised.value.command, raised.value.result) == (
        MessageType.SET_POSITION,
        AckResult.BAD_ARGUMENT,
    )
    await client.set_position(0, 95, 1400)
    assert await client.order(1, 0, Side.BUY, OrderKind.LIMIT, 1500, 5) == Reason.NOT_ARMED
    await client.arm()
    assert await client.order(2, 0, Side.BUY, OrderKind.LIMIT, 1500, 6) == Reason.MAX_POSITION
    assert await client.order(3, 0, Side.BUY, OrderKind.LIMIT, 1500, 5) == Reason.ACCEPT
    status = await client.status()
    assert (status.instruments[0].position, status.instruments[0].last_fill_price) == (95, 1400)
    await client.set_position(0, -7, 1400)
    assert (await client.status()).instruments[0].position == -7
    await client.close()


async def test_real_model_cancel_all_returns_how_many_orders_it_freed():
    client = await _armed_real_model(VirtualClock())
    assert await client.order(1, 0, Side.BUY, OrderKind.LIMIT, 1500, 5) == Reason.ACCEPT
    assert await client.order(2, 0, Side.BUY, OrderKind.LIMIT, 1499, 5) == Reason.ACCEPT
    await client.kill()  # cancels pass in any state
    assert await client.cancel_all() == 2
    assert await client.cancel_all() == 0
    assert await client.cancel(1) == AckResult.UNKNOWN_ORDER
    await client.close()


async def test_real_model_watchdog_alert_reaches_the_client():
    from hdl.protocol import KillCause, TradingState
    from sim.scenarios import standard_limits

    clock = VirtualClock()
    client = await _armed_real_model(clock)
    timeout_units = standard_limits()[LimitId.HEARTBEAT_TIMEOUT]
    clock.advance((timeout_units + 50) * 12)  # the last message was a few cycles after 0
    alert = await asyncio.wait_for(anext(client.alerts()), 1.0)
    assert (alert["state"], alert["cause"]) == (TradingState.HALTED, KillCause.WATCHDOG)
    assert await client.order(3, 0, Side.BUY, OrderKind.LIMIT, 1500, 1) == Reason.HALTED
    await client.close()


async def test_real_model_heartbeats_keep_the_watchdog_quiet():
    from sim.scenarios import standard_limits

    clock = VirtualClock()
    client = await _armed_real_model(clock)
    timeout_units = standard_limits()[LimitId.HEARTBEAT_TIMEOUT]
    for _ in range(5):
        clock.advance(timeout_units * 12 // 2)
        await client.heartbeat()
    assert await client.order(4, 0, Side.BUY, OrderKind.LIMIT, 1500, 1) in (
        Reason.ACCEPT,
        Reason.STALE_REFERENCE,  # the reference tick is old by now; the point is: not HALTED
    )
    await client.close()


async def test_connect_model_spec():
    client = await GuardClient.connect("model")
    assert client.backend == "model"
    assert client.info is not None and client.info.clock_hz == 12_000_000
    await client.close()
