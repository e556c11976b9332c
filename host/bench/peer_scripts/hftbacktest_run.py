"""hftbacktest 2.4 on the bench's events: the liquidation-window strategy called per event.

Quotes become best bid/ask depth events, trades and liquidations become trade events (a
liquidation is marked with ``ival = 1``). The strategy, compiled by numba, wakes on every feed
event, reads the last trades of each symbol and sums forced-liquidation notional over a
sliding window, exactly as the bench's bare Python loop does. The first (compiling) run is on a
small slice; the timed run is on the whole data.
"""

import importlib.metadata
import json
import sys
import time

import numpy as np
from hftbacktest import (
    BUY_EVENT,
    DEPTH_EVENT,
    EXCH_EVENT,
    LOCAL_EVENT,
    SELL_EVENT,
    TRADE_EVENT,
    BacktestAsset,
    HashMapMarketDepthBacktest,
)
from hftbacktest.types import event_dtype
from numba import njit

WINDOW_NS = 10_000_000_000
THRESHOLD_QUOTE = 1_000_000.0
TICKS = {0: 0.1, 1: 0.01}


def to_hbt(events: np.ndarray, sym: int) -> np.ndarray:
    """One symbol's rows in hftbacktest's event layout, times in ns.

    A best bid/ask update becomes depth events at the new prices, plus a zero-quantity event
    at a price that stopped being best (hftbacktest's local book ignores BBO events, and a
    level left behind would stay in its book as a stale best price).
    """
    rows = events[events["sym"] == sym]
    out = np.zeros(len(rows) * 4, dtype=event_dtype)
    position = 0
    flags = EXCH_EVENT | LOCAL_EVENT
    bid_flags = flags | DEPTH_EVENT | BUY_EVENT
    ask_flags = flags | DEPTH_EVENT | SELL_EVENT
    last_bid = last_ask = 0.0
    # Both processors see the event at the receive time: hftbacktest wants exchange times in
    # order, and the generated exchange times are not (latency varies per event).
    for ts, kind, side, p1, q1, p2, q2 in zip(
        rows["ts"].tolist(),
        rows["kind"].tolist(),
        rows["side"].tolist(),
        rows["p1"].tolist(),
        rows["q1"].tolist(),
        rows["p2"].tolist(),
        rows["q2"].tolist(),
        strict=True,
    ):
        ns = ts * 1000
        if kind == 0:
            if last_bid and last_bid != p1:
                out[position] = (bid_flags, ns, ns, last_bid, 0.0, 0, 0, 0.0)
                position += 1
            if last_ask and last_ask != p2:
                out[position] = (ask_flags, ns, ns, last_ask, 0.0, 0, 0, 0.0)
                position += 1
            out[position] = (bid_flags, ns, ns, p1, q1, 0, 0, 0.0)
            out[position + 1] = (ask_flags, ns, ns, p2, q2, 0, 0, 0.0)
            position += 2
            last_bid, last_ask = p1, p2
        else:
            side_flag = BUY_EVENT if side > 0 else SELL_EVENT
            marker = 1 if kind == 2 else 0
            out[position] = (flags | TRADE_EVENT | side_flag, ns, ns, p1, q1, 0, marker, 0.0)
            position += 1
    return out[:position].copy()


@njit
def strategy(hbt, n_assets, window_ns, threshold):
    window_ts = np.zeros((n_assets, 4096), dtype=np.int64)
    window_value = np.zeros((n_assets, 4096), dtype=np.float64)
    heads = np.zeros(n_assets, dtype=np.int64)
    tails = np.zeros(n_assets, dtype=np.int64)
    totals = np.zeros(n_assets, dtype=np.float64)
    signals = 0
    wakeups = 0
    while True:
        status = hbt.wait_next_feed(False, 3_600_000_000_000)
        if status == 1:
            break
        wakeups += 1
        now = hbt.current_timestamp
        for asset in range(n_assets):
            depth = hbt.depth(asset)
            mid = (depth.best_bid + depth.best_ask) / 2.0
            trades = hbt.last_trades(asset)
            for index in range(len(trades)):
                if trades[index].ival == 1:
                    slot = tails[asset] % 4096
                    window_ts[asset, slot] = trades[index].local_ts
                    window_value[asset, slot] = trades[index].px * trades[index].qty
                    totals[asset] += window_value[asset, slot]
                    tails[asset] += 1
            hbt.clear_last_trades(asset)
            while (
                heads[asset] < tails[asset]
                and window_ts[asset, heads[asset] % 4096] < now - window_ns
            ):
                totals[asset] -= window_value[asset, heads[asset] % 4096]
                heads[asset] += 1
            if totals[asset] >= threshold and np.isfinite(mid):
                signals += 1
                heads[asset] = tails[asset]
                totals[asset] = 0.0
    return signals, wakeups


def run(events: np.ndarray) -> tuple[int, int, float]:
    symbols = sorted(set(events["sym"].tolist()))
    assets = []
    # The assets hold raw pointers into these arrays: keep them alive until the run ends.
    arrays = [to_hbt(events, sym) for sym in symbols]
    for sym, data in zip(symbols, arrays, strict=True):
        assets.append(
            BacktestAsset()
            .data([data])
            .linear_asset(1.0)
            .constant_order_latency(10_000_000, 10_000_000)
            .risk_adverse_queue_model()
            .no_partial_fill_exchange()
            .trading_value_fee_model(0.0002, 0.0005)
            .tick_size(TICKS.get(sym, 0.01))
            .lot_size(0.001)
            .last_trades_capacity(1024)
        )
    hbt = HashMapMarketDepthBacktest(assets)
    start = time.perf_counter()
    signals, wakeups = strategy(hbt, len(symbols), WINDOW_NS, THRESHOLD_QUOTE)
    seconds = time.perf_counter() - start
    hbt.close()
    return signals, wakeups, seconds


def main() -> None:
    events = np.load(sys.argv[1])
    run(events[: min(len(events), 5_000)])  # compile the strategy outside the timing
    signals, wakeups, seconds = run(events)
    # One JSON line on stdout is this script's whole interface to the bench.
    sys.stdout.write(
        json.dumps(
            {
                "peer": "hftbacktest",
                "events": int(len(events)),
                "version": importlib.metadata.version("hftbacktest"),
                "seconds": seconds,
                "events_per_s": len(events) / seconds,
                "signals": signals,
                "wakeups": wakeups,
            }
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
