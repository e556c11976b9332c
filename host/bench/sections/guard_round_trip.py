"""Order round trips through :class:`host.link.client.GuardClient` to any guard backend.

The same measurement for every backend spec the client accepts (``model``: the Python
reference model in-process, over the byte codec; ``sim``: the Verilator model of the gateware
behind a pseudo-terminal, started and stopped here): configure and arm the guard exactly as
the engine does, then time ORDER -> ORDER_VERDICT one order at a time, cancelling each.
"""

import asyncio
import time
from collections import Counter
from typing import Any

import numpy as np

__all__ = ["measure_guard_round_trip"]


async def _measure(spec: str, count: int, timeout: float) -> dict[str, Any]:
    from hdl.protocol import ArmMode, OrderKind, Reason, Side
    from host.engine.config import EngineConfig
    from host.link.client import GuardClient

    config = EngineConfig()
    instrument = next(iter(config.instruments))
    reasons: Counter[str] = Counter()
    latencies = np.empty(count)
    async with await GuardClient.connect(spec, timeout=timeout) as client:
        info = await client.hello()
        for limit, value in config.gateware.values(info.time_unit_seconds):
            await client.set_limit(limit, value)
        for each in config.instruments:
            await client.set_instrument(
                each.index,
                enabled=True,
                max_position=each.max_position,
                min_price=each.min_price,
                max_price=each.max_price,
                band_ticks=each.band_ticks,
            )
        await client.arm(ArmMode.ACTIVE)
        bid = (instrument.min_price + instrument.max_price) // 4
        started = time.perf_counter()
        for index in range(count):
            # A fresh tick keeps the reference price young, so most orders reach every check;
            # rejects (rate limit) cost the same cycles by design, and are counted.
            await client.tick(instrument.index, index + 1, bid, bid + 2)
            begin = time.perf_counter_ns()
            verdict = await client.order(
                client_id=index + 1,
                instrument=instrument.index,
                side=Side(index % 2),
                kind=OrderKind.LIMIT,
                price=bid,
                quantity=1,
            )
            latencies[index] = time.perf_counter_ns() - begin
            reason = verdict if isinstance(verdict, Reason) else getattr(verdict, "reason", verdict)
            reasons[Reason(int(reason)).name] += 1
            if int(reason) == Reason.ACCEPT:
                await client.cancel(index + 1)
        seconds = time.perf_counter() - started
    return {
        "samples_us": (latencies / 1e3).tolist(),
        "p50_us": float(np.percentile(latencies, 50) / 1e3),
        "p99_us": float(np.percentile(latencies, 99) / 1e3),
        # One order in flight, with its tick and cancel: a conservative rate.
        "orders_per_s": count / seconds,
        "reasons": dict(reasons),
    }


def measure_guard_round_trip(spec: str, *, count: int, timeout: float = 2.0) -> dict[str, Any]:
    """Round-trip figures of ``count`` orders through the guard at ``spec``.

    Returns
    -------
    dict
        ``samples_us``, ``p50_us``, ``p99_us``, ``orders_per_s`` and ``reasons`` (verdict
        name -> count).
    """
    if count < 1:
        raise ValueError(f"Order count must be at least 1, not {count!r}")
    return asyncio.run(_measure(spec, count, timeout))
