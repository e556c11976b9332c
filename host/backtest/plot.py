"""The backtest picture: price, liquidations, entries and exits per symbol, then equity."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display on servers and in CI

import matplotlib.pyplot as plt  # noqa: E402 -- after choosing the backend

from hdl.protocol import Side  # noqa: E402
from host.engine.production_engine_v2 import ProductionEngineV2  # noqa: E402

__all__ = ["plot_backtest"]


def plot_backtest(engine: ProductionEngineV2, path: Path | str, *, title: str = "") -> Path:
    """Write the backtest figure of ``engine`` to ``path`` (PNG) and return the path."""
    symbols = [s for s in engine.symbols if engine.prices.get(s)]
    rows = len(symbols) + 1
    figure, axes = plt.subplots(rows, 1, figsize=(12, 3.2 * rows), sharex=True, squeeze=False)
    t0 = min((p[0][0] for p in engine.prices.values() if p), default=0)

    def minutes(ts: int) -> float:
        return (ts - t0) / 60e6

    for axis, symbol in zip(axes[:-1, 0], symbols, strict=True):
        prices = engine.prices[symbol]
        axis.plot([minutes(t) for t, _ in prices], [p for _, p in prices], lw=0.7, color="0.3")
        liquidations = [liq for liq in engine.liquidations if liq[1] == symbol]
        for side, colour, label in (
            (-1, "tab:red", "SELL liquidations"),
            (1, "tab:green", "BUY liquidations"),
        ):
            chosen = [liq for liq in liquidations if liq[4] == side]
            if chosen:
                axis.scatter(
                    [minutes(liq[0]) for liq in chosen],
                    [liq[2] for liq in chosen],
                    s=[max(2.0, liq[2] * liq[3] / 20_000) for liq in chosen],
                    color=colour,
                    alpha=0.25,
                    label=label,
                )
        fills = [fill for fill in engine.fills if fill.symbol == symbol]
        for marker, entry, label in (("^", True, "entries"), ("x", False, "exits")):
            picked = [f for f in fills if f.tag.startswith("entry") == entry]
            if picked:
                axis.scatter(
                    [minutes(f.ts) for f in picked],
                    [f.price for f in picked],
                    marker=marker,
                    color=["tab:blue" if f.side == Side.BUY else "tab:orange" for f in picked],
                    s=40,
                    zorder=3,
                    label=label,
                )
        axis.set_ylabel(symbol)
        axis.legend(loc="upper left", fontsize=7)
    equity_axis = axes[-1, 0]
    curve = engine.equity_curve
    equity_axis.plot([minutes(t) for t, _ in curve], [e for _, e in curve], color="tab:purple")
    equity_axis.set_ylabel("equity")
    equity_axis.set_xlabel("minutes of event time")
    backend = engine.backend + ("" if engine.backend.startswith("serial:") else " (not hardware)")
    figure.suptitle(title or f"Backtest, guard backend: {backend}")
    figure.tight_layout()
    target = Path(path)
    figure.savefig(target, dpi=110)
    plt.close(figure)
    return target
