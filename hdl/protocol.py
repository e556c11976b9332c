"""The host <-> gateware protocol: the single source of truth for every message layout.

Both sides are derived from this module, so they cannot disagree:

* the gateware (:mod:`hdl.framing`, :mod:`hdl.guard_core`) views received payload bits through
  the :class:`amaranth.lib.data.Struct` layouts below;
* the host codec (:mod:`host.link.codec`) packs and unpacks the same layouts into bytes.

Wire format
-----------
A frame is ``COBS(type:u8 || payload || crc16:u16be) || 0x00``.

* COBS (Consistent Overhead Byte Stuffing) removes every 0x00 from the body, so the 0x00
  delimiter always marks a frame boundary and a receiver resynchronises by itself after a lost
  or corrupted byte: it drops whatever it had and starts again after the next 0x00.
* CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor; Python's
  :func:`binascii.crc_hqx` with ``0xFFFF``) covers ``type || payload`` and is sent big-endian,
  so running the CRC over the whole decoded body leaves a residue of 0 on a good frame.
* Every message type has exactly one payload length. A frame whose length does not match
  its type, of unknown type, or failing its CRC is a *bad frame*: counted, never acted on.
* Payload bytes are the layout's bits, little-endian: bit 0 of the layout is bit 0 of the
  first payload byte.

Integers only
-------------
Prices are in ticks and quantities in lots; each instrument's tick and lot size lives on the
host. Widths, with the largest value they allow:

==============  =====  ==========================================================
quantity        field  range
==============  =====  ==========================================================
price           u24    1 .. 16,777,215 ticks (0 means "no price": a market order)
quantity        u16    1 .. 65,535 lots
notional        u40    price x quantity, up to 1.1e12 tick-lots
position        s24    -8,388,608 .. 8,388,607 lots (net, per instrument)
exchange time   u32    host timestamp of a tick (any monotonic unit, e.g. ms)
limit value     u40    the widest limit is a notional
==============  =====  ==========================================================

Time inside the gateware is counted in *time units*: one unit is ``time_unit_cycles`` clock
cycles (a build parameter: 1 us on a board, a few cycles in simulation so that watchdogs fire
quickly). Every timeout and window below is in time units.
"""

import enum

from amaranth.hdl import signed, unsigned
from amaranth.lib import data

__all__ = [
    "PROTOCOL_VERSION",
    "N_INSTRUMENTS",
    "N_ORDER_SLOTS",
    "MAX_FRAME_BYTES",
    "PRICE_BITS",
    "QTY_BITS",
    "NOTIONAL_BITS",
    "POSITION_BITS",
    "MessageType",
    "Reason",
    "TickReason",
    "LimitId",
    "TradingState",
    "KillCause",
    "ArmMode",
    "Side",
    "OrderKind",
    "AckResult",
    "StatusSection",
    "PAYLOAD_LAYOUTS",
    "payload_bytes",
    "MAX_PAYLOAD_BYTES",
    "MESSAGE_LAYOUT",
    "GATEWARE_REASONS",
]

#: Bumped whenever a layout or a code below changes meaning. HELLO carries it both ways.
PROTOCOL_VERSION = 2

#: Instruments tracked by the gateware (tick filter state, positions).
N_INSTRUMENTS = 4
#: Open-order table size in the gateware (also the hard ceiling of MAX_OPEN_ORDERS).
N_ORDER_SLOTS = 8

PRICE_BITS = 24
QTY_BITS = 16
NOTIONAL_BITS = PRICE_BITS + QTY_BITS
POSITION_BITS = 24
LIMIT_BITS = 40
COUNTER_BITS = 32


class MessageType(enum.IntEnum):
    """First byte of every frame. Host -> gateware below 0x80, gateware -> host from 0x80."""

    HELLO = 0x01
    SET_LIMIT = 0x02
    SET_INSTRUMENT = 0x03
    ARM = 0x04
    KILL = 0x05
    HEARTBEAT = 0x06
    STATUS = 0x07
    SET_POSITION = 0x08
    CANCEL_ALL = 0x09
    TICK = 0x10
    ORDER = 0x11
    CANCEL = 0x12
    FILL = 0x13

    HELLO_REPLY = 0x81
    ACK = 0x82
    STATUS_REPLY = 0x87
    ALERT = 0x88
    TICK_VERDICT = 0x90
    ORDER_VERDICT = 0x91


class Reason(enum.IntEnum):
    """Order verdict codes, one per pre-trade control (DESIGN.md section 3).

    The gateware reports the *first* failing control in this order (lowest code wins), and
    so does the reference model. 0 is the accept. Codes >= 0x40 are produced by the host
    only (no gateware counter).
    """

    ACCEPT = 0
    HALTED = 1  # C1: kill latch set
    NOT_ARMED = 2  # C2: limits incomplete or ARM not received
    REDUCING_ONLY = 3  # C1: REDUCING state and the order could grow the position
    UNKNOWN_INSTRUMENT = 4  # C3: index out of range or instrument not enabled
    INVALID_PRICE = 5  # C4: limit order with price 0 or above the instrument's max price
    INVALID_QUANTITY = 6  # C4: quantity 0
    MAX_QUANTITY = 7  # C5
    STALE_REFERENCE = 8  # C8: no accepted tick yet, or older than STALE_AFTER (C6, C7 need it)
    MAX_NOTIONAL = 9  # C6
    PRICE_COLLAR = 10  # C7
    MAX_POSITION = 11  # C9: worst case with open orders, long and short
    MAX_EXPOSURE = 12  # C10: gross open exposure across instruments
    MAX_OPEN_ORDERS = 13  # C11
    RATE_LIMIT = 14  # C12
    DUPLICATE_ID = 15  # C13: client id of an open order or of the last accepted order
    DUPLICATE_ORDER = 16  # C13: same instrument/side/price/qty as the last accept, in window
    SELF_TRADE = 17  # C15: would cross our own resting order

    # host-only codes (second line, transport)
    MAX_DRAWDOWN = 0x40  # C17
    DAILY_LOSS = 0x41  # C17
    NO_VERDICT = 0x42  # fail closed: no verdict within the timeout
    LINK_DOWN = 0x43  # fail closed: the link is not up
    UNKNOWN_POSITION = 0x44  # the second line cannot value a position


#: Reasons the gateware can produce (and counts), in priority order.
GATEWARE_REASONS = tuple(r for r in Reason if 0 < r < 0x40)


class TickReason(enum.IntEnum):
    """Tick verdict codes of the tick filter (DESIGN.md section 3, tick filter rows)."""

    ACCEPT = 0
    UNKNOWN_INSTRUMENT = 1
    PRICE_RANGE = 2  # bid or ask zero, or outside [min_price, max_price] of the instrument
    CROSSED_BOOK = 3  # bid >= ask (crossed or locked)
    TIME_BACKWARDS = 4  # exchange timestamp older than the last accepted tick's
    BAND_JUMP = 5  # mid moved beyond band_ticks from the reference; K agreeing ticks confirm


class LimitId(enum.IntEnum):
    """SET_LIMIT targets. C2: every one must be set before ARM is accepted."""

    MAX_ORDER_QTY = 0  # C5, lots
    MAX_ORDER_NOTIONAL = 1  # C6, tick-lots
    COLLAR_TICKS = 2  # C7, |price - reference| allowed
    STALE_AFTER = 3  # C8, time units since the last accepted tick
    MAX_GROSS_EXPOSURE = 4  # C10, tick-lots
    MAX_OPEN_ORDERS = 5  # C11, 1 .. N_ORDER_SLOTS
    RATE_MAX_ORDERS = 6  # C12, orders accepted per window
    RATE_WINDOW = 7  # C12, time units (fixed windows)
    DUP_WINDOW = 8  # C13, time units
    FILL_MAX = 9  # C14, fills allowed per window; one more latches the kill
    FILL_WINDOW = 10  # C14, time units (fixed windows)
    HEARTBEAT_TIMEOUT = 11  # C16, time units of silence that latch the kill
    CONFIRM_TICKS = 12  # tick filter: K agreeing out-of-band ticks accept a new level


class TradingState(enum.IntEnum):
    DISARMED = 0  # C2: power-up and after limits change; nothing accepted
    ACTIVE = 1
    REDUCING = 2  # only orders that shrink the position (worst case with open orders)
    HALTED = 3  # kill latch set; cleared only by ARM


class KillCause(enum.IntEnum):
    NONE = 0
    COMMAND = 1  # KILL frame
    WATCHDOG = 2  # C16 heartbeat silence
    FILL_RATE = 3  # C14 repeated executions
    POSITION_BREACH = 4  # a fill took a position beyond MAX_POSITION
    BUTTON = 5  # the board's physical kill switch


class ArmMode(enum.IntEnum):
    ACTIVE = 0
    REDUCING = 1


class Side(enum.IntEnum):
    BUY = 0
    SELL = 1


class OrderKind(enum.IntEnum):
    LIMIT = 0
    MARKET = 1


class AckResult(enum.IntEnum):
    OK = 0
    BAD_ARGUMENT = 1  # limit id / instrument out of range, value 0 or out of range
    LIMITS_INCOMPLETE = 2  # ARM refused: some limit or no instrument set (C2)
    UNKNOWN_ORDER = 3  # CANCEL / FILL for an id that is not open
    BAD_STATE = 4  # e.g. REDUCING requested while HALTED without a re-arm


class StatusSection(enum.IntEnum):
    SUMMARY = 0
    INSTRUMENT_0 = 0x10  # + instrument index
    COUNTERS_0 = 0x20  # + page; 4 reason counters per page, in Reason code order
    LIMITS_0 = 0x30  # + page; 2 limits per page, in LimitId order


# ---- payload layouts (host -> gateware) --------------------------------------------------


class HelloPayload(data.Struct):
    version: unsigned(8)


class SetLimitPayload(data.Struct):
    limit_id: unsigned(8)
    value: unsigned(LIMIT_BITS)


class SetInstrumentPayload(data.Struct):
    instrument: unsigned(8)
    enabled: unsigned(8)
    max_position: unsigned(POSITION_BITS - 1)  # C9, lots, both directions
    _pad: unsigned(1)
    min_price: unsigned(PRICE_BITS)  # tick filter range and C4
    max_price: unsigned(PRICE_BITS)
    band_ticks: unsigned(PRICE_BITS)  # tick filter jump band around the reference mid


class ArmPayload(data.Struct):
    mode: unsigned(8)  # ArmMode


#: KILL, HEARTBEAT and CANCEL_ALL carry nothing (an empty Struct class cannot be declared).
EmptyPayload = data.StructLayout({})


class StatusRequestPayload(data.Struct):
    section: unsigned(8)  # StatusSection


class SetPositionPayload(data.Struct):
    """A position the gateware did not see built: restored by the host after a restart, or
    after it reattached to a board that kept an old session's state."""

    instrument: unsigned(8)
    position: signed(POSITION_BITS)  # net lots, as C9 and C10 count it
    price: unsigned(PRICE_BITS)  # values the position for C10, as a fill's price does


class TickPayload(data.Struct):
    instrument: unsigned(8)
    timestamp: unsigned(32)
    bid: unsigned(PRICE_BITS)
    ask: unsigned(PRICE_BITS)


class OrderPayload(data.Struct):
    client_id: unsigned(32)
    instrument: unsigned(8)
    side: unsigned(1)  # Side
    kind: unsigned(1)  # OrderKind
    _pad: unsigned(6)
    price: unsigned(PRICE_BITS)  # ignored for MARKET
    quantity: unsigned(QTY_BITS)


class CancelPayload(data.Struct):
    client_id: unsigned(32)


class FillPayload(data.Struct):
    client_id: unsigned(32)
    price: unsigned(PRICE_BITS)
    quantity: unsigned(QTY_BITS)


# ---- payload layouts (gateware -> host) --------------------------------------------------


class HelloReplyPayload(data.Struct):
    version: unsigned(8)
    n_instruments: unsigned(8)
    n_order_slots: unsigned(8)
    time_unit_cycles: unsigned(16)
    clock_hz: unsigned(32)


class AckPayload(data.Struct):
    command: unsigned(8)  # MessageType acknowledged
    # the limit id, instrument or client id it concerned; CANCEL_ALL: the orders it cancelled
    argument: unsigned(32)
    result: unsigned(8)  # AckResult


class StatusReplyPayload(data.Struct):
    """One section of the status. ``words`` holds four 40-bit values whose meaning depends on
    the section (see :mod:`host.link.status` for the decoding of every section)."""

    section: unsigned(8)
    words: data.ArrayLayout(unsigned(LIMIT_BITS), 4)


class AlertPayload(data.Struct):
    state: unsigned(8)  # TradingState after the event
    cause: unsigned(8)  # KillCause


class TickVerdictPayload(data.Struct):
    instrument: unsigned(8)
    timestamp: unsigned(32)
    reason: unsigned(8)  # TickReason; 0 = accepted


class OrderVerdictPayload(data.Struct):
    client_id: unsigned(32)
    reason: unsigned(8)  # Reason; 0 = accepted


#: Exactly one payload layout per message type.
PAYLOAD_LAYOUTS: dict[MessageType, type[data.Struct] | data.StructLayout] = {
    MessageType.HELLO: HelloPayload,
    MessageType.SET_LIMIT: SetLimitPayload,
    MessageType.SET_INSTRUMENT: SetInstrumentPayload,
    MessageType.ARM: ArmPayload,
    MessageType.KILL: EmptyPayload,
    MessageType.HEARTBEAT: EmptyPayload,
    MessageType.STATUS: StatusRequestPayload,
    MessageType.SET_POSITION: SetPositionPayload,
    MessageType.CANCEL_ALL: EmptyPayload,
    MessageType.TICK: TickPayload,
    MessageType.ORDER: OrderPayload,
    MessageType.CANCEL: CancelPayload,
    MessageType.FILL: FillPayload,
    MessageType.HELLO_REPLY: HelloReplyPayload,
    MessageType.ACK: AckPayload,
    MessageType.STATUS_REPLY: StatusReplyPayload,
    MessageType.ALERT: AlertPayload,
    MessageType.TICK_VERDICT: TickVerdictPayload,
    MessageType.ORDER_VERDICT: OrderVerdictPayload,
}


def payload_bytes(message_type: MessageType) -> int:
    """Length in bytes of the payload of ``message_type``."""
    size = data.Layout.cast(PAYLOAD_LAYOUTS[message_type]).size
    if size % 8:
        raise ValueError(f"Layout of {message_type.name} must be whole bytes, not {size} bits")
    return size // 8


#: The longest payload; the gateware's receive buffer is sized from it.
MAX_PAYLOAD_BYTES = max(payload_bytes(t) for t in MessageType)
#: Longest decoded frame body: type + payload + CRC.
MAX_FRAME_BYTES = 1 + MAX_PAYLOAD_BYTES + 2

#: One received or sent message inside the gateware: the type byte and the payload bits, padded
#: to the longest payload. The frame decoder produces it; GuardCore consumes and produces it.
MESSAGE_LAYOUT = data.StructLayout(
    {"type": unsigned(8), "payload": unsigned(MAX_PAYLOAD_BYTES * 8)}
)

# Signed view of a position, used by the reference model and the gateware alike.
POSITION_SHAPE = signed(POSITION_BITS)
