"""`quantum sim-serve` used by another process through plain pyserial, as if it were a board."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import serial

from hdl.protocol import (
    PROTOCOL_VERSION,
    AckResult,
    ArmMode,
    KillCause,
    LimitId,
    MessageType,
    OrderKind,
    Reason,
    Side,
    StatusSection,
    TradingState,
)
from host.link.client import GuardClient
from host.link.codec import FrameSplitter, Message, decode_frame, encode
from sim.scenarios import standard_limits

pytestmark = [pytest.mark.sim, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sim_serve(tmp_path_factory):
    """A running sim-serve; yields the symlink to its pty."""
    link = tmp_path_factory.mktemp("sim-serve") / "guard"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "host.cli",
            "--no-banner",
            "sim-serve",
            "--print-path",
            "--link",
            str(link),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # blocks through the first build
        assert line.startswith("PTY /dev/"), line
        assert link.is_symlink() and os.readlink(link) == line[4:].strip()
        yield link
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    assert not link.exists(), "sim-serve must remove its symlink on exit"


class _Port:
    """Plain pyserial, one request and its response at a time."""

    def __init__(self, path: Path) -> None:
        self.serial = serial.Serial(str(path), timeout=5)
        self.splitter = FrameSplitter()
        self.pending: list[Message] = []

    def request(self, message: Message) -> Message:
        self.serial.write(encode(message))
        deadline = time.monotonic() + 10
        while not self.pending and time.monotonic() < deadline:
            chunk = self.serial.read(max(1, self.serial.in_waiting))
            self.pending += [decode_frame(f) for f in self.splitter.feed(chunk)]
        assert self.pending, f"no response to {message.type.name}"
        return self.pending.pop(0)


def test_a_board_session_over_plain_pyserial(sim_serve):
    port = _Port(sim_serve)
    hello = port.request(Message(MessageType.HELLO, {"version": PROTOCOL_VERSION}))
    assert hello.type == MessageType.HELLO_REPLY
    assert hello["version"] == PROTOCOL_VERSION
    for limit, value in standard_limits(scale=200).items():
        ack = port.request(Message(MessageType.SET_LIMIT, {"limit_id": limit, "value": value}))
        assert (ack["command"], ack["argument"], ack["result"]) == (
            MessageType.SET_LIMIT,
            limit,
            AckResult.OK,
        )
    instrument = {
        "instrument": 0,
        "enabled": 1,
        "max_position": 100,
        "min_price": 1000,
        "max_price": 2000,
        "band_ticks": 20,
    }
    ack = port.request(Message(MessageType.SET_INSTRUMENT, instrument))
    assert ack["result"] == AckResult.OK
    tick = {"instrument": 0, "timestamp": 1, "bid": 1490, "ask": 1510}
    assert port.request(Message(MessageType.TICK, tick))["reason"] == 0
    ack = port.request(Message(MessageType.ARM, {"mode": ArmMode.ACTIVE}))
    assert ack["result"] == AckResult.OK
    order = {
        "client_id": 1,
        "instrument": 0,
        "side": Side.BUY,
        "kind": OrderKind.LIMIT,
        "price": 1500,
        "quantity": 5,
    }
    verdict = port.request(Message(MessageType.ORDER, order))
    assert (verdict["client_id"], verdict["reason"]) == (1, Reason.ACCEPT)
    too_big = dict(order, client_id=2, quantity=51)
    verdict = port.request(Message(MessageType.ORDER, too_big))
    assert (verdict["client_id"], verdict["reason"]) == (2, Reason.MAX_QUANTITY)
    summary = port.request(Message(MessageType.STATUS, {"section": StatusSection.SUMMARY}))
    assert summary.type == MessageType.STATUS_REPLY
    assert summary["section"] == StatusSection.SUMMARY
    port.serial.close()


async def test_guard_client_on_the_sim_backend(sim_serve):
    client = await GuardClient.connect(f"sim:{sim_serve}", timeout=5.0)
    try:
        assert client.backend == f"sim:{sim_serve}"
        assert client.info is not None and client.info.version == PROTOCOL_VERSION
        for limit, value in standard_limits(scale=200).items():
            await client.set_limit(limit, value)
        await client.set_instrument(
            1, enabled=True, max_position=100, min_price=1000, max_price=2000, band_ticks=20
        )
        assert await client.tick(1, 5, 1490, 1510) == 0
        await client.arm()
        assert (await client.status()).state == TradingState.ACTIVE
        assert await client.order(10, 1, Side.SELL, OrderKind.LIMIT, 1500, 2) == Reason.ACCEPT
        assert await client.cancel(10) == AckResult.OK
        await client.kill()
        status = await client.status()
        assert status.state == TradingState.HALTED
        assert await client.order(11, 1, Side.BUY, OrderKind.LIMIT, 1500, 1) == Reason.HALTED
        assert client.bad_frames == 0 and client.unmatched == 0
    finally:
        await client.close()


async def _armed_client(path: Path, *, heartbeat_timeout_s: float) -> GuardClient:
    client = await GuardClient.connect(f"sim:{path}", timeout=5.0)
    assert client.info is not None
    limits = standard_limits(scale=200)
    limits[LimitId.HEARTBEAT_TIMEOUT] = round(heartbeat_timeout_s / client.info.time_unit_seconds)
    for limit, value in limits.items():
        await client.set_limit(limit, value)
    await client.set_instrument(
        2, enabled=True, max_position=100, min_price=1000, max_price=2000, band_ticks=20
    )
    await client.arm()
    return client


async def test_watchdog_time_follows_wall_time(sim_serve):
    """Simulated time is paced to wall time: heartbeats every 0.1 s keep a 0.4 s watchdog
    quiet; silence beyond it latches the kill and the ALERT reaches the host."""
    client = await _armed_client(sim_serve, heartbeat_timeout_s=0.4)
    try:
        alerts = client.alerts()
        for _ in range(8):
            await asyncio.sleep(0.1)
            await client.heartbeat()
        assert (await client.status()).state == TradingState.ACTIVE
        alert = await asyncio.wait_for(anext(alerts), 10.0)
        assert (alert["state"], alert["cause"]) == (TradingState.HALTED, KillCause.WATCHDOG)
    finally:
        await client.close()


async def test_connect_sim_starts_and_stops_its_own_sim_serve():
    client = await GuardClient.connect("sim", timeout=5.0)
    process = client._owned_process
    assert process is not None and process.poll() is None
    assert client.backend.startswith("sim:/dev/")
    await client.close()
    assert process.poll() is not None


async def test_a_guard_that_dies_fails_closed():
    client = await GuardClient.connect("sim", timeout=2.0)
    process = client._owned_process
    assert process is not None
    try:
        os.killpg(process.pid, signal.SIGKILL)
        await asyncio.to_thread(process.wait)
        reason = await client.order(1, 0, Side.BUY, OrderKind.LIMIT, 1500, 1)
        assert reason in (Reason.LINK_DOWN, Reason.NO_VERDICT)
        for _ in range(100):
            if not client.connected:
                break
            await asyncio.sleep(0.05)
        assert not client.connected
        assert await client.order(2, 0, Side.BUY, OrderKind.LIMIT, 1500, 1) == Reason.LINK_DOWN
    finally:
        await client.close()
