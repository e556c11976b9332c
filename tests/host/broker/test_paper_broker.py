"""Paper broker: latency, queue position, walking the book, fees, partial fills, cancels,
exchange rejects, and the realism ladder."""

from dataclasses import replace

import pytest

from hdl.protocol import OrderKind, Side
from host.broker import BrokerOrder, PaperBroker, RealismConfig

MS = 1000
IDEAL = RealismConfig.level(0)
_ids = iter(range(1, 1_000_000))


def broker(realism: RealismConfig = IDEAL) -> PaperBroker:
    paper = PaperBroker(realism)
    paper.on_quote("X", 0, 100.0, 100.1, 2.0, 3.0)
    return paper


def new(side: Side, price: float | None, quantity: float, *, ts: int = 0) -> BrokerOrder:
    return BrokerOrder(
        client_id=next(_ids),
        symbol="X",
        side=side,
        kind=OrderKind.MARKET if price is None else OrderKind.LIMIT,
        price=price,
        quantity=quantity,
        tick_size=0.1,
        lot_size=0.001,
        submitted=ts,
    )


def fills(events: list) -> list[tuple[float, float, str]]:
    return [(e.price, round(e.quantity, 9), e.liquidity) for e in events if e.kind == "fill"]


def test_submit_when_market_order_and_ideal_then_fills_all_at_touch() -> None:
    paper = broker()
    events = paper.submit(new(Side.BUY, None, 10.0), 0)
    assert [e.kind for e in events] == ["accepted", "fill"]
    assert fills(events) == [(100.1, 10.0, "taker")]
    assert events[-1].fee == 0.0


def test_submit_when_market_order_walks_book_then_pays_slippage() -> None:
    # touch 3.0 at 100.1, then 4.5 at 100.2, then 6.75 at 100.3
    paper = broker(replace(IDEAL, walk_book=True, depth_growth=1.5))
    events = paper.submit(new(Side.BUY, None, 10.0), 0)
    assert fills(events) == [(100.1, 3.0, "taker"), (100.2, 4.5, "taker"), (100.3, 2.5, "taker")]


def test_submit_when_limit_crosses_partly_then_rest_rests_at_limit() -> None:
    paper = broker(replace(IDEAL, walk_book=True, depth_growth=1.5))
    order = new(Side.BUY, 100.2, 10.0)
    events = paper.submit(order, 0)
    assert fills(events) == [(100.1, 3.0, "taker"), (100.2, 4.5, "taker")]
    assert order.status == "open"
    assert order.remaining == pytest.approx(2.5)


def test_fees_when_taker_and_maker_then_charged_at_their_rates() -> None:
    paper = broker(replace(IDEAL, maker_fee=0.0002, taker_fee=0.0005))
    taker = paper.submit(new(Side.BUY, None, 1.0), 0)[-1]
    assert taker.fee == pytest.approx(100.1 * 0.0005)
    paper.submit(new(Side.BUY, 99.0, 1.0), 0)
    (maker,) = paper.on_quote("X", MS, 98.8, 98.9, 1.0, 1.0)
    assert (maker.liquidity, maker.price) == ("maker", 99.0)
    assert maker.fee == pytest.approx(99.0 * 0.0002)
    assert paper.account.fees == pytest.approx(taker.fee + maker.fee)


def test_on_trade_when_queue_ahead_then_fills_only_after_queue_is_consumed() -> None:
    paper = broker(replace(IDEAL, queue_position=True, partial_fills=True))
    order = new(Side.BUY, 100.0, 1.0)
    paper.submit(order, 0)  # joins the bid behind 2.0 displayed
    assert order.queue_ahead == 2.0
    assert paper.on_trade("X", MS, 100.0, 1.5, -1) == []  # 0.5 still ahead
    (first,) = paper.on_trade("X", 2 * MS, 100.0, 0.8, -1)  # 0.5 queue, 0.3 to us
    assert (first.quantity, first.done) == (pytest.approx(0.3), False)
    (second,) = paper.on_trade("X", 3 * MS, 100.0, 5.0, -1)
    assert (second.quantity, second.done) == (pytest.approx(0.7), True)


def test_on_trade_when_no_queue_model_then_first_touch_fills_whole_order() -> None:
    paper = broker()
    order = new(Side.BUY, 100.0, 1.0)
    paper.submit(order, 0)
    (fill,) = paper.on_trade("X", MS, 100.0, 0.01, -1)
    assert fill.quantity == pytest.approx(1.0)


def test_on_trade_when_buy_taker_then_resting_buy_not_filled() -> None:
    paper = broker()
    paper.submit(new(Side.BUY, 100.0, 1.0), 0)
    assert paper.on_trade("X", MS, 100.0, 5.0, 1) == []


def test_on_quote_when_queue_shrinks_then_queue_ahead_shrinks() -> None:
    paper = broker(replace(IDEAL, queue_position=True))
    order = new(Side.BUY, 100.0, 1.0)
    paper.submit(order, 0)
    paper.on_quote("X", MS, 100.0, 100.1, 0.5, 3.0)
    assert order.queue_ahead == 0.5


def test_on_quote_when_book_trades_through_then_fills_rest_as_maker() -> None:
    paper = broker(replace(IDEAL, queue_position=True))
    paper.submit(new(Side.SELL, 100.1, 2.0), 0)
    (fill,) = paper.on_quote("X", MS, 100.2, 100.3, 1.0, 1.0)
    assert (fill.price, fill.quantity, fill.liquidity) == (100.1, pytest.approx(2.0), "maker")


def test_submit_when_latency_then_order_arrives_later() -> None:
    paper = broker(replace(IDEAL, latency_ms=20.0))
    order = new(Side.BUY, None, 1.0)
    assert paper.submit(order, 0) == []
    paper.on_quote("X", 10 * MS, 100.0, 100.5, 1.0, 1.0)
    assert order.status == "pending"
    events = paper.advance(20 * MS)
    assert fills(events) == [(100.5, 1.0, "taker")]  # the price when it arrived


def test_latency_when_volatile_then_grows() -> None:
    paper = broker(
        replace(IDEAL, latency_ms=10.0, volatility_latency=True, volatility_bp_per_double=5)
    )
    calm = paper._latency_us("X")
    for step in range(1, 20):
        paper.on_quote("X", step * MS, 100.0 + step % 2, 100.1 + step % 2, 1.0, 1.0)
    assert paper._latency_us("X") > 2 * calm


def test_cancel_when_before_fill_then_cancelled_after_latency() -> None:
    paper = broker(replace(IDEAL, latency_ms=5.0))
    order = new(Side.BUY, 99.0, 1.0)
    paper.submit(order, 0)
    paper.advance(5 * MS)
    assert paper.cancel(order.client_id, 10 * MS) == []
    (cancelled,) = paper.advance(15 * MS)
    assert (cancelled.kind, cancelled.done) == ("cancelled", True)
    assert paper.open_orders() == []


@pytest.mark.parametrize(
    ("order", "code"),
    [
        (lambda: new(Side.BUY, 94.0, 1.0), "EXCHANGE_PRICE_BAND"),
        (lambda: new(Side.BUY, 100.0, 0.04), "EXCHANGE_MIN_NOTIONAL"),
    ],
)
def test_submit_when_exchange_rules_broken_then_rejected(order, code: str) -> None:
    paper = broker(replace(IDEAL, exchange_rejects=True, price_band=0.05, min_notional=5.0))
    (event,) = paper.submit(order(), 0)
    assert event.kind == "rejected"
    assert event.reason.startswith(f"{code}: ")
    assert paper.rejects == {code: 1}


def test_submit_when_inside_exchange_rules_then_accepted() -> None:
    paper = broker(replace(IDEAL, exchange_rejects=True, price_band=0.05, min_notional=5.0))
    assert paper.submit(new(Side.BUY, 95.1, 0.06), 0)[0].kind == "accepted"


def test_submit_when_closing_dust_then_exempt_from_min_notional() -> None:
    paper = broker(replace(IDEAL, exchange_rejects=True, min_notional=5.0))
    assert paper.submit(new(Side.BUY, None, 0.06), 0)[0].kind == "accepted"
    assert paper.submit(new(Side.SELL, None, 0.05), 0)[0].kind == "accepted"
    assert paper.submit(new(Side.SELL, None, 0.02), 0)[0].kind == "rejected"  # would open
    assert paper.submit(new(Side.SELL, None, 0.01), 0)[0].kind == "accepted"


def test_submit_when_rate_limit_exceeded_then_rejected() -> None:
    paper = broker(replace(IDEAL, exchange_rejects=True, max_orders_per_s=2))
    assert paper.submit(new(Side.BUY, 99.0, 1.0), 0)[0].kind == "accepted"
    assert paper.submit(new(Side.BUY, 99.1, 1.0), 0)[0].kind == "accepted"
    assert paper.submit(new(Side.BUY, 99.2, 1.0), 0)[0].reason.startswith("EXCHANGE_RATE_LIMIT")
    assert paper.submit(new(Side.BUY, 99.3, 1.0), 1_000 * MS)[0].kind == "accepted"


def test_account_when_round_trip_then_realizes_pnl_and_equity() -> None:
    paper = broker()
    paper.submit(new(Side.BUY, None, 2.0), 0)  # at 100.1
    paper.on_quote("X", MS, 101.0, 101.1, 5.0, 5.0)
    assert paper.account.equity(paper.marks()) == pytest.approx(100_000 + (101.05 - 100.1) * 2)
    (fill,) = fills(paper.submit(new(Side.SELL, None, 2.0), MS))
    assert fill[0] == 101.0
    assert paper.account.realized_pnl == pytest.approx((101.0 - 100.1) * 2)


def test_level_when_rungs_then_switch_on_in_order() -> None:
    rungs = [RealismConfig.level(n) for n in range(5)]
    assert rungs[0].latency_ms == 0 and rungs[0].taker_fee == 0
    assert rungs[1].latency_ms > 0 and not rungs[1].walk_book
    assert rungs[2].walk_book and not rungs[2].queue_position
    assert rungs[3].queue_position and rungs[3].partial_fills and not rungs[3].exchange_rejects
    assert rungs[4] == RealismConfig()
    with pytest.raises(ValueError, match=r"^Realism level must be 0..4, not 5$"):
        RealismConfig.level(5)
