"""Damaged frames through the whole GuardTop: never acted on, counted, and the link resyncs.

Environment: ``QUANTUM_SIM_NOISE_BYTES`` (default 200000), the random bytes that
:func:`random_noise_between_valid_frames` interleaves with valid traffic.
"""

import os
import random
from typing import Any

import cocotb

from hdl.protocol import MessageType, Reason
from host.link.codec import FrameSplitter, Message, encode
from sim.scenarios import arm, set_instrument, set_limit, standard_limits, tick
from sim.tests.harness import GuardDriver, write_metrics
from sim.traffic import RandomTraffic

__all__ = [
    "damaged_orders_are_never_acted_on",
    "bad_frame_count_is_reported_in_status",
    "response_fifo_overflow_is_counted",
    "random_noise_between_valid_frames",
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


# First in this module: the counters live in block RAM, which keeps its values across ``rst``
# (as on a board, where only configuration clears it), while the model starts from zero; this
# test reads every counter page in STATUS, so it runs before the others have counted anything.
@cocotb.test()
async def random_noise_between_valid_frames(dut: Any) -> None:
    """Random bytes (zeros included) between the random differential traffic's valid frames.

    The host's own splitter and decoder, fed the very same stream, say which frames the
    gateware must act on: a valid frame whose noise ended in a delimiter must be decoded
    (resynchronisation), one glued to noise without a delimiter is lost, every other frame is
    bad and counted, and every response must still equal the model's, counters included.
    """
    noise_target = int(os.environ.get("QUANTUM_SIM_NOISE_BYTES", "200000"))
    driver = GuardDriver(dut)
    await driver.reset()
    traffic = RandomTraffic(11)
    for message in traffic.setup():
        await driver.send_message(message)
        await driver.drain()
    rng = random.Random(12)
    bad_before = driver.bad_frames_sent
    noise_bytes = resynced = glued = 0
    observed = 0
    while noise_bytes < noise_target:
        action = next(traffic)
        while driver.outstanding() > 2:
            await driver.step()
        if action.kind == "message":
            assert action.message is not None
            noise = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 80)))
            delimited = rng.random() < 0.8
            if noise and delimited:
                noise += b"\x00"
            noise_bytes += len(noise)
            if noise and not delimited and noise[-1] != 0:
                glued += 1
            elif noise:
                resynced += 1
            await driver.send_noisy(noise + encode(action.message))
        elif action.kind == "bad":
            noise_bytes += len(action.data)
            await driver.send_noisy(action.data)
        elif action.kind == "idle":
            await driver.idle(action.cycles)
        while observed < len(driver.tx_messages):
            traffic.observe(driver.tx_messages[observed])
            observed += 1
    await driver.send_noisy(b"\x00")  # close whatever noise is still open
    await driver.drain()
    await driver.send_message(Message(MessageType.STATUS, {"section": 0}))
    await driver.drain()
    driver.check()
    assert not driver.mismatches, driver.mismatches[:5]
    assert driver.frames_pending == 0, "a valid frame after a delimiter was not decoded"
    assert driver.bad_frames_seen == driver.bad_frames_sent
    assert driver.tx_messages[-1].type == MessageType.STATUS_REPLY
    assert resynced > 0 and glued > 0
    write_metrics(
        {
            "noise_bytes": noise_bytes,
            "valid_frames": driver.messages_sent,
            "bad_frames": driver.bad_frames_sent - bad_before,
            "resynced_after_noise": resynced,
            "lost_to_glued_noise": glued,
            "cycles": driver.cycle,
            "mismatches": len(driver.mismatches),
        },
        key="framing_noise",
    )


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
