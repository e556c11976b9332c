"""The Verilator model of the gateware and the Python reference model give the same orders and
verdicts on the same (small, seeded) backtest."""

from pathlib import Path

import pytest

from host.backtest.runner import BacktestResult, run_backtest
from host.data.generator import generate
from host.data.loaders import MarketData, load_directory
from host.engine import EngineConfig

pytestmark = pytest.mark.sim


def verdicts(result: BacktestResult) -> list[tuple]:
    return [
        (
            r.client_id,
            r.symbol,
            r.side,
            r.kind,
            r.price_ticks,
            r.lots,
            r.tag,
            r.gateware_reason,
            r.drb.reason if r.drb else None,
            r.status,
        )
        for r in result.engine.orders.values()
    ]


async def test_backtest_when_sim_guard_then_same_orders_and_verdicts_as_model(
    tmp_path: Path,
) -> None:
    generate(tmp_path, seed=3, events=30_000)
    full = load_directory(tmp_path)
    # The first cascade, its orders and rejects on both lines; small, as the pty link does
    # a few thousand messages a second. A generous verdict timeout: a loaded machine must not
    # turn a slow verdict into a different backtest.
    data = MarketData(full.events[:5_000], full.symbols, full.stats)
    config = EngineConfig(guard_timeout_s=2.0)
    model = await run_backtest(data, guard="model", config=config)
    sim = await run_backtest(data, guard="sim", config=config)
    assert sim.report["guard_backend"].startswith("sim:")
    assert sim.report["gateware_rtl"] is True
    assert model.report["rejects"]["gateware"] and model.report["rejects"]["drb"]
    assert sim.report["trades"] == model.report["trades"] > 0
    assert verdicts(sim) == verdicts(model)
    assert sim.report["rejects"]["tick_filter"] == model.report["rejects"]["tick_filter"]
