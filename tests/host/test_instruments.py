"""The instrument map: validation and tick/lot conversions."""

import pytest

from host.instruments import DEFAULT_INSTRUMENTS, Instrument, InstrumentMap


def test_to_ticks_when_price_then_rounds_to_whole_ticks() -> None:
    btc = DEFAULT_INSTRUMENTS.by_symbol("BTCUSDT")
    assert btc.to_ticks(43000.1) == 430001
    assert btc.to_lots(0.0129999) == 13
    assert btc.price(430001) == 43000.1
    assert btc.lot_notional == pytest.approx(0.0001)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"index": 4}, r"^Instrument index must be in 0..3, not 4$"),
        ({"tick_size": 0}, r"^Instrument tick_size must be positive, not 0$"),
        ({"min_price": 10, "max_price": 10}, r"^Instrument price range must satisfy"),
        ({"max_position": 0}, r"^Instrument max_position must be in 1..8388607, not 0$"),
        ({"symbol": ""}, r"^Instrument symbol must be a non-empty string, not ''$"),
    ],
)
def test_instrument_when_invalid_then_raises(changes: dict, message: str) -> None:
    fields = {
        "symbol": "X",
        "index": 0,
        "tick_size": 0.1,
        "lot_size": 0.001,
        "max_position": 10,
        "min_price": 1,
        "max_price": 100,
        "band_ticks": 5,
    }
    with pytest.raises(ValueError, match=message):
        Instrument(**{**fields, **changes})


def test_instrument_map_when_duplicate_symbol_or_index_then_raises() -> None:
    a = Instrument("A", 0, 0.1, 0.1, 10, 1, 100, 5)
    with pytest.raises(ValueError, match=r"^Instrument symbols must be unique, not 'A'$"):
        InstrumentMap([a, Instrument("A", 1, 0.1, 0.1, 10, 1, 100, 5)])
    with pytest.raises(ValueError, match=r"^Instrument indices must be unique, not 0$"):
        InstrumentMap([a, Instrument("B", 0, 0.1, 0.1, 10, 1, 100, 5)])
    with pytest.raises(KeyError, match=r"Symbol must be one of \['A'\], not 'Z'"):
        InstrumentMap([a]).by_symbol("Z")
