"""Damaged frames through the whole GuardTop: never acted on, counted, and the link resyncs."""

import random
from typing import Any

import cocotb

from hdl.protocol import MessageType, Reason
from host.link.codec import FrameSplitter, Message, encode
from sim.scenarios import arm, set_instrument, set_limit, standard_limits, tick
from sim.tests.harness import GuardDriver, write_metrics

__all__ = [
    "damaged_orders_are_never_acted_on",
    "bad_frame_count_is_reported_in_status",
    "response_fifo_overflow_is_counted",
]


async def _armed(driver: GuardDriver) -> None:
    await driver.reset()
    setup = [set_limit(limit, value) for limit, value in standard_limits(20).items()]
    setup += [set_instrument(0), tick(0, 100, 1490, 1510), arm()]
    for message in setup:
        await driver.send_message(message)
        await driver.drain()


def _order(client_id: int) -> Message:
    fields = {"client_id": client_id, "instrument": 0, "price": 1500, "quantity": 1}
    return Message(MessageType.ORDER, fields)


def _verdicts(driver: GuardDriver) -> dict[int, int]:
    return {
        m["client_id"]: m["reason"]
        for m in driver.tx_messages
        if m.type == MessageType.ORDER_VERDICT
    }


@cocotb.test()
async def damaged_orders_are_never_acted_on(dut: Any) -> None:
    """Every single-bit flip, every truncation, garbage and oversize: no verdict, counted."""
    driver = GuardDriver(dut)
    await _armed(driver)
    frame = encode(_order(77))
    damaged: list[bytes] = []
    for index in range(len(frame) - 1):
        for bit in range(8):
            flipped = bytearray(frame)
            flipped[index] ^= 1 << bit
            damaged.append(bytes(flipped))
    damaged += [frame[:cut] + b"\x00" for cut in range(1, len(frame) - 1)]
    rng = random.Random(3)
    damaged += [bytes(rng.randrange(1, 256) for _ in range(n)) + b"\x00" for n in (1, 5, 30)]
    damaged.append(bytes([0xFF] * 300) + b"\x00")  # oversize
    expected_bad = 0
    for data in damaged:
        splitter = FrameSplitter()
        expected_bad += len(splitter.feed(data)) + splitter.oversize
        await driver.send_bad(data)
        await driver.idle(2)
    await driver.drain()
    assert 77 not in _verdicts(driver), "a damaged order was acted on"
    assert driver.bad_frames_seen == expected_bad
    # resync: the very next good frame is decoded and accepted
    await driver.send_message(_order(78))
    await driver.drain()
    assert _verdicts(driver)[78] == Reason.ACCEPT
    driver.check()
    assert not driver.mismatches, driver.mismatches[:5]
    write_metrics({"damaged_frames": expected_bad}, key="framing_damaged")


@cocotb.test()
async def bad_frame_count_is_reported_in_status(dut: Any) -> None:
    """The gateware's own STATUS matches the model after bad frames (same counter)."""
    driver = GuardDriver(dut)
    await _armed(driver)
    for _ in range(5):
        await driver.send_bad(b"\x03\x11\x22\x00")
    await driver.send_message(Message(MessageType.STATUS, {"section": 0}))
    await driver.drain()
    driver.check()
    assert driver.bad_frames_seen == 5
    assert driver.tx_messages[-1].type == MessageType.STATUS_REPLY
    assert not driver.mismatches, driver.mismatches[:5]


@cocotb.test()
async def response_fifo_overflow_is_counted(dut: Any) -> None:
    """With o_tx stalled, responses beyond the FIFO are dropped and counted like the model."""
    driver = GuardDriver(dut)
    await _armed(driver)
    dut.o_tx__ready.value = 0
    for section in range(12):
        await driver.send_message(Message(MessageType.STATUS, {"section": 0x30 + section % 7}))
    dut.o_tx__ready.value = 1
    await driver.idle(600)
    assert driver.drops > 0
    await driver.send_message(Message(MessageType.STATUS, {"section": 0}))
    await driver.idle(200)
    driver.check()
    # After drops the o_tx stream is a subsequence; the core's beats still match the model.
    assert not driver.mismatches, driver.mismatches[:5]
