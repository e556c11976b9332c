"""Each vectorised replica equals, value for value, the reference code it replaces, on random
inputs dense with the cases its stateful walks exist for."""

from bisect import bisect_right

import numpy as np
import pytest

from hdl.protocol import LimitId, TickReason
from host.backtest.vectorised import (
    SANITIZER_REASONS,
    TickFilterLimits,
    counts_up_to,
    event_groups,
    filter_ticks,
    greedy_samples,
    sanitize,
    volatility,
    window_start_samples,
    window_sums,
)
from host.broker.paper import PaperBroker
from host.data.events import EVENT_DTYPE, EventKind
from host.link.model import GuardModel
from host.sanitizer.l0_sanitizer import L0Sanitizer, SanitizerConfig

SEEDS = [0, 1, 2]


def faulty_events(rng: np.random.Generator, n: int, n_symbols: int) -> np.ndarray:
    """Events with every sanitizer fault at a few percent, jumps that a streak confirms."""
    events = np.zeros(n, dtype=EVENT_DTYPE)
    events["ts"] = np.sort(rng.integers(0, 10 * n, n)) * 1000
    events["exch_ts"] = events["ts"] - rng.choice(
        [1000, 5000, 2_000_000, -100_000], n, p=[0.6, 0.35, 0.03, 0.02]
    )
    events["kind"] = rng.choice(3, n, p=[0.6, 0.35, 0.05])
    events["sym"] = rng.integers(0, n_symbols, n)
    events["side"] = rng.choice([-1, 1], n)
    events["seq"] = np.cumsum(rng.choice([0, 1, 2, 9], n, p=[0.03, 0.87, 0.05, 0.05])) - rng.choice(
        [0, 3], n, p=[0.97, 0.03]
    )
    level = 100.0 * np.exp(np.cumsum(rng.normal(0, 0.002, n)))
    level *= np.where(np.arange(n) > n // 2, 1.3, 1.0)  # a real jump the streak must adopt
    outlier = rng.choice([1.0, 10.0, 0.0, -1.0, np.nan], n, p=[0.94, 0.02, 0.01, 0.01, 0.02])
    spread = level * rng.choice([1e-4, 1e-2, -1e-4], n, p=[0.94, 0.03, 0.03])
    events["p1"] = level * outlier
    events["p2"] = level * outlier + spread
    events["q1"] = rng.choice([1.0, 0.0, 2.5], n, p=[0.9, 0.03, 0.07])
    events["q2"] = rng.choice([1.0, -1.0], n, p=[0.97, 0.03])
    return events


@pytest.mark.parametrize("seed", SEEDS)
def test_sanitize_when_faulty_stream_then_same_verdicts_as_l0sanitizer(seed: int) -> None:
    rng = np.random.default_rng(seed)
    events = faulty_events(rng, 6_000, 2)
    config = SanitizerConfig(max_sequence_gap=5, confirm_count=3, max_deviation=0.05)
    reference = L0Sanitizer(config)
    expected = []
    for ts, exch, kind, sym, _side, seq, p1, q1, p2, q2 in events.tolist():
        symbol = f"S{sym}"
        if kind == EventKind.QUOTE:
            reason = reference.check_quote(symbol, seq, exch, ts, p1, q1, p2, q2)
        elif kind == EventKind.TRADE:
            reason = reference.check_trade(symbol, seq, exch, ts, p1, q1)
        else:
            reason = reference.check_liquidation(
                symbol, exch_ts=exch, recv_ts=ts, price=p1, quantity=q1
            )
        expected.append(0 if reason is None else SANITIZER_REASONS.index(reason) + 1)
    columns = {name: np.ascontiguousarray(events[name]) for name in EVENT_DTYPE.names or ()}
    codes = sanitize(columns, event_groups(columns["kind"], columns["sym"], 2), config)
    assert codes.tolist() == expected
    # Every rule fired, the streak included (a real jump accepted after ABSURD_PRICE rejects).
    assert set(expected) == set(range(len(SANITIZER_REASONS) + 1))


@pytest.mark.parametrize("seed", SEEDS)
def test_filter_ticks_when_jumps_and_outliers_then_same_verdicts_as_model(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 4_000
    mid = (200_000 + np.cumsum(rng.integers(-30, 31, n))).astype(np.int64)
    mid += np.where(np.arange(n) > n // 2, 5_000, 0)  # a jump the confirmation adopts
    mid += rng.choice([0, 3_000, -3_000], n, p=[0.9, 0.05, 0.05])  # one-tick outliers
    bid = mid - rng.choice([1, 2, -1], n, p=[0.8, 0.17, 0.03])
    ask = mid + 1
    bid[rng.random(n) < 0.01] = 0
    wire_ts = np.cumsum(rng.choice([0, 1, 5, -7], n, p=[0.3, 0.5, 0.17, 0.03])) + 100
    model = GuardModel()
    model.limits[LimitId.CONFIRM_TICKS] = 3
    model.limits_set |= 1 << LimitId.CONFIRM_TICKS
    row = model.instruments[0]
    row.enabled, row.min_price, row.max_price, row.band = True, 10, 400_000, 1_000
    expected = [
        model._filter_tick(0, int(t), int(b), int(a))
        for t, b, a in zip(wire_ts, bid, ask, strict=True)
    ]
    result = filter_ticks(bid, ask, wire_ts, TickFilterLimits(True, 10, 400_000, 1_000, 3))
    assert result.reasons.tolist() == [int(r) for r in expected]
    assert (result.cand_valid, result.cand_mid, result.cand_count) == (
        row.cand_valid,
        row.cand_mid,
        row.cand_count,
    )
    assert {TickReason.BAND_JUMP, TickReason.TIME_BACKWARDS, TickReason.PRICE_RANGE} <= set(
        expected
    )


def test_filter_ticks_when_confirm_unset_then_never_confirms() -> None:
    bid = np.array([100, 5_000, 5_001, 5_002, 101], dtype=np.int64)
    result = filter_ticks(bid, bid + 2, np.arange(5), TickFilterLimits(True, 1, 10_000, 50, 0))
    assert result.reasons.tolist() == [0, 5, 5, 5, 0]


@pytest.mark.parametrize("every", [0, 3, 250, 10_000])
def test_greedy_samples_when_dense_or_sparse_then_same_as_the_reference_rule(every: int) -> None:
    rng = np.random.default_rng(every)
    times = np.sort(rng.integers(0, 100_000, 5_000))
    expected, following = [], 0
    for index, ts in enumerate(times.tolist()):
        if ts >= following:  # the engine's "if ts >= next: next = ts + every"
            expected.append(index)
            following = ts + every
    assert greedy_samples(times, every, 0).tolist() == expected


def test_volatility_when_quotes_then_same_as_paper_broker() -> None:
    rng = np.random.default_rng(5)
    bid = 100 + np.cumsum(rng.normal(0, 0.05, 3_000))
    ask = bid + 0.01
    broker = PaperBroker()
    expected = []
    for b, a in zip(bid.tolist(), ask.tolist(), strict=True):
        broker.on_quote("X", 0, b, a, 1.0, 1.0)
        expected.append(broker.market("X").volatility_bp)
    assert volatility((bid + ask) / 2) == expected


def test_window_sums_when_adds_and_expiries_interleave_then_same_float_as_running_sum() -> None:
    rng = np.random.default_rng(7)
    n = 2_000
    add_at = np.sort(rng.choice(np.arange(0, 10 * n, 2), n, replace=False))
    notional = rng.lognormal(11, 1, n)
    expire_at = np.where(rng.random(n) < 0.9, add_at + 2 * rng.integers(1, 200, n) + 1, -1)
    query_at = np.arange(1, 10 * n + 400, 2)
    # The reference: += at each add, -= at each expiry, read at each query position.
    operations = sorted(
        [(int(p), 0, i) for i, p in enumerate(add_at)]
        + [(int(p), 1, i) for i, p in enumerate(expire_at) if p >= 0]
    )
    total, expected, done = 0.0, [], 0
    for query in query_at.tolist():
        while done < len(operations) and operations[done][0] <= query:
            _, expiry, i = operations[done]
            total = total - notional[i] if expiry else total + notional[i]
            done += 1
        expected.append(total)
    assert window_sums(add_at, notional, expire_at, query_at).tolist() == expected


def test_greedy_samples_when_long_gaps_then_same_as_the_reference_rule() -> None:
    # Bursts of events separated by silences many sampling intervals long: the windowed
    # search must fall back to a whole search across each silence (600 events a burst: over a
    # dozen a sampling interval on average, so the windowed search is the one taken).
    rng = np.random.default_rng(9)
    bursts = [start + np.sort(rng.integers(0, 50, 600)) for start in range(0, 400_000, 40_000)]
    times = np.concatenate(bursts)
    expected, following = [], 0
    for index, ts in enumerate(times.tolist()):
        if ts >= following:
            expected.append(index)
            following = ts + 1_000
    assert len(expected) == len(bursts)
    assert greedy_samples(times, 1_000, 0).tolist() == expected


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_counts_up_to_when_ties_and_outliers_then_same_as_searchsorted_right(seed: int) -> None:
    rng = np.random.default_rng(seed)
    # Few distinct values: many ties between and within both arrays; some queries below
    # every value and some above.
    values = np.sort(rng.integers(0, 50, 300))
    queries = np.sort(rng.integers(-5, 56, 2_000))
    expected = np.searchsorted(values, queries, side="right")
    assert counts_up_to(values, queries).tolist() == expected.tolist()
    assert counts_up_to(values[:0], queries).tolist() == [0] * len(queries)
    assert counts_up_to(values, queries[:0]).tolist() == []


@pytest.mark.parametrize("every", [0, 250, 1_000])
@pytest.mark.parametrize("seed", [4, 5])
def test_window_start_samples_when_gaps_and_runs_of_queries_then_as_sampling_every_time(
    every: int, seed: int
) -> None:
    # Dense stretches broken by gaps at, below and above ``every``, ties, and queries in
    # runs (as cascades come) with some before the first window: the last sample at or
    # before each query's window start, as the reference rule samples every time.
    rng = np.random.default_rng(seed)
    steps = rng.choice(
        [0, 40, 90, 249, 250, 251, 1_700], 20_000, p=[0.1, 0.4, 0.3, 0.05, 0.05, 0.05, 0.05]
    )
    times = np.cumsum(steps) + 5_000
    window = 30_000
    taken, following = [], -(1 << 62)
    for index, ts in enumerate(times.tolist()):
        if ts >= following:  # the hunter's "if ts - last_sample >= every"
            taken.append(index)
            following = ts + every
    runs = [
        np.arange(start, min(start + 300, len(times))) for start in rng.integers(0, len(times), 25)
    ]
    queries = np.unique(np.concatenate([*runs, [0, 1, 2, len(times) - 1]]))
    taken_times = [int(times[i]) for i in taken]
    expected = []
    for query in queries.tolist():
        before = bisect_right(taken_times, int(times[query]) - window)  # samples at or before
        expected.append(taken[before - 1] if before else 0)
    assert window_start_samples(times, queries, window, every).tolist() == expected
    assert min(expected) == 0 and max(expected) > 0
    assert window_start_samples(times, queries[:0], window, every).tolist() == []
