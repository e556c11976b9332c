"""Directed scenarios of the guard core: every control and tick rule, expectations by hand.

Each :class:`Scenario` starts from reset. A :class:`Step` idles ``wait_units`` time units, then
sends ``send`` (if any); ``expect`` lists every response beat seen from the start of the step
until the next step starts (a FILL that latches a kill expects its ACK and then the ALERT).
Time windows and waits are multiplied by ``scale`` so that a runner whose frames take long
(a UART at a low baud rate) can keep whole scenarios inside the windows; messages sent back to
back must complete well within ``10 * scale`` time units.

The same table drives the Amaranth simulation of GuardCore, the reference model's unit tests and
the cocotb test of the whole top level.
"""

from dataclasses import dataclass

from hdl.protocol import (
    AckResult,
    ArmMode,
    KillCause,
    LimitId,
    MessageType,
    OrderKind,
    Reason,
    Side,
    TickReason,
    TradingState,
)
from host.link.codec import Message

__all__ = [
    "Step",
    "Scenario",
    "scenarios",
    "standard_limits",
    "set_limit",
    "set_instrument",
    "arm",
    "kill",
    "heartbeat",
    "status",
    "tick",
    "order",
    "cancel",
    "fill",
    "set_position",
    "cancel_all",
    "ack",
    "order_verdict",
    "tick_verdict",
    "alert",
]

# ---- message builders ------------------------------------------------------------------------


def set_limit(limit_id: int, value: int) -> Message:
    """SET_LIMIT(limit_id, value)."""
    return Message(MessageType.SET_LIMIT, {"limit_id": int(limit_id), "value": value})


def set_instrument(
    index: int,
    *,
    enabled: bool = True,
    max_position: int = 100,
    min_price: int = 1000,
    max_price: int = 2000,
    band_ticks: int = 20,
) -> Message:
    """SET_INSTRUMENT with the scenario defaults (prices 1000 .. 2000, band 20, position 100)."""
    return Message(
        MessageType.SET_INSTRUMENT,
        {
            "instrument": index,
            "enabled": int(enabled),
            "max_position": max_position,
            "min_price": min_price,
            "max_price": max_price,
            "band_ticks": band_ticks,
        },
    )


def arm(mode: int = ArmMode.ACTIVE) -> Message:
    """ARM(mode)."""
    return Message(MessageType.ARM, {"mode": int(mode)})


def kill() -> Message:
    """KILL."""
    return Message(MessageType.KILL)


def heartbeat() -> Message:
    """HEARTBEAT."""
    return Message(MessageType.HEARTBEAT)


def status(section: int) -> Message:
    """STATUS(section)."""
    return Message(MessageType.STATUS, {"section": int(section)})


def tick(index: int, timestamp: int, bid: int, ask: int) -> Message:
    """TICK(instrument, timestamp, bid, ask)."""
    return Message(
        MessageType.TICK, {"instrument": index, "timestamp": timestamp, "bid": bid, "ask": ask}
    )


def order(
    client_id: int,
    quantity: int,
    price: int = 1500,
    *,
    side: int = Side.BUY,
    kind: int = OrderKind.LIMIT,
    instrument: int = 0,
) -> Message:
    """ORDER; a LIMIT buy of instrument 0 at 1500 unless told otherwise."""
    return Message(
        MessageType.ORDER,
        {
            "client_id": client_id,
            "instrument": instrument,
            "side": int(side),
            "kind": int(kind),
            "price": price,
            "quantity": quantity,
        },
    )


def cancel(client_id: int) -> Message:
    """CANCEL(client_id)."""
    return Message(MessageType.CANCEL, {"client_id": client_id})


def fill(client_id: int, price: int, quantity: int) -> Message:
    """FILL(client_id, price, quantity)."""
    return Message(MessageType.FILL, {"client_id": client_id, "price": price, "quantity": quantity})


def set_position(index: int, position: int, price: int) -> Message:
    """SET_POSITION(instrument, position, price)."""
    return Message(
        MessageType.SET_POSITION, {"instrument": index, "position": position, "price": price}
    )


def cancel_all() -> Message:
    """CANCEL_ALL."""
    return Message(MessageType.CANCEL_ALL)


def ack(command: MessageType, argument: int = 0, result: int = AckResult.OK) -> Message:
    """The ACK expected for ``command``."""
    return Message(
        MessageType.ACK, {"command": int(command), "argument": argument, "result": int(result)}
    )


def order_verdict(client_id: int, reason: int = Reason.ACCEPT) -> Message:
    """The ORDER_VERDICT expected for ``client_id``."""
    return Message(MessageType.ORDER_VERDICT, {"client_id": client_id, "reason": int(reason)})


def tick_verdict(index: int, timestamp: int, reason: int = TickReason.ACCEPT) -> Message:
    """The TICK_VERDICT expected for a tick."""
    return Message(
        MessageType.TICK_VERDICT,
        {"instrument": index, "timestamp": timestamp, "reason": int(reason)},
    )


def alert(cause: KillCause) -> Message:
    """The ALERT of an autonomous kill."""
    return Message(MessageType.ALERT, {"state": int(TradingState.HALTED), "cause": int(cause)})


# ---- scenario table ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """Idle ``wait_units`` time units, send ``send``, then see exactly ``expect``."""

    send: Message | None
    expect: tuple[Message, ...] = ()
    wait_units: int = 0


@dataclass(frozen=True)
class Scenario:
    """A named sequence of steps, starting from reset."""

    name: str
    description: str
    steps: tuple[Step, ...]


def standard_limits(scale: int = 1) -> dict[LimitId, int]:
    """The limits every scenario sets (windows and timeouts multiplied by ``scale``)."""
    return {
        LimitId.MAX_ORDER_QTY: 50,
        LimitId.MAX_ORDER_NOTIONAL: 75_000,
        LimitId.COLLAR_TICKS: 30,
        LimitId.STALE_AFTER: 200 * scale,
        LimitId.MAX_GROSS_EXPOSURE: 150_000,
        LimitId.MAX_OPEN_ORDERS: 3,
        LimitId.RATE_MAX_ORDERS: 6,
        LimitId.RATE_WINDOW: 400 * scale,
        LimitId.DUP_WINDOW: 100 * scale,
        LimitId.FILL_MAX: 3,
        LimitId.FILL_WINDOW: 400 * scale,
        LimitId.HEARTBEAT_TIMEOUT: 1000 * scale,
        LimitId.CONFIRM_TICKS: 3,
    }


def _x(message: Message, *expect: Message, wait: int = 0) -> Step:
    return Step(message, tuple(expect), wait)


def _limits(scale: int) -> list[Step]:
    return [
        _x(set_limit(limit_id, value), ack(MessageType.SET_LIMIT, limit_id))
        for limit_id, value in standard_limits(scale).items()
    ]


def _setup(scale: int, mode: int = ArmMode.ACTIVE) -> list[Step]:
    """All limits, instrument 0 enabled, one tick (mid 1500, bid 1490, ask 1510), ARM."""
    return [
        *_limits(scale),
        _x(set_instrument(0), ack(MessageType.SET_INSTRUMENT, 0)),
        _x(tick(0, 100, 1490, 1510), tick_verdict(0, 100)),
        _x(arm(mode), ack(MessageType.ARM, mode)),
    ]


def _order(client_id: int, quantity: int, price: int = 1500, reason: int = 0, **kw: int) -> Step:
    return _x(order(client_id, quantity, price, **kw), order_verdict(client_id, reason))


R = Reason
T = TickReason
BUY, SELL = Side.BUY, Side.SELL
MARKET = OrderKind.MARKET
OK = AckResult.OK
BAD = AckResult.BAD_ARGUMENT


def scenarios(*, scale: int = 1) -> tuple[Scenario, ...]:
    """The directed scenario table.

    Parameters
    ----------
    scale : int
        Multiplier (>= 1) of every time window, timeout and wait.

    Raises
    ------
    TypeError, ValueError
        If ``scale`` is not an int >= 1.
    """
    if not isinstance(scale, int) or isinstance(scale, bool):
        raise TypeError(f"Scale must be an int, not {scale!r}")
    if scale < 1:
        raise ValueError(f"Scale must be at least 1, not {scale!r}")
    s = scale
    setup = _setup(s)
    table = [
        Scenario(
            "fail_closed",
            "C2: nothing is accepted until every limit is set, an instrument enabled, a "
            "reference price known and ARM received",
            (
                _order(1, 10, reason=R.NOT_ARMED),
                _x(arm(), ack(MessageType.ARM, 0, AckResult.LIMITS_INCOMPLETE)),
                *_limits(s)[:-1],
                _x(arm(), ack(MessageType.ARM, 0, AckResult.LIMITS_INCOMPLETE)),
                _limits(s)[-1],
                _x(arm(), ack(MessageType.ARM, 0, AckResult.LIMITS_INCOMPLETE)),
                _x(set_instrument(0), ack(MessageType.SET_INSTRUMENT, 0)),
                _order(2, 10, reason=R.NOT_ARMED),
                _x(arm(), ack(MessageType.ARM, 0)),
                _order(3, 10, reason=R.STALE_REFERENCE),
                _x(tick(0, 100, 1490, 1510), tick_verdict(0, 100)),
                _order(4, 10),
            ),
        ),
        Scenario(
            "set_limit_validation",
            "SET_LIMIT refuses 0, values wider than the register, unknown ids and more open "
            "orders than slots",
            (
                _x(
                    set_limit(LimitId.MAX_ORDER_QTY, 0),
                    ack(MessageType.SET_LIMIT, 0, AckResult.BAD_ARGUMENT),
                ),
                _x(
                    set_limit(LimitId.MAX_ORDER_QTY, 1 << 16),
                    ack(MessageType.SET_LIMIT, 0, AckResult.BAD_ARGUMENT),
                ),
                _x(set_limit(LimitId.MAX_ORDER_QTY, (1 << 16) - 1), ack(MessageType.SET_LIMIT, 0)),
                _x(
                    set_limit(LimitId.MAX_OPEN_ORDERS, 9),
                    ack(MessageType.SET_LIMIT, 5, AckResult.BAD_ARGUMENT),
                ),
                _x(set_limit(LimitId.MAX_OPEN_ORDERS, 8), ack(MessageType.SET_LIMIT, 5)),
                _x(set_limit(13, 1), ack(MessageType.SET_LIMIT, 13, AckResult.BAD_ARGUMENT)),
                _x(
                    set_limit(LimitId.CONFIRM_TICKS, 256),
                    ack(MessageType.SET_LIMIT, 12, AckResult.BAD_ARGUMENT),
                ),
            ),
        ),
        Scenario(
            "set_instrument_validation",
            "SET_INSTRUMENT refuses an index out of range, min above max and a zero band",
            (
                _x(set_instrument(4), ack(MessageType.SET_INSTRUMENT, 4, AckResult.BAD_ARGUMENT)),
                _x(
                    set_instrument(1, min_price=2001),
                    ack(MessageType.SET_INSTRUMENT, 1, AckResult.BAD_ARGUMENT),
                ),
                _x(
                    set_instrument(1, band_ticks=0),
                    ack(MessageType.SET_INSTRUMENT, 1, AckResult.BAD_ARGUMENT),
                ),
                _x(set_instrument(1, min_price=2000), ack(MessageType.SET_INSTRUMENT, 1)),
                _x(arm(2), ack(MessageType.ARM, 2, AckResult.BAD_ARGUMENT)),
            ),
        ),
        Scenario(
            "kill_and_rearm",
            "C1: KILL latches HALTED (cancels still pass), ARM clears it; changing a limit disarms",
            (
                *setup,
                _order(1, 10),
                _x(kill(), ack(MessageType.KILL)),
                _order(2, 10, reason=R.HALTED),
                _x(kill(), ack(MessageType.KILL)),
                _x(cancel(1), ack(MessageType.CANCEL, 1)),
                _x(set_limit(LimitId.MAX_ORDER_QTY, 40), ack(MessageType.SET_LIMIT, 0)),
                _order(3, 10, reason=R.HALTED),
                _x(arm(), ack(MessageType.ARM)),
                _order(4, 10, 1503),
                _x(set_limit(LimitId.MAX_ORDER_QTY, 50), ack(MessageType.SET_LIMIT, 0)),
                _order(5, 10, 1501, reason=R.NOT_ARMED),
                _x(arm(), ack(MessageType.ARM)),
                _order(6, 10, 1502),
            ),
        ),
        Scenario(
            "instrument_and_price",
            "C3 unknown or disabled instrument, C4 price and quantity, C5 max quantity",
            (
                *setup,
                _x(set_instrument(1, enabled=False), ack(MessageType.SET_INSTRUMENT, 1)),
                _x(arm(), ack(MessageType.ARM)),
                _order(1, 10, instrument=1, reason=R.UNKNOWN_INSTRUMENT),
                _order(2, 10, instrument=7, reason=R.UNKNOWN_INSTRUMENT),
                _order(3, 10, 0, reason=R.INVALID_PRICE),
                _order(4, 10, 999, reason=R.INVALID_PRICE),
                _order(5, 10, 2001, reason=R.INVALID_PRICE),
                _order(6, 0, reason=R.INVALID_QUANTITY),
                _order(7, 51, reason=R.MAX_QUANTITY),
                _order(8, 10, 0, kind=MARKET),
                _order(9, 40),
            ),
        ),
        Scenario(
            "notional_and_collar",
            "C6 notional at the worse of price and touch (market: collar edge), C7 collar",
            (
                *setup,
                # buy valued at max(price, ask=1510): 50 x 1510 = 75,500 > 75,000
                _order(1, 50, reason=R.MAX_NOTIONAL),
                _order(2, 49),
                # sell valued at min(price, bid=1490): 50 x 1490 = 74,500
                _order(3, 50, 1520, side=SELL),
                # market buy valued at max(mid + collar, ask) = 1530: 76,500
                _order(4, 50, 0, kind=MARKET, reason=R.MAX_NOTIONAL),
                _x(cancel(2), ack(MessageType.CANCEL, 2)),
                _x(cancel(3), ack(MessageType.CANCEL, 3)),
                _order(5, 49, 0, kind=MARKET),  # 74,970
                # notional is checked before the collar: 45 x 1700 = 76,500; 44 x 1700 = 74,800
                _order(7, 45, 1700, reason=R.MAX_NOTIONAL),
                _order(8, 44, 1700, reason=R.PRICE_COLLAR),
                _order(9, 10, 1531, reason=R.PRICE_COLLAR),
                _order(10, 10, 1469, side=SELL, reason=R.PRICE_COLLAR),
                _order(11, 10, 1470, side=SELL),  # the market buy does not rest as a limit
                _order(12, 10, 1470, reason=R.SELF_TRADE),
            ),
        ),
        Scenario(
            "stale_reference",
            "C8: an order is refused once the reference is older than STALE_AFTER",
            (
                *setup,
                _order(1, 10),
                _x(heartbeat(), wait=200 * s + 2),
                _order(2, 10, 1501, reason=R.STALE_REFERENCE),
                _x(tick(0, 101, 1491, 1511), tick_verdict(0, 101)),
                _order(3, 10, 1502),
            ),
        ),
        Scenario(
            "position_and_exposure",
            "C9 worst-case position with open orders, C10 gross exposure (reducing orders "
            "exempt), C11 open orders",
            (
                *setup,
                _order(1, 49),  # open buy 49, notional 49 x 1510 = 73,990
                _order(2, 49, 1499),  # open buy 98, 147,980
                _order(3, 3, 1498, reason=R.MAX_POSITION),  # 101 > 100
                _order(4, 2, 1497, reason=R.MAX_EXPOSURE),  # 151,000 > 150,000
                _order(5, 1, 1496),  # 149,490
                # position 49 valued 73,500 + open 75,500 = 149,000
                _x(fill(1, 1500, 49), ack(MessageType.FILL, 1)),
                _order(6, 50, 1520, side=SELL, reason=R.MAX_EXPOSURE),  # 49 - 50 < 0
                _order(7, 49, 1520, side=SELL),  # reduces: exempt from C10
                _x(cancel(2), ack(MessageType.CANCEL, 2)),
                _x(cancel(5), ack(MessageType.CANCEL, 5)),
                _x(cancel(7), ack(MessageType.CANCEL, 7)),
                _order(8, 50, 1521, side=SELL),  # 73,500 + 74,500 = 148,000
                _order(9, 2, 1522, side=SELL, reason=R.MAX_EXPOSURE),  # 150,980
                _order(10, 1, 1522, side=SELL),  # 149,490
            ),
        ),
        Scenario(
            "short_position_and_open_orders",
            "C9 on the short side (worst case with open sells) and C11 max open orders",
            (
                *setup,
                _order(1, 50, 1520, side=SELL),
                _order(2, 50, 1521, side=SELL),  # worst case -100, 149,000
                _order(3, 1, 1522, side=SELL, reason=R.MAX_POSITION),
                _x(cancel(1), ack(MessageType.CANCEL, 1)),
                _x(cancel(2), ack(MessageType.CANCEL, 2)),
                _order(4, 1, 1500),
                _order(5, 1, 1499),
                _order(6, 1, 1498),
                _order(7, 1, 1497, reason=R.MAX_OPEN_ORDERS),
                _x(cancel(5), ack(MessageType.CANCEL, 5)),
                _order(8, 1, 1497),
            ),
        ),
        Scenario(
            "rate_and_duplicates",
            "C12 rate limit per window, C13 duplicate client id and duplicate order",
            (
                *setup,
                _order(1, 10),
                _order(1, 11, reason=R.DUPLICATE_ID),  # an open order's id
                _order(2, 10, reason=R.DUPLICATE_ORDER),
                _x(cancel(1), ack(MessageType.CANCEL, 1)),
                _order(1, 12, reason=R.DUPLICATE_ID),  # the last accepted order's id
                _order(3, 11),
                _order(4, 12),
                _x(cancel(3), ack(MessageType.CANCEL, 3)),
                _x(cancel(4), ack(MessageType.CANCEL, 4)),
                _order(5, 13),
                _order(6, 14),
                _order(7, 15),  # sixth accept in the window
                _x(cancel(5), ack(MessageType.CANCEL, 5)),
                _order(8, 16, reason=R.RATE_LIMIT),
                _x(heartbeat(), wait=100 * s + 2),
                _order(9, 16, reason=R.RATE_LIMIT),
                _x(tick(0, 101, 1490, 1510), tick_verdict(0, 101)),
                _x(heartbeat(), wait=150 * s),
                _x(heartbeat(), wait=150 * s),
                _x(tick(0, 102, 1490, 1510), tick_verdict(0, 102)),
                _x(cancel(6), ack(MessageType.CANCEL, 6)),
                _order(10, 15),  # a new window; the duplicate window of order 7 is over
                _order(11, 15, reason=R.DUPLICATE_ORDER),
            ),
        ),
        Scenario(
            "self_trade",
            "C15: an order that would cross our own resting limit order is refused",
            (
                *setup,
                _order(1, 10, 1500),
                _order(2, 10, 1500, side=SELL, reason=R.SELF_TRADE),
                _order(3, 10, 1501, side=SELL),
                _order(4, 10, 1501, reason=R.SELF_TRADE),
                _order(5, 10, 1499, kind=MARKET, reason=R.SELF_TRADE),
                _order(6, 10, 1499),
            ),
        ),
        Scenario(
            "reducing",
            "C1 REDUCING: only orders that shrink the position, worst case with open orders",
            (
                *_setup(s, ArmMode.REDUCING),
                _order(1, 10, reason=R.REDUCING_ONLY),
                _order(2, 10, side=SELL, reason=R.REDUCING_ONLY),
                _order(3, 10, instrument=5, reason=R.REDUCING_ONLY),
                _x(arm(ArmMode.ACTIVE), ack(MessageType.ARM, 0)),
                _order(4, 10),
                _x(fill(4, 1500, 10), ack(MessageType.FILL, 4)),
                _x(arm(ArmMode.REDUCING), ack(MessageType.ARM, ArmMode.REDUCING)),
                _order(5, 1, reason=R.REDUCING_ONLY),
                _order(6, 6, 1501, side=SELL),
                _order(7, 5, 1502, side=SELL, reason=R.REDUCING_ONLY),
                _order(8, 4, 1503, side=SELL),
                _x(fill(6, 1501, 6), ack(MessageType.FILL, 6)),
                _x(fill(8, 1503, 4), ack(MessageType.FILL, 8)),
                _order(9, 1, 1504, side=SELL, reason=R.REDUCING_ONLY),
            ),
        ),
        Scenario(
            "cancel_and_fill",
            "Cancels and fills in any state; unknown ids; partial fills release exposure",
            (
                *setup,
                _x(cancel(9), ack(MessageType.CANCEL, 9, AckResult.UNKNOWN_ORDER)),
                _x(fill(9, 1500, 1), ack(MessageType.FILL, 9, AckResult.UNKNOWN_ORDER)),
                _order(1, 49),
                _order(2, 49, 1499),
                _order(3, 2, 1497, reason=R.MAX_EXPOSURE),
                _x(fill(1, 1500, 20), ack(MessageType.FILL, 1)),  # releases 20 x 1510
                # 29 x 1510 + 20 x 1500 + 49 x 1510 + 2 x 1510 = 150,800 but 1 lot fits
                _order(4, 2, 1497, reason=R.MAX_EXPOSURE),
                _order(5, 1, 1497),
                _x(kill(), ack(MessageType.KILL)),
                _x(fill(1, 1500, 100), ack(MessageType.FILL, 1)),  # clamps to the 29 left
                _x(cancel(1), ack(MessageType.CANCEL, 1, AckResult.UNKNOWN_ORDER)),
                _x(cancel(2), ack(MessageType.CANCEL, 2)),
                _x(cancel(5), ack(MessageType.CANCEL, 5)),
            ),
        ),
        Scenario(
            "restored_position",
            "SET_POSITION: a restored position counts in C9 and, valued at its price, in C10; "
            "it disarms; refused without a price or for an unknown instrument",
            (
                *setup,
                _x(set_position(0, 90, 0), ack(MessageType.SET_POSITION, 0, BAD)),
                _x(set_position(5, 90, 1500), ack(MessageType.SET_POSITION, 5, BAD)),
                _order(1, 11),  # refusals changed nothing: still armed and flat
                _x(cancel(1), ack(MessageType.CANCEL, 1)),
                _x(set_position(0, 90, 1400), ack(MessageType.SET_POSITION, 0)),
                _order(2, 10, reason=R.NOT_ARMED),
                _x(arm(), ack(MessageType.ARM)),
                _order(3, 11, reason=R.MAX_POSITION),  # 90 + 11 > 100
                _order(4, 10, 1499),  # 90 + 10 = 100
                _x(cancel(4), ack(MessageType.CANCEL, 4)),
                # short 50 valued at 1800: exposure 90,000 of the 150,000
                _x(set_position(0, -50, 1800), ack(MessageType.SET_POSITION, 0)),
                _x(arm(), ack(MessageType.ARM)),
                _order(5, 40, 1500, side=SELL),  # + 40 x 1490 = 149,600
                _x(cancel(5), ack(MessageType.CANCEL, 5)),
                _order(6, 41, 1501, side=SELL, reason=R.MAX_EXPOSURE),  # + 61,090
                _order(7, 49, 1498),  # buying back: position-reducing, exempt from C10
                _x(set_position(0, 0, 0), ack(MessageType.SET_POSITION, 0)),  # flat: no price
            ),
        ),
        Scenario(
            "cancel_all",
            "CANCEL_ALL frees every order slot in any state and says how many it cancelled",
            (
                *setup,
                _order(1, 10),
                _order(2, 5, 1499),
                _order(3, 5, 1498),
                _order(4, 5, 1497, reason=R.MAX_OPEN_ORDERS),
                _x(kill(), ack(MessageType.KILL)),
                _x(cancel_all(), ack(MessageType.CANCEL_ALL, 3)),
                _x(fill(1, 1500, 1), ack(MessageType.FILL, 1, AckResult.UNKNOWN_ORDER)),
                _x(cancel_all(), ack(MessageType.CANCEL_ALL, 0)),
                _x(arm(), ack(MessageType.ARM)),
                _order(5, 10, 1496),
                _order(6, 5, 1495),
                _order(7, 5, 1494),
            ),
        ),
        Scenario(
            "fill_rate_kill",
            "C14: more than FILL_MAX fills in a window latch HALTED with an ALERT",
            (
                *setup,
                _order(1, 10),
                _x(fill(1, 1500, 1), ack(MessageType.FILL, 1)),
                _x(fill(1, 1500, 1), ack(MessageType.FILL, 1)),
                _x(fill(1, 1500, 1), ack(MessageType.FILL, 1)),
                _x(fill(1, 1500, 1), ack(MessageType.FILL, 1), alert(KillCause.FILL_RATE)),
                _order(2, 5, 1499, reason=R.HALTED),
                _x(fill(1, 1500, 1), ack(MessageType.FILL, 1)),
            ),
        ),
        Scenario(
            "position_breach_kill",
            "A fill beyond max position (limit lowered under an open order) latches HALTED",
            (
                *setup,
                _order(1, 40),
                _x(set_instrument(0, max_position=20), ack(MessageType.SET_INSTRUMENT, 0)),
                _x(fill(1, 1500, 20), ack(MessageType.FILL, 1)),
                _x(
                    fill(1, 1500, 1),
                    ack(MessageType.FILL, 1),
                    alert(KillCause.POSITION_BREACH),
                ),
                _x(arm(), ack(MessageType.ARM)),
                _order(2, 1, side=SELL, reason=R.STALE_REFERENCE),
            ),
        ),
        Scenario(
            "watchdog",
            "C16: heartbeat silence beyond the timeout latches HALTED with an ALERT; heartbeats "
            "keep it armed",
            (
                *setup,
                _x(heartbeat(), wait=900 * s),
                _x(heartbeat(), wait=900 * s),
                _x(tick(0, 101, 1490, 1510), tick_verdict(0, 101)),
                _order(1, 10),
                Step(None, (alert(KillCause.WATCHDOG),), 1000 * s + 3),
                _order(2, 10, 1499, reason=R.HALTED),
                _x(arm(), ack(MessageType.ARM)),
                _x(tick(0, 102, 1490, 1510), tick_verdict(0, 102)),
                _order(3, 10, 1498),
            ),
        ),
        Scenario(
            "tick_checks",
            "Tick filter: unknown instrument, price range, crossed or locked book, time "
            "going backwards (equal allowed); ticks are filtered in any state",
            (
                _x(tick(0, 10, 1490, 1510), tick_verdict(0, 10, T.UNKNOWN_INSTRUMENT)),
                _x(set_instrument(0), ack(MessageType.SET_INSTRUMENT, 0)),
                _x(tick(4, 10, 1490, 1510), tick_verdict(4, 10, T.UNKNOWN_INSTRUMENT)),
                _x(tick(0, 10, 0, 1510), tick_verdict(0, 10, T.PRICE_RANGE)),
                _x(tick(0, 10, 1490, 0), tick_verdict(0, 10, T.PRICE_RANGE)),
                _x(tick(0, 10, 999, 1510), tick_verdict(0, 10, T.PRICE_RANGE)),
                _x(tick(0, 10, 1490, 2001), tick_verdict(0, 10, T.PRICE_RANGE)),
                _x(tick(0, 10, 1500, 1500), tick_verdict(0, 10, T.CROSSED_BOOK)),
                _x(tick(0, 10, 1501, 1500), tick_verdict(0, 10, T.CROSSED_BOOK)),
                _x(tick(0, 10, 1000, 2000), tick_verdict(0, 10)),
                _x(tick(0, 9, 1490, 1510), tick_verdict(0, 9, T.TIME_BACKWARDS)),
                _x(tick(0, 10, 1490, 1510), tick_verdict(0, 10)),
            ),
        ),
        Scenario(
            "tick_band_confirmation",
            "Tick filter band: a jump is refused until CONFIRM_TICKS agreeing ticks confirm a "
            "new level; an in-band tick clears the candidate; the band's edges are in band",
            (
                *_limits(s),
                _x(set_instrument(0), ack(MessageType.SET_INSTRUMENT, 0)),
                _x(tick(0, 1, 1490, 1510), tick_verdict(0, 1)),  # mid 1500
                _x(tick(0, 2, 1510, 1530), tick_verdict(0, 2)),  # mid 1520: in band
                _x(tick(0, 3, 1531, 1551), tick_verdict(0, 3, T.BAND_JUMP)),  # 1541: candidate
                _x(tick(0, 4, 1550, 1570), tick_verdict(0, 4, T.BAND_JUMP)),  # 1560: count 2
                _x(tick(0, 5, 1515, 1535), tick_verdict(0, 5)),  # 1525 in band: clears
                _x(tick(0, 6, 1600, 1620), tick_verdict(0, 6, T.BAND_JUMP)),  # 1610: count 1
                _x(tick(0, 7, 1700, 1720), tick_verdict(0, 7, T.BAND_JUMP)),  # restart 1710
                _x(tick(0, 8, 1690, 1710), tick_verdict(0, 8, T.BAND_JUMP)),  # 1700: count 2
                _x(tick(0, 9, 1720, 1740), tick_verdict(0, 9)),  # 1730: count 3, new level
                _x(tick(0, 10, 1740, 1760), tick_verdict(0, 10)),  # 1750 in band of 1730
                # the band's lower edge, from the reference and from a candidate
                _x(tick(0, 11, 1720, 1740), tick_verdict(0, 11)),  # 1730: -20, in band
                _x(tick(0, 12, 1699, 1719), tick_verdict(0, 12, T.BAND_JUMP)),  # 1709: -21
                _x(tick(0, 13, 1679, 1699), tick_verdict(0, 13, T.BAND_JUMP)),  # 1689: count 2
                _x(tick(0, 14, 1678, 1698), tick_verdict(0, 14, T.BAND_JUMP)),  # 1688: restart
                _x(tick(0, 15, 1698, 1718), tick_verdict(0, 15, T.BAND_JUMP)),  # 1708: count 2
                _x(tick(0, 16, 1690, 1710), tick_verdict(0, 16)),  # 1700: count 3, new level
            ),
        ),
    ]
    return tuple(table)
