"""Figures of the simulated link for the bench: Verilator speed and pty round trips.

A benchmark, not a test: call :func:`measure_pty_round_trip` and :func:`measure_simulation`
from ``quantum bench``; numbers depend on the machine and its load.
"""

import asyncio
import json
import statistics
import time
from typing import Any

from hdl.protocol import ArmMode, LimitId, MessageType, OrderKind, Reason, Side

__all__ = ["measure_pty_round_trip", "measure_simulation"]


async def _round_trips(n: int) -> dict[str, Any]:
    from host.link.client import GuardClient

    async with await GuardClient.connect("sim", timeout=5.0) as client:
        assert client.info is not None
        # Generous limits so that every timed order runs every check and is accepted.
        limits = {
            LimitId.MAX_ORDER_QTY: 100,
            LimitId.MAX_ORDER_NOTIONAL: 10**9,
            LimitId.COLLAR_TICKS: 1000,
            LimitId.STALE_AFTER: 10**6,
            LimitId.MAX_GROSS_EXPOSURE: 10**11,
            LimitId.MAX_OPEN_ORDERS: 8,
            LimitId.RATE_MAX_ORDERS: 60_000,
            LimitId.RATE_WINDOW: 10,
            LimitId.DUP_WINDOW: 1,
            LimitId.FILL_MAX: 60_000,
            LimitId.FILL_WINDOW: 10,
            LimitId.HEARTBEAT_TIMEOUT: 10**6,
            LimitId.CONFIRM_TICKS: 3,
        }
        for limit, value in limits.items():
            await client.set_limit(limit, value)
        await client.set_instrument(
            0, enabled=True, max_position=10**6, min_price=1, max_price=10**6, band_ticks=10**5
        )
        await client.tick(0, 1, 1000, 1002)
        await client.arm(ArmMode.ACTIVE)
        seconds: list[float] = []
        reasons: dict[str, int] = {}
        started = time.perf_counter()
        for index in range(n):
            side = Side(index % 2)
            begin = time.perf_counter()
            reason = await client.order(index + 1, 0, side, OrderKind.LIMIT, 1001, 1)
            seconds.append(time.perf_counter() - begin)
            reasons[reason.name] = reasons.get(reason.name, 0) + 1
            if reason == Reason.ACCEPT:
                await client.cancel(index + 1)
        total = time.perf_counter() - started
        seconds.sort()
        return {
            "orders": n,
            "round_trip_p50_us": statistics.median(seconds) * 1e6,
            "round_trip_p99_us": seconds[min(n - 1, int(n * 0.99))] * 1e6,
            # each order is followed by its cancel: two requests per order
            "orders_per_s": n / total,
            "reasons": reasons,
            "sim_clock_hz": client.info.clock_hz,
            "order_frame_bytes": 18,
            "message_type": MessageType.ORDER.name,
        }


def measure_pty_round_trip(n: int = 200) -> dict[str, Any]:
    """Start ``sim-serve``, time ``n`` ORDER -> ORDER_VERDICT round trips through its pty.

    Returns
    -------
    dict
        ``round_trip_p50_us``, ``round_trip_p99_us``, ``orders_per_s`` (each order followed
        by its CANCEL), ``reasons`` and ``sim_clock_hz``.
    """
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"Order count must be a positive integer, not {n!r}")
    return asyncio.run(_round_trips(n))


def measure_simulation(messages: int = 3_000) -> dict[str, Any]:
    """Run the random differential suite on ``messages`` messages; returns its figures,
    among them ``cycles_per_second`` of Verilator driven cycle by cycle from cocotb."""
    from sim.runner import run_suite

    result = run_suite(
        "guard_top", "test_random", extra_env={"QUANTUM_SIM_MESSAGES": str(messages)}
    )
    figures = dict(result.metrics.get("random", {}))
    figures["passed"] = result.failed == 0
    return json.loads(json.dumps(figures))
