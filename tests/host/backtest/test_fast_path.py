"""The fast backtest path ends where the reference path ends: the same orders with both lines'
verdicts, the same fills, equity curve and report, and the same state in every component.

The reference path (``guard="model-reference"``: the asyncio engine, one ``on_event`` per event)
is the oracle; the data are generated with several seeds, fault rates and symbol sets.
"""

import copy
from dataclasses import astuple, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hdl.protocol import OrderKind, Side
from host.backtest.direct_guard import DirectModelGuard
from host.backtest.fast_path import (
    _COLUMN_BLOCK,
    _IDLE,
    FastBacktest,
    _columns,
    _Jump,
    _symbol_stop,
    drive,
)
from host.backtest.runner import BacktestResult, run_backtest
from host.broker.paper import BrokerOrder, RealismConfig
from host.data.events import EVENT_DTYPE, EventKind
from host.data.generator import GeneratorConfig, generate
from host.data.loaders import MarketData, load_directory
from host.engine.config import EngineConfig, GatewareLimits
from host.engine.production_engine_v2 import OrderRecord, ProductionEngineV2
from host.sanitizer.l0_sanitizer import SanitizerConfig

#: Report fields that measure wall time, not the backtest.
TIMING = {"events_per_s", "wall_s", "gateware_verdict_us_median"}

_ORDER_FIELDS = [f.name for f in fields(OrderRecord) if f.name != "gateware_latency_us"]
#: The model's state a run leaves behind. Its record of the counts of the last two cycles
#: (``_recent_counts``) is left out: only a STATUS beat within two cycles of a count reads it,
#: and the fast path counts ticks in bulk at the end, where no STATUS follows.
_MODEL_REGISTERS = (
    "state",
    "kill_cause",
    "limits",
    "limits_set",
    "open_count",
    "open_notional",
    "exposure_sum",
    "counters",
    "_silence_base",
    "_rate_base",
    "_rate_count",
    "_fill_base",
    "_fill_count",
    "_dup_base",
    "_last_valid",
    "_last_id",
    "_last_key",
    "_last_cycle",
    "_last_beat",
    "_state_before_beat",
    "_update_kill",
)
_HUNTER_STATE = (
    "direction",
    "stage",
    "first_entry",
    "position",
    "cost",
    "first_fill_ts",
    "exiting",
    "exit_reason",
    "order_working",
    "cooldown_until",
    "retry_at",
)


def outcome(result: BacktestResult) -> dict[str, Any]:
    """Everything a run leaves behind that does not measure wall time."""
    engine = result.engine
    guard: Any = engine.guard  # the model guard (DirectModelGuard) in every run here
    hunter: Any = engine.strategy
    model, broker, drb = guard.model, engine.broker, engine.drb
    return {
        "report": {k: v for k, v in result.report.items() if k not in TIMING},
        "orders": [
            tuple(getattr(record, name) for name in _ORDER_FIELDS)
            for record in engine.orders.values()
        ],
        "fills": engine.fills,
        "equity_curve": engine.equity_curve,
        "prices": engine.prices,
        "liquidations": engine.liquidations,
        "counts": vars(engine.counts),
        "signals": engine.signal_count,
        "guard_clock": (guard._cycle, guard._clock),
        "model": {name: getattr(model, name) for name in _MODEL_REGISTERS},
        "model_instruments": [
            tuple(getattr(row, name) for name in row.__slots__) for row in model.instruments
        ],
        "model_slots": [
            None if slot is None else tuple(getattr(slot, n) for n in slot.__slots__)
            for slot in model.slots
        ],
        "drb": drb.status(),
        "drb_books": {index: astuple(book) for index, book in drb._books.items()},
        "drb_open": {cid: astuple(order) for cid, order in drb._open.items()},
        "drb_windows": (list(drb._accepted_times), list(drb._fill_times), drb._last),
        "account": (
            broker.account.fees,
            {s: astuple(p) for s, p in broker.account.positions.items()},
        ),
        "markets": {s: astuple(m) for s, m in broker._markets.items()},
        "broker_rejects": broker.rejects,
        "sanitizer": (
            dict(engine.sanitizer.rejects),
            dict(engine.sanitizer.rejects_by_symbol),
            engine.sanitizer.accepted,
        ),
        "hunter": {
            symbol: tuple(getattr(state, name) for name in _HUNTER_STATE)
            for symbol, state in hunter._symbols.items()
        },
        "next": (engine._next_heartbeat, engine._next_equity, engine.now, engine.halted),
    }


async def both(data_dir: Path, config: EngineConfig) -> tuple[BacktestResult, BacktestResult]:
    data = load_directory(data_dir)
    fast = await run_backtest(data, guard="model", config=config)
    reference = await run_backtest(data, guard="model-reference", config=config)
    return fast, reference


def assert_same(fast: BacktestResult, reference: BacktestResult) -> None:
    assert fast.path == "fast"
    assert reference.path == "reference"
    expected, actual = outcome(reference), outcome(fast)
    for key in expected:
        assert actual[key] == expected[key], key


@pytest.mark.parametrize("seed", [1, 2, 3, 5, 8])
async def test_fast_path_when_generated_market_then_same_outcome_as_reference(
    tmp_path: Path, seed: int
) -> None:
    generate(tmp_path, seed=seed, events=25_000)
    fast, reference = await both(tmp_path, EngineConfig())
    # The runs trade and both lines reject something, so the comparison has teeth.
    assert reference.report["trades"] > 0
    assert reference.report["rejects"]["sanitizer"]
    assert reference.report["rejects"]["tick_filter"]
    assert_same(fast, reference)


async def test_fast_path_when_faulty_feed_and_unknown_symbol_then_same_outcome(
    tmp_path: Path,
) -> None:
    # Twenty-five times the usual faults (absurd prices, band outliers, duplicates, gaps,
    # crossed books, latency) and a third symbol the instrument map does not know.
    generate(
        tmp_path,
        seed=11,
        events=25_000,
        symbols=("BTCUSDT", "ETHUSDT", "SOLUSDT"),
        config=GeneratorConfig(fault_rate=0.05),
    )
    config = replace(
        EngineConfig(),
        sanitizer=SanitizerConfig(max_sequence_gap=5, confirm_count=2, max_deviation=0.02),
    )
    fast, reference = await both(tmp_path, config)
    rejects = reference.report["rejects"]
    assert {"ABSURD_PRICE", "SEQUENCE_GAP", "SEQUENCE_DUPLICATE"} <= set(rejects["sanitizer"])
    assert rejects["tick_filter"]["BAND_JUMP"] > 0
    assert_same(fast, reference)


@pytest.mark.parametrize("rung", [0, 2])
async def test_fast_path_when_other_realism_then_same_outcome(tmp_path: Path, rung: int) -> None:
    generate(tmp_path, seed=4, events=25_000)
    config = replace(EngineConfig(), realism=RealismConfig.level(rung))
    fast, reference = await both(tmp_path, config)
    assert reference.report["trades"] > 0
    assert_same(fast, reference)


async def test_fast_path_when_gateware_latches_a_kill_then_reference_path_runs(
    tmp_path: Path,
) -> None:
    # One fill per window: the model latches FILL_RATE and raises an ALERT, which only the
    # reference path follows; the runner must notice and replay there, with its answer.
    generate(tmp_path, seed=3, events=25_000)
    config = replace(EngineConfig(), gateware=GatewareLimits(fill_max=1))
    fast, reference = await both(tmp_path, config)
    assert reference.report["halted"] is True
    assert "FILL_RATE" in reference.report["halt_reason"]
    assert fast.path == "reference"
    assert outcome(fast) == outcome(reference)


@pytest.mark.parametrize("case", ["one event", "trades only", "quotes only", "one symbol"])
async def test_fast_path_when_sparse_data_then_same_outcome(tmp_path: Path, case: str) -> None:
    generate(tmp_path, seed=6, events=6_000)
    full = load_directory(tmp_path)
    events = full.events
    chosen = {
        "one event": events[:1],
        "trades only": events[events["kind"] == EventKind.TRADE],
        "quotes only": events[events["kind"] == EventKind.QUOTE],
        "one symbol": events[events["sym"] == 1],  # the other symbol never quotes
    }[case]
    data = MarketData(chosen, full.symbols, full.stats)
    fast = await run_backtest(data, guard="model")
    reference = await run_backtest(data, guard="model-reference")
    assert_same(fast, reference)


async def test_fast_path_when_symbols_unknown_to_the_instrument_map_then_same_outcome(
    tmp_path: Path,
) -> None:
    generate(tmp_path, seed=6, events=6_000)
    full = load_directory(tmp_path)
    data = MarketData(full.events, ["AAAUSDT", "BBBUSDT"], full.stats)
    fast = await run_backtest(data, guard="model")
    reference = await run_backtest(data, guard="model-reference")
    assert reference.report["orders"] == 0
    assert_same(fast, reference)


async def test_fast_path_when_progress_is_reported_then_same_outcome_and_every_report(
    tmp_path: Path,
) -> None:
    # Progress reports are due at ticks the loop would otherwise jump over.
    generate(tmp_path, seed=2, events=25_000)
    data = load_directory(tmp_path)
    reports: list[tuple[int, int]] = []
    fast = await run_backtest(data, guard="model", progress=lambda d, t: reports.append((d, t)))
    reference = await run_backtest(data, guard="model-reference")
    assert_same(fast, reference)
    total = len(data.events)
    done = [d for d, _ in reports]
    assert done == sorted(done) and done[-1] == total
    assert len(reports) >= 20  # one about every twentieth of the events, and the end


@pytest.mark.parametrize("seed", range(6))
def test_symbol_stop_when_searched_then_first_tick_the_loop_must_decide(seed: int) -> None:
    # The jump's answer against the loop's own per-tick test, tick by tick.
    rng = np.random.default_rng(seed)
    count = 400
    index = np.sort(rng.choice(count, size=150, replace=False))
    mids = 100 + rng.normal(0, 1, len(index))
    mids[rng.random(len(index)) < 0.02] = np.nan
    times = np.cumsum(rng.integers(0, 3, len(index))) + 1_000
    triggered = rng.random(len(index)) < 0.05
    jump = _Jump(index, mids, times, index[triggered], times[triggered])
    bands: list[Any] = [
        None,
        _IDLE,
        (98.5, 101.5, float("inf")),
        (-float("inf"), 102.0, float(times[60]) + 0.5),
        (99.9, float("inf"), float(times[100])),
        (float("inf"), -float("inf"), -float("inf")),
        (-float("inf"), float("inf"), float("inf")),
    ]
    for band in bands:
        # A cooldown on a trigger's own time: that trigger counts (``ts >= cooldown``).
        on_trigger = float(times[triggered][len(times[triggered]) // 2])
        for cooldown in (0.0, float(times[40]), on_trigger, float(times[-1]) + 1):
            for i in range(0, count + 1, 7):
                expected = count
                for g, mid, ts, trigger in zip(index, mids, times, triggered, strict=True):
                    if g < i:
                        continue
                    if band is None:
                        decide = True
                    elif band is _IDLE:
                        decide = bool(trigger) and ts >= cooldown
                    else:
                        decide = not (band[0] < mid < band[1] and ts < band[2])
                    if decide:
                        expected = int(g)
                        break
                assert _symbol_stop(i, band, cooldown, jump, count) == expected, (band, i)


def test_symbol_stop_when_the_band_holds_for_many_runs_then_first_tick_outside() -> None:
    # Thousands of ticks: the search past its first ticks tests runs of ticks at once
    # (a run's lowest and highest mid); rare outliers and NaNs land in some runs only.
    rng = np.random.default_rng(7)
    count = 9_000
    index = np.sort(rng.choice(count, size=6_000, replace=False))
    mids = 100 + rng.normal(0, 0.2, len(index))
    outliers = rng.random(len(index)) < 0.002
    mids[outliers] = 100 + rng.choice([-3.0, 3.0], int(outliers.sum()))
    mids[rng.random(len(index)) < 0.0005] = np.nan
    times = np.cumsum(rng.integers(0, 3, len(index))) + 1_000
    jump = _Jump(index, mids, times, index[:0], times[:0])
    bands = [
        (98.0, 102.0, float("inf")),
        (99.0, 101.0, float(times[4_000])),
        (-float("inf"), 102.5, float("inf")),
        (97.5, float("inf"), float(times[-1])),
    ]
    for band in bands:
        low, high, deadline = band
        for i in [*range(0, count + 1, 97), count - 1]:
            expected = count
            for g, mid, ts in zip(index, mids, times, strict=True):
                if g >= i and not (low < mid < high and ts < deadline):
                    expected = int(g)
                    break
            assert _symbol_stop(i, band, 0.0, jump, count) == expected, (band, i)


def _broker_state(broker: Any) -> tuple[Any, ...]:
    orders = tuple(
        (o.client_id, o.status, o.filled, o.queue_ahead) for o in broker._orders.values()
    )
    return orders, tuple(broker._arrivals), broker.account.fees


@pytest.mark.parametrize("queue_position", [True, False])
def test_scan_relevant_when_orders_rest_then_first_event_the_broker_acts_on(
    tmp_path: Path, queue_position: bool
) -> None:
    # Resting orders at and away from the touch, at exactly a later trade's or quote's
    # price (the tests' edges), and one still on its way: the event the scan names is the
    # first one that changes anything at the paper broker when every event is fed to it.
    generate(tmp_path, seed=5, events=25_000)
    data = load_directory(tmp_path)
    realism = replace(RealismConfig(), queue_position=queue_position)
    replay = _prepared(data, replace(EngineConfig(), realism=realism))
    broker = replay.engine.broker
    columns, broker_at, names = replay.columns, replay.broker_at, data.symbols
    middle = len(broker_at) // 3
    ts_middle = int(replay.ts_all[broker_at[middle]])
    touch = {}
    for s, symbol in enumerate(replay.symbols):
        j = int(symbol.at.searchsorted(broker_at[middle])) - 1
        touch[names[s]] = float(symbol.bid[j]), float(symbol.ask[j]), float(symbol.bid_qty[j])
    near = [("BTCUSDT", Side.BUY, touch["BTCUSDT"][0], touch["BTCUSDT"][2])]
    away = [
        ("BTCUSDT", Side.SELL, round(touch["BTCUSDT"][1] * 1.0005, 1), 0.0),
        ("ETHUSDT", Side.BUY, round(touch["ETHUSDT"][0] * 0.9995, 2), 0.0),
    ]
    # Single orders at exactly a later event's prices, the scan starting at that event: each
    # side of each of on_quote's and on_trade's tests (a fill, a queue shortened or not).
    edges = []
    for j in range(middle + 50, len(broker_at), (len(broker_at) - middle) // 12):
        position = int(broker_at[j])
        symbol = names[int(replay.sym[position])]
        p1, q1 = float(columns["p1"][position]), float(columns["q1"][position])
        p2, q2 = float(columns["p2"][position]), float(columns["q2"][position])
        if replay.kind[position] == EventKind.QUOTE:
            orders = [
                (symbol, Side.BUY, p1, q1),
                (symbol, Side.BUY, p1, 2 * q1),
                (symbol, Side.BUY, p2, 0.0),
                (symbol, Side.SELL, p2, q2),
                (symbol, Side.SELL, p2, 2 * q2),
                (symbol, Side.SELL, p1, 0.0),
            ]
        else:
            taker_buys = columns["side"][position] > 0
            maker = Side.SELL if taker_buys else Side.BUY
            other = Side.BUY if taker_buys else Side.SELL
            step = 0.01 if taker_buys else -0.01
            orders = [
                (symbol, maker, p1, 0.0),
                (symbol, maker, p1, 2 * q1),
                (symbol, maker, p1 + step, 0.0),
                (symbol, other, p1, 0.0),
            ]
        edges += [([order], False, [j]) for order in orders]
    found = []
    starts = list(range(middle + 1, len(broker_at), 997))
    cases = [(near + away, False, starts), (away, False, starts), (away, True, starts), *edges]
    for resting, arriving, case_starts in cases:
        broker._orders.clear()
        broker._arrivals.clear()
        for client_id, (symbol, side, price, ahead) in enumerate(resting, start=1):
            order = BrokerOrder(
                client_id, symbol, side, OrderKind.LIMIT, price, 1.0, 0.01, 0.001, ts_middle
            )
            order.status, order.queue_ahead = "open", ahead
            broker._orders[client_id] = order
        if arriving:
            price = touch["ETHUSDT"][0]
            pending = BrokerOrder(
                9, "ETHUSDT", Side.BUY, OrderKind.LIMIT, price, 1.0, 0.01, 0.001, ts_middle
            )
            broker._orders[9] = pending
            broker._arrivals.append((ts_middle + 2_000_000, 1, "new", 9))
        for start in case_starts:
            fed = copy.deepcopy(broker)
            before = _broker_state(fed)
            expected = len(broker_at)
            for j in range(start, len(broker_at)):
                position = int(broker_at[j])
                symbol = names[int(replay.sym[position])]
                ts = int(replay.ts_all[position])
                p1, q1 = float(columns["p1"][position]), float(columns["q1"][position])
                if replay.kind[position] == EventKind.QUOTE:
                    p2, q2 = float(columns["p2"][position]), float(columns["q2"][position])
                    events = fed.on_quote(symbol, ts, p1, p2, q1, q2)
                else:
                    events = fed.on_trade(symbol, ts, p1, q1, int(columns["side"][position]))
                if events or _broker_state(fed) != before:
                    expected = j
                    break
            assert replay._scan_relevant(start) == expected, (start, resting, arriving)
            found.append(expected - start)
    # The scan had work to do: answers at the start and far from it, many after skips (once
    # the market moves through an order, every event of its symbol fills it).
    assert min(found) == 0 and max(found) > 100
    assert sum(1 for gap in found if gap > 0) > 20


@pytest.mark.parametrize("daily_loss", [2_000.0, 3.0])  # the demo limit; C17 breaks
async def test_fast_path_when_equity_sampled_in_batches_then_same_curve_and_drb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, daily_loss: float
) -> None:
    # Samples taken many at once with numpy must leave DRBGuard and the curve exactly as
    # the reference's one by one.
    answers: list[bool] = []
    batch = FastBacktest._sample_many

    def counted(self: FastBacktest, k: int, end: int) -> bool:
        answers.append(batch(self, k, end))
        return answers[-1]

    monkeypatch.setattr(FastBacktest, "_sample_many", counted)
    generate(tmp_path, seed=1, events=25_000)
    config = replace(EngineConfig(), drb=replace(EngineConfig().drb, daily_loss=daily_loss))
    fast, reference = await both(tmp_path, config)
    assert reference.report["trades"] > 0
    assert True in answers
    if daily_loss < 10:
        assert reference.engine.drb.status()["c17_breach"] is not None
    assert_same(fast, reference)


def _prepared(data: MarketData, config: EngineConfig) -> FastBacktest:
    t0 = int(data.events["ts"][0])
    guard = DirectModelGuard()
    guard.origin_us = t0
    engine = ProductionEngineV2(config, guard, symbols=data.symbols, on_time=guard.set_event_time)
    drive(engine.start(t0))
    replay = FastBacktest(engine, guard, data)
    replay.prepare()
    return replay


def _equity_state(replay: FastBacktest) -> tuple[Any, ...]:
    drb = replay.engine.drb
    return (
        drb.equity,
        drb._day,
        drb._day_start_equity,
        drb._peak_equity,
        drb.status()["c17_breach"],
        list(replay.engine.equity_curve),
        replay.fills_sampled,
    )


@pytest.mark.parametrize("daily_loss", [1e9, 1e-6])
def test_sample_many_when_holding_a_position_then_as_samples_one_by_one(
    tmp_path: Path, daily_loss: float
) -> None:
    # Long BTC, short ETH, over every sample of a day-spanning market: the batch equals
    # _sample called on each; where C17 would break inside it, the batch refuses and
    # leaves everything as it was (one by one makes the reference's breach).
    generate(tmp_path, seed=3, events=25_000)
    data = load_directory(tmp_path)
    config = replace(
        EngineConfig(), drb=replace(EngineConfig().drb, daily_loss=daily_loss, max_drawdown=0.9)
    )
    batched, single = _prepared(data, config), _prepared(data, config)
    split = _prepared(data, config)
    for replay in (batched, single, split):
        account = replay.engine.broker.account
        account.apply_fill("BTCUSDT", Side.BUY, 60_000.0, 0.5, 1.25)
        account.apply_fill("ETHUSDT", Side.SELL, 3_000.0, 4.0, 0.75)
        replay.flat = False
    end = len(batched.sample_at)
    assert end > 100
    before = _equity_state(batched)
    taken = batched._sample_many(0, end)
    for k in range(end):
        single.sample_index = k
        single._sample(single.samples[k])
    if daily_loss > 1:
        assert taken is True
        assert _equity_state(batched) == _equity_state(single)
        assert len(single.engine.equity_curve) > 10
        # In three batches, the later two on the day DRBGuard is already on (its day start
        # holds throughout): the same as one by one.
        half = end // 2
        assert all(split._sample_many(k, stop) for k, stop in ((0, 1), (1, half), (half, end)))
        assert _equity_state(split) == _equity_state(single)
    else:
        assert single.engine.drb.status()["c17_breach"] is not None
        assert taken is False
        assert _equity_state(batched) == before


def test_columns_when_several_blocks_then_each_field_copied_exactly() -> None:
    # Two whole blocks and a partial one: every block boundary is crossed.
    n = 2 * _COLUMN_BLOCK + 123
    rng = np.random.default_rng(11)
    events = np.frombuffer(rng.bytes(n * EVENT_DTYPE.itemsize), dtype=EVENT_DTYPE).copy()
    columns = _columns(events)
    assert list(columns) == list(EVENT_DTYPE.names or ())
    for name, column in columns.items():
        assert column.flags.c_contiguous
        assert column.dtype == events[name].dtype
        assert column.tobytes() == np.ascontiguousarray(events[name]).tobytes()
