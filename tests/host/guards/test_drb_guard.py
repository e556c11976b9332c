"""DRBGuard: every control (C1-C15, C17) trips on its case and accepts its neighbour."""

import re
from dataclasses import replace

import pytest

from hdl.protocol import ArmMode, KillCause, OrderKind, Reason, Side, TradingState
from host.guards import DRBGuard, DRBGuardConfig, OrderRequest
from host.instruments import Instrument, InstrumentMap

MS = 1000
# Tick 0.1, lot 0.01: one tick-lot is worth 0.001; a price of 1000 ticks is 100.0.
INSTRUMENTS = InstrumentMap(
    [
        Instrument("AAA", 0, 0.1, 0.01, 500, 10, 100_000, 100),
        Instrument("BBB", 1, 0.1, 0.01, 500, 10, 100_000, 100),
    ]
)
LOOSE = DRBGuardConfig(
    max_order_qty=1_000,
    max_order_notional=1_000.0,
    collar_bp=100.0,
    stale_after_ms=1_000.0,
    max_gross_exposure=10_000.0,
    max_open_orders=4,
    rate_max_orders=100,
    rate_window_ms=1_000.0,
    dup_window_ms=100.0,
    fill_max=10,
    fill_window_ms=1_000.0,
    max_drawdown=0.1,
    daily_loss=500.0,
)


def armed(config: DRBGuardConfig = LOOSE, *, equity: float = 10_000.0) -> DRBGuard:
    guard = DRBGuard(config, INSTRUMENTS)
    guard.on_equity(0, equity)
    guard.arm()
    guard.on_tick(0, 0, 999, 1001)  # mid 1000 ticks = 100.0
    guard.on_tick(1, 0, 999, 1001)
    return guard


_ids = iter(range(1, 1_000_000))


def order(
    side: Side = Side.BUY,
    price: int = 1000,
    quantity: int = 10,
    *,
    kind: OrderKind = OrderKind.LIMIT,
    instrument: int = 0,
    client_id: int | None = None,
) -> OrderRequest:
    return OrderRequest(
        client_id if client_id is not None else next(_ids), instrument, side, kind, price, quantity
    )


def parse(text: str) -> tuple[str, dict[str, str]]:
    """The reason text must parse as 'CODE: key=value, key=value'."""
    match = re.fullmatch(r"([A-Z_]+): (.*)", text)
    assert match, text
    facts = dict(item.split("=", 1) for item in match[2].split(", ") if "=" in item)
    return match[1], facts


def test_check_when_all_limits_pass_then_accepts_and_opens_order() -> None:
    guard = armed()
    verdict = guard.check(order(client_id=7), 0)
    assert verdict.accepted
    assert guard.open_orders == [7]


# ---- C1 / C2 ---------------------------------------------------------------------------


def test_check_when_not_armed_then_denies_not_armed() -> None:
    guard = DRBGuard(LOOSE, INSTRUMENTS)
    guard.on_tick(0, 0, 999, 1001)
    assert guard.check(order(), 0).reason == Reason.NOT_ARMED


def test_arm_when_limit_unset_then_refuses_to_arm() -> None:
    guard = DRBGuard(replace(LOOSE, max_open_orders=None), INSTRUMENTS)
    with pytest.raises(
        ValueError,
        match=r"^DRBGuard limits must all be set before arming, not unset \['max_open_orders'\]$",
    ):
        guard.arm()
    assert guard.state == TradingState.DISARMED
    assert guard.check(order(), 0).reason == Reason.NOT_ARMED


def test_check_when_killed_then_denies_halted_until_rearmed() -> None:
    guard = armed()
    guard.kill(KillCause.COMMAND, "test")
    verdict = guard.check(order(), 0)
    assert verdict.reason == Reason.HALTED
    assert parse(verdict.text)[0] == "HALTED"
    guard.arm()
    guard.on_tick(0, 0, 999, 1001)
    assert guard.check(order(), 0).accepted


def test_check_when_reducing_and_order_opens_then_denies_reducing_only() -> None:
    guard = armed()
    guard.arm(ArmMode.REDUCING)
    assert guard.check(order(Side.BUY), 0).reason == Reason.REDUCING_ONLY


def test_check_when_reducing_and_order_shrinks_position_then_accepts() -> None:
    guard = armed()
    buy = order(Side.BUY, quantity=20)
    assert guard.check(buy, 0).accepted
    guard.on_fill(buy.client_id, 1000, 20, 0)
    guard.arm(ArmMode.REDUCING)
    guard.on_tick(0, 0, 999, 1001)
    assert guard.check(order(Side.SELL, quantity=20), 0).accepted
    # Flipping through zero is not reducing (worst case with the open sell).
    assert guard.check(order(Side.SELL, quantity=1, price=1001), 0).reason == Reason.REDUCING_ONLY


def test_cancel_when_halted_then_still_passes() -> None:
    guard = armed()
    accepted = order()
    guard.check(accepted, 0)
    guard.kill()
    assert guard.on_cancel(accepted.client_id) is True
    assert guard.open_orders == []


# ---- C3 / C4 / C5 ------------------------------------------------------------------------


def test_check_when_instrument_unknown_then_denies() -> None:
    assert armed().check(order(instrument=3), 0).reason == Reason.UNKNOWN_INSTRUMENT


@pytest.mark.parametrize(
    ("price", "kind", "reason"),
    [
        (0, OrderKind.LIMIT, Reason.INVALID_PRICE),
        (9, OrderKind.LIMIT, Reason.INVALID_PRICE),
        (100_001, OrderKind.LIMIT, Reason.INVALID_PRICE),
        (5, OrderKind.MARKET, Reason.INVALID_PRICE),
        (1000, OrderKind.LIMIT, Reason.ACCEPT),
        (0, OrderKind.MARKET, Reason.ACCEPT),
    ],
)
def test_check_when_price_invalid_then_denies(price: int, kind: OrderKind, reason: Reason) -> None:
    assert armed().check(order(price=price, kind=kind), 0).reason == reason


def test_check_when_quantity_zero_then_denies_invalid_quantity() -> None:
    guard = armed()
    assert guard.check(order(quantity=0), 0).reason == Reason.INVALID_QUANTITY
    assert guard.check(order(quantity=1), 0).accepted


def test_check_when_quantity_over_max_then_denies_max_quantity() -> None:
    guard = armed(replace(LOOSE, max_order_qty=50, max_order_notional=1e9))
    verdict = guard.check(order(quantity=51), 0)
    assert verdict.reason == Reason.MAX_QUANTITY
    assert parse(verdict.text) == ("MAX_QUANTITY", {"quantity": "51", "limit": "50"})
    assert guard.check(order(quantity=50), 0).accepted


# ---- C6 / C7 / C8 ------------------------------------------------------------------------


def test_check_when_notional_over_limit_then_denies_max_notional() -> None:
    # 1001 ticks (the ask, higher than the price) x 100 lots x 0.001 = 100.1 > 100
    guard = armed(replace(LOOSE, max_order_notional=100.0))
    verdict = guard.check(order(Side.BUY, price=1000, quantity=100), 0)
    assert verdict.reason == Reason.MAX_NOTIONAL
    code, facts = parse(verdict.text)
    assert (code, facts["notional"], facts["limit"]) == ("MAX_NOTIONAL", "100.10", "100")
    assert guard.check(order(Side.BUY, price=1000, quantity=99), 0).accepted


def test_check_when_market_order_then_valued_at_collar_edge() -> None:
    # Collar 100 bp: a market buy is valued at 1010 ticks -> 1010 x 99 x 0.001 = 99.99
    guard = armed(replace(LOOSE, max_order_notional=100.0))
    assert guard.check(order(kind=OrderKind.MARKET, price=0, quantity=99), 0).accepted
    verdict = guard.check(order(kind=OrderKind.MARKET, price=0, quantity=100), 0)
    assert verdict.reason == Reason.MAX_NOTIONAL


def test_check_when_sell_then_notional_uses_lower_of_price_and_bid() -> None:
    guard = armed(replace(LOOSE, max_order_notional=99.9))
    # price 1001 but bid 999: 999 x 100 x 0.001 = 99.9 (passes), not 100.1
    assert guard.check(order(Side.SELL, price=1001, quantity=100), 0).accepted


@pytest.mark.parametrize(
    ("price", "reason"),
    [(1010, Reason.ACCEPT), (1011, Reason.PRICE_COLLAR), (989, Reason.PRICE_COLLAR)],
)
def test_check_when_price_outside_collar_then_denies_price_collar(
    price: int, reason: Reason
) -> None:
    guard = armed(replace(LOOSE, max_order_notional=1e9))
    assert guard.check(order(Side.BUY, price=price), 0).reason == reason


def test_check_when_no_reference_then_denies_stale() -> None:
    guard = DRBGuard(LOOSE, INSTRUMENTS)
    guard.arm()
    verdict = guard.check(order(), 0)
    assert verdict.reason == Reason.STALE_REFERENCE
    assert "reference=none" in verdict.text


def test_check_when_reference_older_than_limit_then_denies_stale() -> None:
    guard = armed()
    assert guard.check(order(), 1_000 * MS).accepted
    assert guard.check(order(), 1_001 * MS).reason == Reason.STALE_REFERENCE


# ---- C9 / C10 ------------------------------------------------------------------------------


def test_check_when_worst_case_position_over_limit_then_denies_max_position() -> None:
    guard = armed(replace(LOOSE, max_position={"AAA": 100}))
    assert guard.check(order(quantity=60), 0).accepted
    verdict = guard.check(order(quantity=41, price=999), 0)  # 60 open + 41 > 100
    assert verdict.reason == Reason.MAX_POSITION
    assert parse(verdict.text)[1]["worst_case"] == "101"
    assert guard.check(order(quantity=40, price=999), 0).accepted


def test_check_when_short_side_over_limit_then_denies_max_position() -> None:
    guard = armed(replace(LOOSE, max_position={"AAA": 100}))
    assert guard.check(order(Side.SELL, quantity=101), 0).reason == Reason.MAX_POSITION
    assert guard.check(order(Side.SELL, quantity=100), 0).accepted


def test_check_when_gross_exposure_over_limit_then_denies_max_exposure() -> None:
    # 500 lots of BBB filled at mid 1000: 500 x 1000 x 0.001 = 500
    guard = armed(replace(LOOSE, max_gross_exposure=600.0))
    first = order(instrument=1, quantity=500)
    assert guard.check(first, 0).accepted
    guard.on_fill(first.client_id, 1000, 500, 0)
    # 100 more lots of AAA valued at the ask 1001: 100.1 -> 600.1 > 600
    assert guard.check(order(quantity=100), 0).reason == Reason.MAX_EXPOSURE
    assert guard.check(order(quantity=99), 0).accepted


def test_check_when_reducing_order_then_never_blocked_by_exposure_or_position() -> None:
    guard = armed(replace(LOOSE, max_gross_exposure=600.0, max_position={"BBB": 500}))
    first = order(instrument=1, quantity=500)
    guard.check(first, 0)
    guard.on_fill(first.client_id, 1000, 500, 0)
    guard.config = replace(guard.config, max_gross_exposure=100.0)
    assert guard.check(order(Side.SELL, instrument=1, quantity=500, price=999), 0).accepted


def test_check_when_other_position_has_no_reference_then_denies_unknown_position() -> None:
    guard = DRBGuard(LOOSE, INSTRUMENTS)
    guard.on_equity(0, 10_000.0)
    guard.arm()
    guard.on_tick(1, 0, 999, 1001)
    first = order(instrument=1, quantity=10)
    guard.check(first, 0)
    guard.on_fill(first.client_id, 1000, 10, 0)
    guard._books[1].ref_ts = None  # the reference of BBB is lost
    guard.on_tick(0, 0, 999, 1001)
    assert guard.check(order(instrument=0), 0).reason == Reason.UNKNOWN_POSITION


# ---- C11 / C12 / C13 / C15 -----------------------------------------------------------------


def test_check_when_open_orders_at_limit_then_denies_max_open_orders() -> None:
    guard = armed()
    for price in (995, 996, 997, 998):
        assert guard.check(order(price=price), 0).accepted
    assert guard.check(order(price=994), 0).reason == Reason.MAX_OPEN_ORDERS
    guard.on_cancel(guard.open_orders[0])
    assert guard.check(order(price=994), 0).accepted


def test_check_when_rate_exceeded_then_denies_until_window_slides() -> None:
    guard = armed(replace(LOOSE, rate_max_orders=2, max_open_orders=10))
    assert guard.check(order(price=995), 0).accepted
    assert guard.check(order(price=996), 10 * MS).accepted
    assert guard.check(order(price=997), 20 * MS).reason == Reason.RATE_LIMIT
    assert guard.check(order(price=997), 1_000 * MS).accepted  # the first left the window


def test_check_when_client_id_reused_then_denies_duplicate_id() -> None:
    guard = armed()
    assert guard.check(order(client_id=42, price=995), 0).accepted
    assert guard.check(order(client_id=42, price=996), 0).reason == Reason.DUPLICATE_ID
    assert guard.check(order(client_id=43, price=996), 0).accepted


def test_check_when_same_order_repeated_in_window_then_denies_duplicate_order() -> None:
    guard = armed()
    assert guard.check(order(price=995, quantity=5), 0).accepted
    assert guard.check(order(price=995, quantity=5), 100 * MS).reason == Reason.DUPLICATE_ORDER
    assert guard.check(order(price=995, quantity=5), 101 * MS).accepted


def test_check_when_order_crosses_own_resting_order_then_denies_self_trade() -> None:
    guard = armed()
    assert guard.check(order(Side.SELL, price=1005), 0).accepted
    verdict = guard.check(order(Side.BUY, price=1005), 0)
    assert verdict.reason == Reason.SELF_TRADE
    assert parse(verdict.text)[1]["resting_price"] == "1005"
    assert guard.check(order(Side.BUY, price=1004), 0).accepted


# ---- C14 / fills ---------------------------------------------------------------------------


def test_on_fill_when_fills_exceed_rate_then_latches_kill() -> None:
    guard = armed(replace(LOOSE, fill_max=3))
    accepted = order(quantity=100)
    guard.check(accepted, 0)
    for _ in range(3):
        guard.on_fill(accepted.client_id, 1000, 1, 0)
    assert guard.state == TradingState.ACTIVE
    guard.on_fill(accepted.client_id, 1000, 1, 0)
    assert guard.state == TradingState.HALTED
    assert guard.kill_cause == KillCause.FILL_RATE


def test_on_fill_when_unknown_id_then_latches_kill() -> None:
    guard = armed()
    guard.on_fill(999_999, 1000, 1, 0)
    assert guard.state == TradingState.HALTED
    assert "UNKNOWN_POSITION" in guard.kill_detail


def test_on_fill_when_partial_then_position_moves_and_order_stays_open() -> None:
    guard = armed()
    accepted = order(quantity=10)
    guard.check(accepted, 0)
    guard.on_fill(accepted.client_id, 1000, 4, 0)
    assert guard.position(0) == 4
    assert guard.open_orders == [accepted.client_id]
    guard.on_fill(accepted.client_id, 1000, 6, 0)
    assert guard.position(0) == 10
    assert guard.open_orders == []


# ---- C17 -----------------------------------------------------------------------------------


def test_check_when_drawdown_reaches_limit_then_denies_opening_orders() -> None:
    guard = armed(equity=10_000.0)
    guard.on_equity(MS, 11_000.0)  # new peak
    guard.on_equity(2 * MS, 9_901.0)  # 9.99 % below the peak
    assert guard.check(order(), 2 * MS).accepted
    guard.on_equity(3 * MS, 9_900.0)  # 10 %
    verdict = guard.check(order(price=999), 3 * MS)
    assert verdict.reason == Reason.MAX_DRAWDOWN
    assert parse(verdict.text)[1]["limit"] == "0.1"


def test_check_when_drawdown_breached_then_reducing_orders_still_pass() -> None:
    guard = armed(replace(LOOSE, max_drawdown=0.01, daily_loss=1e9), equity=10_000.0)
    buy = order(quantity=10)
    guard.check(buy, 0)
    guard.on_fill(buy.client_id, 1000, 10, 0)
    guard.on_equity(MS, 9_800.0)
    assert guard.check(order(Side.BUY, price=999), MS).reason == Reason.MAX_DRAWDOWN
    assert guard.check(order(Side.SELL, quantity=10, price=999), MS).accepted


def test_check_when_daily_loss_reached_then_denies_daily_loss() -> None:
    guard = armed(replace(LOOSE, max_drawdown=0.5, daily_loss=500.0), equity=10_000.0)
    guard.on_equity(MS, 9_501.0)
    assert guard.check(order(), MS).accepted
    guard.on_equity(2 * MS, 9_500.0)
    assert guard.check(order(price=999), 2 * MS).reason == Reason.DAILY_LOSS


def test_rejects_when_denied_then_counted_by_reason() -> None:
    guard = armed()
    guard.check(order(instrument=3), 0)
    guard.check(order(instrument=3), 0)
    assert guard.rejects == {"UNKNOWN_INSTRUMENT": 2}
    assert guard.status()["rejects"] == {"UNKNOWN_INSTRUMENT": 2}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"max_order_qty": 0}, r"^DRBGuardConfig.max_order_qty must be positive, not 0$"),
        ({"collar_bp": -5.0}, r"^DRBGuardConfig.collar_bp must be positive, not -5.0$"),
        (
            {"max_drawdown": 1.5},
            r"^DRBGuardConfig.max_drawdown must be a fraction below 1, not 1.5$",
        ),
        (
            {"max_position": {"AAA": 0}},
            r"^DRBGuardConfig.max_position\['AAA'\] must be a positive integer, not 0$",
        ),
    ],
)
def test_config_when_invalid_then_raises(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DRBGuardConfig(**changes)  # type: ignore[arg-type]
