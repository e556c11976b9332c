"""Numbers shared by the guard core gateware, its reference model and the status decoder.

Pure Python (only :mod:`hdl.protocol` is imported), so the reference model and the host can use
it without elaborating any gateware. Everything the three implementations must agree on and
that is not part of the wire protocol itself lives here: register widths, the counter map, the
status section map and the pipeline timing.

Timing (cycle 0 is the first cycle after reset, ``T`` is ``time_unit_cycles``)
-------------------------------------------------------------------------------
* ``unit(c) = c // T`` is the time unit of cycle ``c``.
* An *age* register reset by the logic on cycle ``x`` reads ``min(unit(r) - unit(x + 1),
  AGE_MAX)`` on a later cycle ``r``. Ages are saturating, so they never wrap back to "fresh".
* A message's cycle ``c`` is the cycle of its ``i_msg`` beat: the cycle that accepts its
  frame's delimiter, when the frame is known to be good. The payload was complete before
  (the CRC follows it) and the core registered it on ``c - 1``, so the message is checked on
  cycle ``c`` itself (stage A), its verdict and state updates are registered on cycle
  ``c + 1`` (stage B) and its response beat is on ``o_rsp`` on cycle ``c + VERDICT_LATENCY``.
* The heartbeat age is reset on the beat cycle of every good frame.
* A kill latched on any cycle up to ``c`` comes before the message (stage B reads the HALTED
  state again); a kill on ``c + 1`` comes after it. A button press on ``c + 1`` reads the
  state from before the message and, when it latches, wins over the message's own write.
"""

from hdl.protocol import (
    GATEWARE_REASONS,
    N_INSTRUMENTS,
    N_ORDER_SLOTS,
    KillCause,
    LimitId,
    Reason,
    StatusSection,
    TickReason,
)

__all__ = [
    "VERDICT_LATENCY",
    "CHECK_STAGE",
    "NOTIONAL_STAGE",
    "UPDATE_STAGE",
    "STATUS_STAGE",
    "AGE_BITS",
    "AGE_MAX",
    "LIMIT_WIDTHS",
    "POSITION_REG_BITS",
    "OPEN_QTY_BITS",
    "VALUATION_BITS",
    "FILL_COUNT_MAX",
    "CONFIRM_COUNT_MAX",
    "RATE_COUNT_BITS",
    "EXPOSURE_QTY_MAX",
    "WORD_MAX",
    "N_COUNTERS",
    "COUNTERS_PER_PAGE",
    "COUNTER_PAGES",
    "order_counter",
    "tick_counter",
    "kill_counter",
    "COUNTER_BAD_FRAMES",
    "COUNTER_DROPS",
    "COUNTER_NAMES",
    "INSTRUMENT_PAGES",
    "instrument_section",
    "LIMITS_PER_PAGE",
    "LIMIT_PAGES",
    "wrap_position",
    "check_core_parameters",
]

#: Cycles from the ``i_msg`` beat to the response beat on ``o_rsp``, for every message.
VERDICT_LATENCY = 2
#: Offset of the cycle whose register values a message's checks read (stage A). HALTED is
#: the exception: stage B reads it (see :data:`UPDATE_STAGE`).
CHECK_STAGE = 0
#: Offset of the cycle whose factors the notional multiplier reads (stage A); the product is
#: registered for stage B.
NOTIONAL_STAGE = CHECK_STAGE
#: Offset of the cycle on which a message's state updates are registered (stage B).
UPDATE_STAGE = 1
#: Offset of the cycle whose register values a STATUS reply shows.
STATUS_STAGE = 1

#: Width of every age register (heartbeat silence, reference ages, window ages).
AGE_BITS = 25
AGE_MAX = (1 << AGE_BITS) - 1

#: Register width of each limit. SET_LIMIT with a value of 0 or wider than this is refused.
#: Time limits are 24 bits so that a saturated age (AGE_MAX) always exceeds them.
LIMIT_WIDTHS: dict[LimitId, int] = {
    LimitId.MAX_ORDER_QTY: 16,
    LimitId.MAX_ORDER_NOTIONAL: 40,
    LimitId.COLLAR_TICKS: 24,
    LimitId.STALE_AFTER: 24,
    LimitId.MAX_GROSS_EXPOSURE: 40,
    LimitId.MAX_OPEN_ORDERS: 4,
    LimitId.RATE_MAX_ORDERS: 16,
    LimitId.RATE_WINDOW: 24,
    LimitId.DUP_WINDOW: 24,
    LimitId.FILL_MAX: 16,
    LimitId.FILL_WINDOW: 24,
    LimitId.HEARTBEAT_TIMEOUT: 24,
    LimitId.CONFIRM_TICKS: 8,
}

#: Net position register: two's complement, wraps modulo 2**32 (unreachable in practice: it
#: takes 32,768 maximum-size fills beyond the limit, and the first one already halts).
POSITION_REG_BITS = 32
#: Open buy / open sell quantity per instrument (at most N_ORDER_SLOTS x 65,535).
OPEN_QTY_BITS = 20
#: Valuation price of an order: a 24-bit price plus a 24-bit collar can carry one bit.
VALUATION_BITS = 25
#: Fills counted in the current fill window saturate here (above any 16-bit FILL_MAX).
FILL_COUNT_MAX = (1 << 17) - 1
#: Agreeing out-of-band ticks counted by the band filter saturate here.
CONFIRM_COUNT_MAX = 255
#: Accepted orders counted in the current rate window (never above RATE_MAX_ORDERS).
RATE_COUNT_BITS = 16
#: |position| is clamped to this before it is valued at the last fill price (24 x 24 bits).
EXPOSURE_QTY_MAX = (1 << 24) - 1
#: Status words are 40 bits; wider quantities (exposures) saturate to this.
WORD_MAX = (1 << 40) - 1

# ---- counters ------------------------------------------------------------------------------
#
# 32 counters of 32 bits, wrapping modulo 2**32, in a memory of 8 rows x 4 lanes. The index of
# a counter is page * 4 + lane and STATUS COUNTERS_0 + page returns one row.

N_COUNTERS = 32
COUNTERS_PER_PAGE = 4
COUNTER_PAGES = N_COUNTERS // COUNTERS_PER_PAGE

_ORDER_BASE = 0  # Reason 0 (accept) .. 17
_TICK_BASE = _ORDER_BASE + len(GATEWARE_REASONS) + 1  # TickReason 0 .. 5 -> 18 .. 23
COUNTER_BAD_FRAMES = _TICK_BASE + len(TickReason)  # 24
COUNTER_DROPS = COUNTER_BAD_FRAMES + 1  # 25
_KILL_BASE = COUNTER_DROPS  # KillCause 1 .. 5 -> 26 .. 30


def order_counter(reason: int) -> int:
    """Counter index of an order verdict with ``reason`` (accepts included)."""
    return _ORDER_BASE + reason


def tick_counter(reason: int) -> int:
    """Counter index of a tick verdict with ``reason`` (accepts included)."""
    return _TICK_BASE + reason


def kill_counter(cause: int) -> int:
    """Counter index of kill latches with ``cause`` (1 .. 5)."""
    return _KILL_BASE + cause


def _counter_names() -> tuple[str, ...]:
    names = [""] * N_COUNTERS
    for reason in Reason:
        if reason < 0x40:
            names[order_counter(reason)] = f"order.{reason.name}"
    for tick_reason in TickReason:
        names[tick_counter(tick_reason)] = f"tick.{tick_reason.name}"
    names[COUNTER_BAD_FRAMES] = "bad_frames"
    names[COUNTER_DROPS] = "response_drops"
    for cause in KillCause:
        if cause != KillCause.NONE:
            names[kill_counter(cause)] = f"kill.{cause.name}"
    return tuple(names)


#: Name of every counter by index ("" for the one spare).
COUNTER_NAMES = _counter_names()

# ---- status sections -----------------------------------------------------------------------

#: Instrument sections: INSTRUMENT_0 + 4 * page + index (pages 0 .. 2), see host.link.status.
INSTRUMENT_PAGES = 3


def instrument_section(index: int, page: int = 0) -> int:
    """STATUS section number of ``page`` of instrument ``index``."""
    return StatusSection.INSTRUMENT_0 + N_INSTRUMENTS * page + index


#: LIMITS_0 + page: words = value(2p), value(2p + 1), set(2p), set(2p + 1).
LIMITS_PER_PAGE = 2
LIMIT_PAGES = (len(LimitId) + LIMITS_PER_PAGE - 1) // LIMITS_PER_PAGE


def check_core_parameters(
    *, clock_hz: int, time_unit_cycles: int, n_instruments: int, n_order_slots: int
) -> None:
    """Refuse build parameters the gateware (and so its model) cannot take.

    Raises
    ------
    TypeError
        If a parameter is not an int.
    ValueError
        If a parameter is out of range.
    """
    for name, value, high in (
        ("clock_hz", clock_hz, (1 << 32) - 1),
        ("time_unit_cycles", time_unit_cycles, (1 << 16) - 1),
        ("n_instruments", n_instruments, N_INSTRUMENTS),
        ("n_order_slots", n_order_slots, N_ORDER_SLOTS),
    ):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"{name} must be an int, not {value!r}")
        if not 1 <= value <= high:
            raise ValueError(f"{name} must be in 1..{high}, not {value!r}")


def wrap_position(value: int) -> int:
    """``value`` wrapped to the signed position register (POSITION_REG_BITS)."""
    half = 1 << (POSITION_REG_BITS - 1)
    return ((value + half) & ((1 << POSITION_REG_BITS) - 1)) - half


assert N_INSTRUMENTS * INSTRUMENT_PAGES <= StatusSection.COUNTERS_0 - StatusSection.INSTRUMENT_0
assert N_ORDER_SLOTS < (1 << LIMIT_WIDTHS[LimitId.MAX_OPEN_ORDERS])
assert kill_counter(max(KillCause)) < N_COUNTERS
