"""A seeded synthetic market with liquidation cascades, written in the exchange's CSV layouts.

The model, per symbol (all randomness from one ``numpy.random.Generator`` seeded by ``seed``,
so the same seed writes byte-identical files):

* **Time.** Best bid/ask updates arrive as a Poisson process (10 per second), trades at 6 per
  second; the session lasts as long as the requested number of events needs.
* **Price.** The log mid-price is a random walk on a 100 ms grid (1.5 bp per square-root
  second, about 4 % a day) plus *cascades*: a cascade starts on average every 4 minutes,
  pushes the price by 0.6-2 % in one direction over 4-15 s (a forced-liquidation spiral),
  then gives back 30-70 % of the move over 20-60 s (the bounce the liquidation hunter bets on).
* **Book.** The mid is rounded to the tick; the spread is 1 tick plus a geometric number of
  extra ticks, three times wider during a cascade; displayed sizes are log-normal.
* **Trades.** Taker side is a coin flip, 80 % with the move during a cascade; trades print
  a fraction of a basis point from the mid on the taker's side, with log-normal size.
* **Liquidations.** During the push of a cascade, forced orders arrive at 4 per second on the
  side that closes the losing positions (SELL when the price falls: longs are liquidated),
  each worth 20-400 k in quote currency; outside cascades one small one every minute.
* **Latency.** Exchange-to-receive latency is log-normal around 5 ms.
* **Faults, for the sanitizer and the tick filter** (each about 0.2 % of quotes): crossed
  books, latency spikes of 2 s, repeated update ids, sequence gaps, absurd prices (x10 or
  zero), very wide spreads, and one-quote outliers of 3 % that a band filter should drop.

Files are ``<SYMBOL>-bookTicker-synthetic.csv``, ``<SYMBOL>-aggTrades-synthetic.csv`` and
``<SYMBOL>-liquidationSnapshot-synthetic.csv`` with header rows, times in milliseconds.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from host.data.events import LAYOUTS

__all__ = ["GeneratorConfig", "generate", "DEFAULT_START_MS"]

#: 2024-03-01 00:00:00 UTC, so generated files look like a day of the exchange's.
DEFAULT_START_MS = 1_709_251_200_000

_KNOWN = {"BTCUSDT": (43_000.0, 0.1), "ETHUSDT": (2_300.0, 0.01)}
_GRID_MS = 100


@dataclass(frozen=True)
class GeneratorConfig:
    """Parameters of the synthetic market (see the module docstring for the model).

    Parameters
    ----------
    quote_rate, trade_rate : float, default 10.0, 6.0
        Best bid/ask updates and trades per second.
    volatility_bp : float, default 1.5
        Random-walk volatility, basis points per square-root second.
    cascade_every_s : float, default 240.0
        Mean time between cascade starts.
    fault_rate : float, default 0.002
        Probability that a quote carries each kind of fault.
    """

    quote_rate: float = 10.0
    trade_rate: float = 6.0
    volatility_bp: float = 1.5
    cascade_every_s: float = 240.0
    fault_rate: float = 0.002

    def __post_init__(self) -> None:
        for name in ("quote_rate", "trade_rate", "volatility_bp", "cascade_every_s"):
            value = getattr(self, name)
            if not value > 0:
                raise ValueError(f"GeneratorConfig.{name} must be positive, not {value!r}")
        if not 0 <= self.fault_rate < 0.1:
            raise ValueError(
                f"GeneratorConfig.fault_rate must be in [0, 0.1), not {self.fault_rate!r}"
            )


def _decimals(tick: float) -> int:
    return max(0, -math.floor(math.log10(tick) + 1e-9))


def _arrivals(rng: np.random.Generator, rate: float, duration_ms: int) -> np.ndarray:
    count = int(rate * duration_ms / 1000 * 1.2) + 10
    times = np.cumsum(rng.exponential(1000.0 / rate, count))
    return np.unique(times[times < duration_ms].astype(np.int64))


def _write(path: Path, layout: str, lines: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(",".join(LAYOUTS[layout]) + "\n")
        out.write("\n".join(lines))
        if lines:
            out.write("\n")


def _symbol(
    rng: np.random.Generator,
    config: GeneratorConfig,
    symbol: str,
    n_events: int,
    start_ms: int,
    out: Path,
) -> int:
    base, tick = _KNOWN.get(symbol, (100.0, 0.001))
    decimals = _decimals(tick)
    duration_ms = max(10_000, int(n_events / (config.quote_rate + config.trade_rate) * 1000))
    grid = np.arange(0, duration_ms + _GRID_MS, _GRID_MS)
    steps = rng.normal(0.0, config.volatility_bp * 1e-4 * math.sqrt(_GRID_MS / 1000), len(grid))
    log_price = np.cumsum(steps)
    in_cascade = np.zeros(len(grid), dtype=bool)
    direction_at = np.zeros(len(grid))
    cascades = []
    t = rng.exponential(config.cascade_every_s * 1000 / 2)
    while t < duration_ms:
        direction = rng.choice((-1.0, 1.0))
        size = rng.uniform(0.006, 0.02)
        push = rng.uniform(4_000, 15_000)
        back = rng.uniform(20_000, 60_000)
        give_back = rng.uniform(0.3, 0.7)
        elapsed = grid - t
        ramp = np.clip(elapsed / push, 0, 1)
        bounce = np.clip((elapsed - push) / back, 0, 1) * give_back
        log_price += direction * size * (ramp - bounce * (elapsed > push))
        pushing = (elapsed >= 0) & (elapsed < push)
        in_cascade |= pushing
        direction_at[pushing] = direction
        cascades.append((t, push, direction))
        t += push + rng.exponential(config.cascade_every_s * 1000)
    mid_grid = base * np.exp(log_price)

    def at(times: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        index = np.minimum(times // _GRID_MS, len(grid) - 1)
        return mid_grid[index], in_cascade[index], direction_at[index]

    # -- best bid / ask ---------------------------------------------------------------------
    quote_times = _arrivals(rng, config.quote_rate, duration_ms)
    mid, cascading, _ = at(quote_times)
    spread = 1 + rng.geometric(0.6, len(quote_times)) - 1
    spread = np.where(cascading, spread * 3, spread)
    bid_ticks = np.round(mid / tick).astype(np.int64) - spread // 2
    ask_ticks = bid_ticks + spread
    bid_qty = np.round(rng.lognormal(0.0, 1.0, len(quote_times)) * 5, 3) + 0.001
    ask_qty = np.round(rng.lognormal(0.0, 1.0, len(quote_times)) * 5, 3) + 0.001
    latency = np.maximum(1, rng.lognormal(math.log(5), 0.5, len(quote_times))).astype(np.int64)
    update_ids = np.arange(len(quote_times), dtype=np.int64) + 1_000_000
    bid = bid_ticks * tick
    ask = ask_ticks * tick
    n = len(quote_times)
    faults = rng.random((7, n)) < config.fault_rate
    faults[:, :50] = False  # a clean start, so every filter has a reference first
    ask = np.where(faults[0], bid - tick, ask)  # crossed
    latency = np.where(faults[1], 2_000, latency)  # latency spike
    update_ids[1:] = np.where(faults[2][1:], update_ids[:-1], update_ids[1:])  # repeated id
    update_ids += np.cumsum(faults[3]) * 50  # sequence gaps
    absurd = faults[4]
    bid = np.where(absurd, bid * 10, bid)
    ask = np.where(absurd, ask * 10, ask)
    wide = faults[5]
    ask = np.where(wide, bid * 1.005, ask)
    outlier = faults[6] & ~absurd
    shift = np.where(rng.random(n) < 0.5, 0.97, 1.03)
    bid = np.where(outlier, bid * shift, bid)
    ask = np.where(outlier, ask * shift, ask)
    receive = start_ms + quote_times
    fmt = f"{{:.{decimals}f}}"
    quote_lines = [
        f"{u},{fmt.format(b)},{bq:.3f},{fmt.format(a)},{aq:.3f},{r - lat},{r}"
        for u, b, bq, a, aq, r, lat in zip(
            update_ids.tolist(),
            bid.tolist(),
            bid_qty.tolist(),
            ask.tolist(),
            ask_qty.tolist(),
            receive.tolist(),
            latency.tolist(),
            strict=True,
        )
    ]
    _write(out / f"{symbol}-bookTicker-synthetic.csv", "bookTicker", quote_lines)

    # -- trades -----------------------------------------------------------------------------
    trade_times = _arrivals(rng, config.trade_rate, duration_ms)
    mid, cascading, direction = at(trade_times)
    half = np.maximum(1, np.round(mid * 1e-5 / tick)) * tick / 2
    with_move = rng.random(len(trade_times)) < 0.8
    taker_buys = np.where(
        cascading,
        np.where(with_move, direction > 0, direction < 0),
        rng.random(len(trade_times)) < 0.5,
    )
    price = np.round((mid + np.where(taker_buys, half, -half)) / tick) * tick
    qty = np.round(rng.lognormal(-2.0, 1.2, len(trade_times)), 3) + 0.001
    ids = np.arange(len(trade_times), dtype=np.int64) + 5_000_000
    trade_lines = [
        f"{i},{fmt.format(p)},{q:.3f},{i * 3},{i * 3 + 2},{start_ms + t},"
        f"{'false' if buy else 'true'}"
        for i, p, q, t, buy in zip(
            ids.tolist(),
            price.tolist(),
            qty.tolist(),
            trade_times.tolist(),
            taker_buys.tolist(),
            strict=True,
        )
    ]
    _write(out / f"{symbol}-aggTrades-synthetic.csv", "aggTrades", trade_lines)

    # -- forced liquidations ----------------------------------------------------------------
    liq_rows: list[tuple[int, float, float, float]] = []
    for t0, push, direction_sign in cascades:
        count = rng.poisson(4 * push / 1000)
        times = np.sort(t0 + rng.uniform(0, push, count)).astype(np.int64)
        times = times[times < duration_ms]
        for t_liq in times.tolist():
            liq_mid = float(at(np.array([t_liq]))[0][0])
            notional = rng.uniform(20_000, 400_000)
            # A fall liquidates longs: their forced orders are SELLs (side -1), and vice versa.
            liq_rows.append((t_liq, direction_sign, liq_mid, notional))
    for t_liq in _arrivals(rng, 1 / 60, duration_ms).tolist():
        liq_mid = float(at(np.array([t_liq]))[0][0])
        liq_rows.append((t_liq, rng.choice((-1.0, 1.0)), liq_mid, rng.uniform(500, 20_000)))
    liq_rows.sort()
    liq_lines = []
    for t_liq, side, liq_mid, notional in liq_rows:
        quantity = max(0.001, round(notional / liq_mid, 3))
        # The exchange's liquidation order is a limit far through the book; it fills at avg.
        limit = liq_mid * (0.99 if side < 0 else 1.01)
        name = "SELL" if side < 0 else "BUY"
        liq_lines.append(
            f"{start_ms + t_liq},{name},LIMIT,IOC,{quantity:.3f},{fmt.format(limit)},"
            f"{fmt.format(round(liq_mid / tick) * tick)},FILLED,{quantity:.3f},{quantity:.3f}"
        )
    _write(out / f"{symbol}-liquidationSnapshot-synthetic.csv", "liquidationSnapshot", liq_lines)
    return len(quote_lines) + len(trade_lines) + len(liq_lines)


def generate(
    out: Path | str,
    *,
    seed: int,
    events: int = 200_000,
    symbols: Sequence[str] = ("BTCUSDT", "ETHUSDT"),
    config: GeneratorConfig | None = None,
    start_ms: int = DEFAULT_START_MS,
) -> int:
    """Write a synthetic market for ``symbols`` into ``out``; return the number of rows.

    Parameters
    ----------
    out : Path or str
        Directory to write into (created if missing).
    seed : int
        Seed of the random generator: the same seed writes the same files.
    events : int, default 200_000
        Approximate number of rows over all symbols and files.
    symbols : sequence of str
        Symbols to generate; BTCUSDT and ETHUSDT get realistic prices and ticks.
    config : GeneratorConfig, optional
        Model parameters.
    start_ms : int
        Epoch milliseconds of the first event.
    """
    if not isinstance(events, int) or events < 100:
        raise ValueError(f"Generated events must be an integer >= 100, not {events!r}")
    if not symbols:
        raise ValueError("Generated symbols must not be empty, not []")
    config = config or GeneratorConfig()
    directory = Path(out)
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    per_symbol = events // len(symbols)
    return sum(_symbol(rng, config, s, per_symbol, start_ms, directory) for s in symbols)
