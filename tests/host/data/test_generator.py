"""The synthetic market: deterministic per seed, in the exchange's layouts, with cascades and
faults that the filters must catch."""

from pathlib import Path

import numpy as np
import pytest

from host.data.events import LAYOUTS, EventKind
from host.data.generator import generate
from host.data.loaders import load_directory


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("market")
    generate(out, seed=11, events=30_000)
    return out


def test_generate_when_same_seed_then_identical_files(market: Path, tmp_path: Path) -> None:
    generate(tmp_path, seed=11, events=30_000)
    for path in sorted(market.iterdir()):
        assert (tmp_path / path.name).read_bytes() == path.read_bytes()


def test_generate_when_other_seed_then_different_files(market: Path, tmp_path: Path) -> None:
    generate(tmp_path, seed=12, events=30_000)
    name = "BTCUSDT-bookTicker-synthetic.csv"
    assert (tmp_path / name).read_bytes() != (market / name).read_bytes()


def test_generate_when_written_then_headers_are_the_exchange_layouts(market: Path) -> None:
    for symbol in ("BTCUSDT", "ETHUSDT"):
        for layout in ("bookTicker", "aggTrades", "liquidationSnapshot"):
            header = (market / f"{symbol}-{layout}-synthetic.csv").read_text().split("\n", 1)[0]
            assert header == ",".join(LAYOUTS[layout])


def test_generate_when_loaded_then_has_quotes_trades_and_cascades(market: Path) -> None:
    data = load_directory(market)
    kinds = np.bincount(data.events["kind"], minlength=3)
    assert 25_000 < len(data.events) < 36_000
    assert kinds[EventKind.QUOTE] > kinds[EventKind.TRADE] > kinds[EventKind.LIQUIDATION] > 50
    liquidations = data.events[data.events["kind"] == EventKind.LIQUIDATION]
    notional = liquidations["p1"] * liquidations["q1"]
    # cascades: some 30 s windows hold well over a million of forced orders
    assert notional.max() > 100_000
    assert set(np.unique(liquidations["side"]).tolist()) == {-1, 1}


def test_generate_when_loaded_then_contains_faults_for_the_sanitizer(market: Path) -> None:
    data = load_directory(market)
    quotes = data.events[data.events["kind"] == EventKind.QUOTE]
    assert np.any(quotes["p1"] >= quotes["p2"])  # crossed
    assert np.any(quotes["ts"] - quotes["exch_ts"] >= 2_000_000)  # latency spikes


def test_generate_when_events_too_few_then_raises(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"^Generated events must be an integer >= 100, not 5$"):
        generate(tmp_path, seed=1, events=5)
