"""SimpleLiquidationHunter on constructed cascades: entry, stages, exits, cooldown, config."""

from dataclasses import replace

import pytest

from hdl.protocol import OrderKind, Side
from host.strategies import HunterConfig, OrderIntent, SimpleLiquidationHunter
from host.strategies.base import CancelAll

S = 1_000_000
CONFIG = HunterConfig(
    window_s=10,
    threshold_notional=100_000,
    displacement_bp=50,
    stages=3,
    stage_notional=1_000,
    stage_growth=2,
    stage_spacing_bp=20,
    stop_loss_bp=100,
    take_profit_bp=40,
    max_hold_s=60,
    cooldown_s=30,
    max_slice_notional=10_000,
)


def quote(hunter: SimpleLiquidationHunter, ts: float, mid: float) -> list:
    return hunter.on_quote("BTC", int(ts * S), mid - 0.5, mid + 0.5, 1.0, 1.0)


def crash(
    hunter: SimpleLiquidationHunter, *, notional: float = 120_000.0, to: float = 99.0
) -> list:
    """Mid 100 -> ``to`` over 4 s, then SELL liquidations worth ``notional`` at 5 s."""
    for second in range(5):
        assert quote(hunter, second, 100.0 - (100.0 - to) * second / 4) == []
    hunter.on_liquidation("BTC", 5 * S, 100.0, notional / 100.0, -1)
    return quote(hunter, 5, to)


def test_on_quote_when_sell_cascade_then_buys_first_stage_at_bid_and_signals() -> None:
    hunter = SimpleLiquidationHunter(CONFIG)
    intents = crash(hunter)
    assert intents == [OrderIntent("BTC", Side.BUY, OrderKind.LIMIT, 98.5, 1_000 / 98.5, "entry-1")]
    (signal,) = hunter.drain_signals()
    assert (signal.kind, signal.side) == ("cascade", "buy")
    assert signal.strength == pytest.approx(1.2)
    assert signal.detail["move_bp"] == pytest.approx(-100.0)


def test_on_quote_when_liquidations_below_threshold_then_no_entry() -> None:
    hunter = SimpleLiquidationHunter(CONFIG)
    assert crash(hunter, notional=99_000.0) == []
    assert hunter.drain_signals() == []


def test_on_quote_when_displacement_too_small_then_no_entry() -> None:
    hunter = SimpleLiquidationHunter(CONFIG)
    assert crash(hunter, to=99.6) == []  # 40 bp < 50 bp


def test_on_quote_when_liquidations_leave_window_then_no_entry() -> None:
    hunter = SimpleLiquidationHunter(replace(CONFIG, window_s=2))
    quote(hunter, 0, 100.0)
    hunter.on_liquidation("BTC", 0, 100.0, 1_200.0, -1)
    quote(hunter, 1, 100.0)
    assert quote(hunter, 3, 99.0) == []  # the liquidation is 3 s old, window 2 s


def test_on_quote_when_buy_cascade_then_sells_against_the_move() -> None:
    hunter = SimpleLiquidationHunter(CONFIG)
    quote(hunter, 0, 100.0)
    hunter.on_liquidation("BTC", S, 100.0, 1_200.0, 1)
    (intent,) = quote(hunter, 2, 101.0)
    assert (intent.side, intent.price, intent.tag) == (Side.SELL, 101.5, "entry-1")


def test_on_quote_when_price_keeps_falling_then_adds_stages_until_limit() -> None:
    hunter = SimpleLiquidationHunter(CONFIG)
    crash(hunter)  # first entry at 98.5
    hunter.on_fill("BTC", 5 * S, Side.BUY, 98.5, 1.0, tag="entry-1")
    hunter.on_order_done("BTC", 5 * S, tag="entry-1", status="filled")
    assert quote(hunter, 6, 98.4) == []  # not yet 20 bp beyond 98.5
    (second,) = quote(hunter, 7, 98.2)
    assert second.tag == "entry-2"
    assert second.quantity == pytest.approx(2_000 / 97.7)
    hunter.on_order_done("BTC", 7 * S, tag="entry-2", status="cancelled")
    assert quote(hunter, 8, 98.2) == []  # needs 40 bp for the third stage
    (third,) = quote(hunter, 9, 98.0)
    assert third.tag == "entry-3"
    hunter.on_order_done("BTC", 9 * S, tag="entry-3", status="cancelled")
    assert quote(hunter, 10, 97.6) == []  # all stages used (and not yet at the stop)


def test_on_order_done_when_entry_ends_unfilled_then_stands_down() -> None:
    hunter = SimpleLiquidationHunter(CONFIG)
    crash(hunter)
    hunter.on_order_done("BTC", 5 * S, tag="entry-1", status="cancelled")
    assert quote(hunter, 6, 98.0) == []
    assert quote(hunter, 7, 97.0) == []  # no second stage without a first fill


def filled_long(hunter: SimpleLiquidationHunter, price: float = 98.5, qty: float = 10.0) -> None:
    crash(hunter)
    hunter.on_fill("BTC", 5 * S, Side.BUY, price, qty, tag="entry-1")
    hunter.on_order_done("BTC", 5 * S, tag="entry-1", status="filled")


@pytest.mark.parametrize(
    ("mid", "kind"), [(98.5 * 1.004 + 0.01, "exit-take-profit"), (98.5 * 0.99 - 0.01, "exit-stop")]
)
def test_on_quote_when_exit_level_reached_then_cancels_and_sells_market(
    mid: float, kind: str
) -> None:
    hunter = SimpleLiquidationHunter(CONFIG)
    filled_long(hunter)
    hunter.drain_signals()
    intents = quote(hunter, 6, mid)
    assert intents[0] == CancelAll("BTC")
    exit_order = intents[1]
    assert (exit_order.side, exit_order.kind, exit_order.price) == (
        Side.SELL,
        OrderKind.MARKET,
        None,
    )
    assert exit_order.quantity == pytest.approx(10.0)
    assert exit_order.tag == kind
    assert hunter.drain_signals()[0].kind == kind


def test_on_quote_when_hold_time_exceeded_then_exits_on_time() -> None:
    hunter = SimpleLiquidationHunter(CONFIG)
    filled_long(hunter)
    assert quote(hunter, 64, 98.6) == []
    intents = quote(hunter, 65, 98.6)
    assert intents[1].tag == "exit-time"


def test_on_quote_when_exit_bigger_than_slice_then_sends_equal_slices_one_at_a_time() -> None:
    hunter = SimpleLiquidationHunter(replace(CONFIG, max_slice_notional=400))
    filled_long(hunter, qty=10.0)  # 985 of notional -> 3 slices
    intents = quote(hunter, 6, 96.0)
    assert intents[1].quantity == pytest.approx(10.0 / 3)
    assert quote(hunter, 7, 96.0) == []  # one slice at a time
    hunter.on_fill("BTC", 7 * S, Side.SELL, 95.5, 10.0 / 3, tag="exit-stop")
    hunter.on_order_done("BTC", 7 * S, tag="exit-stop", status="filled")
    (following,) = quote(hunter, 8, 96.0)
    assert following.quantity == pytest.approx(10.0 / 3, rel=1e-6)


def test_on_order_done_when_exit_rejected_then_waits_retry_before_next_slice() -> None:
    hunter = SimpleLiquidationHunter(CONFIG)
    filled_long(hunter)
    quote(hunter, 6, 96.0)
    hunter.on_order_done("BTC", 6 * S, tag="exit-stop", status="rejected_gateware")
    assert quote(hunter, 6.5, 96.0) == []
    assert quote(hunter, 7, 96.0)[0].tag == "exit-stop"


def test_on_quote_when_flat_after_exit_then_cools_down() -> None:
    hunter = SimpleLiquidationHunter(CONFIG)
    filled_long(hunter)
    quote(hunter, 6, 96.0)
    hunter.on_fill("BTC", 6 * S, Side.SELL, 96.0, 10.0, tag="exit-stop")
    hunter.on_order_done("BTC", 6 * S, tag="exit-stop", status="filled")
    assert quote(hunter, 7, 96.0) == []  # flat: resets and starts the cooldown
    assert hunter.position("BTC") == 0
    hunter.on_liquidation("BTC", 8 * S, 96.0, 2_000.0, -1)
    assert quote(hunter, 20, 94.0) == []  # in cooldown (until 37 s)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"window_s": 0}, r"^HunterConfig.window_s must be a positive number, not 0$"),
        ({"stages": 0}, r"^HunterConfig.stages must be an integer >= 1, not 0$"),
        ({"stage_growth": 0.5}, r"^HunterConfig.stage_growth must be >= 1, not 0.5$"),
        ({"cooldown_s": -1}, r"^HunterConfig.cooldown_s must be >= 0, not -1$"),
        (
            {"take_profit_bp": 500},
            r"^HunterConfig.take_profit_bp must be below stop_loss_bp \+ displacement_bp "
            r"\(160\), not 500$",
        ),
    ],
)
def test_config_when_invalid_then_raises(changes: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        HunterConfig(**changes)  # type: ignore[arg-type]


def restored_long(hunter: SimpleLiquidationHunter, qty: float = 10.0) -> None:
    """A long of ``qty`` at 98.5 handed over after a restart, then a first quote at 100 s."""
    hunter.on_restore("BTC", qty, 98.5)
    assert quote(hunter, 100, 98.5) == []


@pytest.mark.parametrize(
    ("mid", "kind"), [(98.5 * 1.004 + 0.01, "exit-take-profit"), (98.5 * 0.99 - 0.01, "exit-stop")]
)
def test_on_restore_when_exit_level_reached_then_the_restored_position_is_closed(
    mid: float, kind: str
) -> None:
    hunter = SimpleLiquidationHunter(CONFIG)
    restored_long(hunter)

    intents = quote(hunter, 101, mid)

    assert intents[0] == CancelAll("BTC")
    assert (intents[1].side, intents[1].kind, intents[1].tag) == (Side.SELL, OrderKind.MARKET, kind)
    assert intents[1].quantity == pytest.approx(10.0)


def test_on_restore_when_inside_the_exit_levels_then_neither_closed_nor_added_to() -> None:
    hunter = SimpleLiquidationHunter(CONFIG)
    restored_long(hunter)

    # 0.5 % against it: past the stage spacing, inside the stop; no cascade either way
    assert quote(hunter, 101, 98.5 * 0.995) == []
    assert quote(hunter, 102, 98.5 * 1.003) == []
    assert hunter.position("BTC") == pytest.approx(10.0)


def test_on_restore_when_held_past_the_limit_since_the_restart_then_exits_on_time() -> None:
    hunter = SimpleLiquidationHunter(CONFIG)
    restored_long(hunter)  # the hold time counts from this first quote, at 100 s

    assert quote(hunter, 159, 98.6) == []
    intents = quote(hunter, 160, 98.6)

    assert intents[1].tag == "exit-time"


def test_on_restore_when_short_then_buys_it_back_at_the_stop() -> None:
    hunter = SimpleLiquidationHunter(CONFIG)
    hunter.on_restore("BTC", -4.0, 98.5)

    intents = quote(hunter, 100, 98.5 * 1.01 + 0.01)

    assert (intents[1].side, intents[1].tag) == (Side.BUY, "exit-stop")
    assert intents[1].quantity == pytest.approx(4.0)


def test_on_restore_when_flat_then_nothing_is_adopted() -> None:
    hunter = SimpleLiquidationHunter(CONFIG)
    hunter.on_restore("BTC", 0.0, 98.5)

    assert quote(hunter, 100, 90.0) == []
    assert hunter.position("BTC") == 0.0
