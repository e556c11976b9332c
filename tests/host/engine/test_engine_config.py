"""EngineConfig and GatewareLimits: validated at construction, limits converted to time units."""

import pytest

from hdl.protocol import LimitId
from host.engine import EngineConfig, GatewareLimits
from host.engine.config import fit_to_guard
from host.instruments import DEFAULT_INSTRUMENTS, InstrumentMap


def test_values_when_time_unit_is_1us_then_seconds_become_units() -> None:
    values = dict(GatewareLimits().values(1e-6))
    assert set(values) == set(LimitId)
    assert values[LimitId.STALE_AFTER] == 2_000_000
    assert values[LimitId.DUP_WINDOW] == 100_000
    assert values[LimitId.MAX_ORDER_QTY] == 1_500


def test_values_when_time_unit_too_coarse_then_raises() -> None:
    with pytest.raises(
        ValueError, match=r"^GatewareLimits.dup_window_s must be 1..\d+ time units of 1 s, not 0$"
    ):
        GatewareLimits().values(1.0)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"max_open_orders": 9},
            ValueError,
            r"^GatewareLimits.max_open_orders must be at most 8, not 9$",
        ),
        ({"fill_max": 0}, ValueError, r"^GatewareLimits.fill_max must be positive, not 0$"),
        (
            {"rate_window_s": True},
            ValueError,
            r"^GatewareLimits.rate_window_s must be positive, not True$",
        ),
    ],
)
def test_gateware_limits_when_invalid_then_raises(kwargs: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        GatewareLimits(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"heartbeat_interval_s": 0.5},
            ValueError,
            r"^EngineConfig.heartbeat_interval_s must be at most a third",
        ),
        (
            {"guard_timeout_s": 0},
            ValueError,
            r"^EngineConfig.guard_timeout_s must be positive, not 0$",
        ),
        ({"drb": {}}, TypeError, r"^EngineConfig.drb must be DRBGuardConfig, not \{\}$"),
    ],
)
def test_engine_config_when_invalid_then_raises(kwargs: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        EngineConfig(**kwargs)


def test_fit_to_guard_when_the_guard_is_smaller_then_its_instruments_and_slots_only() -> None:
    config = EngineConfig()  # BTCUSDT (0), ETHUSDT (1); MAX_OPEN_ORDERS 8
    fitted, notes = fit_to_guard(config, n_instruments=1, n_order_slots=2)
    assert [i.symbol for i in fitted.instruments] == ["BTCUSDT"]
    assert fitted.gateware.max_open_orders == 2
    assert notes == [
        "the guard has 1 instrument(s): ETHUSDT watched, not traded",
        "the guard has 2 order slots: MAX_OPEN_ORDERS 8 lowered to 2",
    ]
    assert fitted.gateware.max_order_qty == config.gateware.max_order_qty  # the rest as it was


def test_fit_to_guard_when_the_guard_is_big_enough_then_nothing_changes() -> None:
    config = EngineConfig()
    fitted, notes = fit_to_guard(config, n_instruments=2, n_order_slots=8)
    assert (fitted, notes) == (config, [])


def test_fit_to_guard_when_the_guard_has_none_of_the_instruments_then_says_how_to_fix() -> None:
    only_eth = InstrumentMap([DEFAULT_INSTRUMENTS.by_symbol("ETHUSDT")])
    with pytest.raises(ValueError, match=r"indices 0\.\.0; .* give one of them index 0$"):
        fit_to_guard(EngineConfig(instruments=only_eth), n_instruments=1, n_order_slots=2)
