"""Seeded random differential run: every response of the gateware equals the model's.

Environment: ``QUANTUM_SIM_MESSAGES`` (default 20000) and ``QUANTUM_SIM_SEED`` (default 1).
"""

import collections
import os
import random
import time
from typing import Any

import cocotb

from hdl.protocol import AckResult, KillCause, MessageType, Reason, TickReason
from sim.tests.harness import GuardDriver, write_metrics
from sim.traffic import RandomTraffic

__all__ = ["random_differential"]

#: Keep this many responses at most in flight so that the response FIFO never overflows
#: (overflow is tested on its own; here every response must come out).
MAX_OUTSTANDING = 2


def _coverage(driver: GuardDriver) -> dict[str, dict[str, int]]:
    """How often each order reason, tick reason, ACK result and kill cause came out."""
    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for _, message in driver.responses:
        if message.type == MessageType.ORDER_VERDICT:
            counts["order"][Reason(message["reason"]).name] += 1
        elif message.type == MessageType.TICK_VERDICT:
            counts["tick"][TickReason(message["reason"]).name] += 1
        elif message.type == MessageType.ACK:
            counts["ack"][AckResult(message["result"]).name] += 1
        elif message.type == MessageType.ALERT:
            counts["alert"][KillCause(message["cause"]).name] += 1
    return {kind: dict(sorted(counter.items())) for kind, counter in counts.items()}


@cocotb.test()
async def random_differential(dut: Any) -> None:
    """>= 20,000 mixed messages; the model sees each at its exact i_msg cycle."""
    n_messages = int(os.environ.get("QUANTUM_SIM_MESSAGES", "20000"))
    seed = int(os.environ.get("QUANTUM_SIM_SEED", "1"))
    driver = GuardDriver(dut)
    await driver.reset()
    traffic = RandomTraffic(seed, n_order_slots=driver.model.n_order_slots)
    started = time.monotonic()
    for message in traffic.setup():
        await driver.send_message(message)
        await driver.drain()
    last_log = started
    kinds: dict[str, int] = {}
    observed = 0
    presses = random.Random(seed)
    press_before_end: int | None = None  # a press waiting for the next message's frame
    while driver.messages_sent + driver.bad_frames_sent < n_messages:
        action = next(traffic)
        while driver.outstanding() > MAX_OUTSTANDING:
            await driver.step()
        kinds[action.kind] = kinds.get(action.kind, 0) + 1
        if action.kind == "message":
            assert action.message is not None
            await driver.send_message(action.message, press_before_end=press_before_end)
            press_before_end = None
        elif action.kind == "bad":
            await driver.send_bad(action.data)
        elif action.kind == "idle":
            await driver.idle(action.cycles)
        elif action.kind == "button":
            # one press per frame: with one already waiting, this one goes apart
            style = presses.randrange(4) if press_before_end is None else 0
            press_kind = (
                "button_apart",
                "button_on_beat",
                "button_before_beat",
                "button_on_update",
            )[style]
            kinds[press_kind] = kinds.get(press_kind, 0) + 1
            if style:
                # on the next message's beat cycle (its delimiter), the one before (the kill
                # comes before the message: the core reads the latch again) or the one after
                # (the press races the message's own state write)
                press_before_end = {1: 0, 2: 1, 3: -1}[style]
            else:
                await driver.idle(6)
                await driver.press_kill_button()
                await driver.idle(6)
        while observed < len(driver.tx_messages):
            traffic.observe(driver.tx_messages[observed])
            observed += 1
        if time.monotonic() - last_log > 10:
            last_log = time.monotonic()
            cocotb.log.info(
                "random: %d messages, %d cycles, %d mismatches",
                driver.messages_sent + driver.bad_frames_sent,
                driver.cycle,
                len(driver.mismatches),
            )
            driver.check()
    await driver.drain()
    driver.check()
    seconds = time.monotonic() - started
    write_metrics(
        {
            "messages": driver.messages_sent + driver.bad_frames_sent,
            "good_messages": driver.messages_sent,
            "bad_frames_sent": driver.bad_frames_sent,
            "bad_frames_seen": driver.bad_frames_seen,
            "responses": len(driver.responses),
            "mismatches": len(driver.mismatches),
            "first_mismatches": [repr(m) for m in driver.mismatches[:10]],
            "cycles": driver.cycle,
            "seconds": seconds,
            "cycles_per_second": driver.cycle / seconds,
            "seed": seed,
            "actions": kinds,
            "verdict_latency_cycles": {k: sorted(v) for k, v in driver.latencies.items()},
            "coverage": _coverage(driver),
        },
        key="random",
    )
    assert driver.bad_frames_seen == driver.bad_frames_sent
    assert not driver.mismatches, f"{len(driver.mismatches)} mismatches: {driver.mismatches[:5]}"
