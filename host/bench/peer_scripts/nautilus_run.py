"""NautilusTrader on the bench's events: BacktestEngine with the liquidation-window strategy.

Quotes become QuoteTicks and trades TradeTicks; a forced liquidation becomes a TradeTick whose
trade id starts with ``L``, which the strategy sums over a sliding window exactly as the
bench's bare Python loop does. Logging is bypassed (it costs about a quarter of the speed).
Only ``engine.run()`` is timed: building the tick objects is set-up.
"""

import importlib.metadata
import json
import sys
import time
from pathlib import Path

import numpy as np
from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.config import LoggingConfig
from nautilus_trader.model.currencies import USDT
from nautilus_trader.model.data import QuoteTick, TradeTick
from nautilus_trader.model.enums import AccountType, AggressorSide, OmsType
from nautilus_trader.model.identifiers import TradeId, Venue
from nautilus_trader.model.objects import Money, Price, Quantity
from nautilus_trader.test_kit.providers import TestInstrumentProvider
from nautilus_trader.trading.strategy import Strategy

WINDOW_NS = 10_000_000_000
THRESHOLD_QUOTE = 1_000_000.0

INSTRUMENTS = {
    "BTCUSDT": TestInstrumentProvider.btcusdt_perp_binance,
    "ETHUSDT": TestInstrumentProvider.ethusdt_perp_binance,
}


class LiquidationWindow(Strategy):
    """Counts liquidation-cascade signals: notional of forced orders in a window > threshold."""

    def __init__(self, instrument_ids: list) -> None:
        super().__init__()
        self.instrument_ids = instrument_ids
        self.windows: dict = {}
        self.totals: dict = {}
        self.mids: dict = {}
        self.signals = 0

    def on_start(self) -> None:
        for instrument_id in self.instrument_ids:
            self.subscribe_quote_ticks(instrument_id)
            self.subscribe_trade_ticks(instrument_id)

    def on_quote_tick(self, tick: QuoteTick) -> None:
        self.mids[tick.instrument_id] = (
            tick.bid_price.as_double() + tick.ask_price.as_double()
        ) / 2

    def on_trade_tick(self, tick: TradeTick) -> None:
        if not tick.trade_id.value.startswith("L"):
            return
        key = tick.instrument_id
        now = tick.ts_event
        value = tick.price.as_double() * tick.size.as_double()
        window = self.windows.setdefault(key, [])
        window.append((now, value))
        total = self.totals.get(key, 0.0) + value
        while window and window[0][0] < now - WINDOW_NS:
            total -= window.pop(0)[1]
        if total >= THRESHOLD_QUOTE and key in self.mids:
            self.signals += 1
            window.clear()
            total = 0.0
        self.totals[key] = total


def build_ticks(events: np.ndarray, instruments: list) -> list:
    ticks = []
    for ts, kind, sym, side, p1, q1, p2, q2 in zip(
        events["ts"].tolist(),
        events["kind"].tolist(),
        events["sym"].tolist(),
        events["side"].tolist(),
        events["p1"].tolist(),
        events["q1"].tolist(),
        events["p2"].tolist(),
        events["q2"].tolist(),
        strict=True,
    ):
        instrument = instruments[sym]
        pp, sp = instrument.price_precision, instrument.size_precision
        ns = ts * 1000
        if kind == 0:
            ticks.append(
                QuoteTick(
                    instrument.id,
                    Price(p1, pp),
                    Price(p2, pp),
                    Quantity(max(q1, 10**-sp), sp),
                    Quantity(max(q2, 10**-sp), sp),
                    ns,
                    ns,
                )
            )
        else:
            ticks.append(
                TradeTick(
                    instrument.id,
                    Price(p1, pp),
                    Quantity(max(q1, 10**-sp), sp),
                    AggressorSide.BUYER if side > 0 else AggressorSide.SELLER,
                    TradeId(f"{'L' if kind == 2 else 'T'}{len(ticks)}"),
                    ns,
                    ns,
                )
            )
    return ticks


def main() -> None:
    events = np.load(sys.argv[1])
    symbols = json.loads(Path(sys.argv[1]).with_suffix(".json").read_text())["symbols"]
    instruments = [INSTRUMENTS[symbol]() for symbol in symbols]
    engine = BacktestEngine(BacktestEngineConfig(logging=LoggingConfig(bypass_logging=True)))
    engine.add_venue(
        venue=Venue("BINANCE"),
        oms_type=OmsType.NETTING,
        account_type=AccountType.MARGIN,
        base_currency=None,
        starting_balances=[Money(1_000_000, USDT)],
    )
    for instrument in instruments:
        engine.add_instrument(instrument)
    ticks = build_ticks(events, instruments)
    engine.add_data(ticks)
    strategy = LiquidationWindow([instrument.id for instrument in instruments])
    engine.add_strategy(strategy)
    start = time.perf_counter()
    engine.run()
    seconds = time.perf_counter() - start
    engine.dispose()
    # One JSON line on stdout is this script's whole interface to the bench.
    sys.stdout.write(
        json.dumps(
            {
                "peer": "nautilus_trader",
                "events": len(ticks),
                "version": importlib.metadata.version("nautilus-trader"),
                "seconds": seconds,
                "events_per_s": len(ticks) / seconds,
                "signals": strategy.signals,
            }
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
