"""Decoding of the guard core's STATUS sections into one named snapshot, GuardStatus.

Sections (each reply carries ``section`` and four 40-bit ``words``)
------------------------------------------------------------------
================================  ============================================================
section                           words
================================  ============================================================
SUMMARY (0x00)                    0: state | kill_cause << 8 | enabled mask << 16 |
                                  open orders << 24; 1: limits-set mask (bit = LimitId);
                                  2: gross exposure; 3: open notional (both saturate at 2**40-1)
INSTRUMENT_0 + i (page 0)         0: position (40-bit two's complement); 1: open buy |
                                  open sell << 20; 2: reference mid | has reference << 24 |
                                  enabled << 25; 3: reference age in time units (saturating)
INSTRUMENT_0 + 4 + i (page 1)     bid, ask, last fill price, max position
INSTRUMENT_0 + 8 + i (page 2)     min price, max price, band ticks, last accepted timestamp
COUNTERS_0 + p (p = 0 .. 7)       counters 4p .. 4p + 3 (:data:`hdl.guard_spec.COUNTER_NAMES`)
LIMITS_0 + p (p = 0 .. 6)         value of LimitId 2p, value of 2p + 1, set flag of 2p, of 2p + 1
anything else                     four zero words (the section is echoed)
================================  ============================================================
"""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from hdl.guard_spec import (
    COUNTER_BAD_FRAMES,
    COUNTER_DROPS,
    COUNTER_NAMES,
    COUNTER_PAGES,
    COUNTERS_PER_PAGE,
    INSTRUMENT_PAGES,
    LIMIT_PAGES,
    LIMITS_PER_PAGE,
    instrument_section,
)
from hdl.protocol import (
    N_INSTRUMENTS,
    KillCause,
    LimitId,
    MessageType,
    StatusSection,
    TradingState,
)
from host.link.codec import Message

__all__ = [
    "InstrumentStatus",
    "GuardStatus",
    "STATUS_SECTIONS",
    "decode_status",
    "read_status",
]

_WORD_BITS = 40


def _signed40(word: int) -> int:
    return word - (1 << _WORD_BITS) if word >> (_WORD_BITS - 1) else word


@dataclass(frozen=True)
class InstrumentStatus:
    """One instrument as the gateware sees it (prices in ticks, quantities in lots)."""

    index: int
    enabled: bool
    position: int
    open_buy: int
    open_sell: int
    has_reference: bool
    ref_mid: int
    ref_bid: int
    ref_ask: int
    reference_age: int
    last_fill_price: int
    max_position: int
    min_price: int
    max_price: int
    band_ticks: int
    last_timestamp: int


@dataclass(frozen=True)
class GuardStatus:
    """A full status snapshot of the guard core.

    Attributes
    ----------
    limits : dict
        Value by LimitId name, None when the limit was never set (the core is then fail
        closed: ARM is refused).
    order_counters, tick_counters, kill_counters : dict
        Counts by Reason, TickReason and KillCause name (32-bit, wrapping).
    """

    state: TradingState
    kill_cause: KillCause
    enabled_mask: int
    open_orders: int
    gross_exposure: int
    open_notional: int
    limits: dict[str, int | None]
    instruments: tuple[InstrumentStatus, ...]
    order_counters: dict[str, int]
    tick_counters: dict[str, int]
    kill_counters: dict[str, int]
    bad_frames: int
    drops: int


def _sections() -> tuple[int, ...]:
    sections = [int(StatusSection.SUMMARY)]
    for page in range(INSTRUMENT_PAGES):
        sections += [instrument_section(index, page) for index in range(N_INSTRUMENTS)]
    sections += [StatusSection.COUNTERS_0 + page for page in range(COUNTER_PAGES)]
    sections += [StatusSection.LIMITS_0 + page for page in range(LIMIT_PAGES)]
    return tuple(sections)


#: Every section :func:`decode_status` needs, in the order :func:`read_status` asks for them.
STATUS_SECTIONS = _sections()


def _words(replies: Mapping[int, Message], section: int) -> tuple[int, int, int, int]:
    reply = replies.get(section)
    if reply is None:
        raise ValueError(f"Replies must include section {section:#04x}, not omit it")
    if reply.type != MessageType.STATUS_REPLY:
        raise TypeError(f"Reply must be a STATUS_REPLY, not {reply.type.name}")
    if reply["section"] != section:
        raise ValueError(f"Reply section must be {section:#04x}, not {reply['section']:#04x}")
    return (reply["words[0]"], reply["words[1]"], reply["words[2]"], reply["words[3]"])


def decode_status(replies: Mapping[int, Message]) -> GuardStatus:
    """Decode the STATUS_REPLY messages of every section in :data:`STATUS_SECTIONS`.

    Parameters
    ----------
    replies : mapping of int to Message
        The reply to each section, keyed by section number.

    Raises
    ------
    ValueError
        If a section is missing, echoes another section or holds an unknown state or cause.
    TypeError
        If a reply is not a STATUS_REPLY.
    """
    summary = _words(replies, StatusSection.SUMMARY)
    try:
        state = TradingState(summary[0] & 0xFF)
        kill_cause = KillCause((summary[0] >> 8) & 0xFF)
    except ValueError as error:
        raise ValueError(f"Summary must hold a known state and cause, not {error}") from None
    limits: dict[str, int | None] = {}
    for page in range(LIMIT_PAGES):
        words = _words(replies, StatusSection.LIMITS_0 + page)
        for offset in range(LIMITS_PER_PAGE):
            limit_id = page * LIMITS_PER_PAGE + offset
            if limit_id < len(LimitId):
                is_set = words[LIMITS_PER_PAGE + offset] & 1
                limits[LimitId(limit_id).name] = words[offset] if is_set else None
    counters: list[int] = []
    for page in range(COUNTER_PAGES):
        counters += _words(replies, StatusSection.COUNTERS_0 + page)
    by_group: dict[str, dict[str, int]] = {"order": {}, "tick": {}, "kill": {}}
    for name, value in zip(COUNTER_NAMES, counters, strict=True):
        group, _, key = name.partition(".")
        if key:
            by_group[group][key] = value
    instruments = []
    for index in range(N_INSTRUMENTS):
        page0 = _words(replies, instrument_section(index, 0))
        page1 = _words(replies, instrument_section(index, 1))
        page2 = _words(replies, instrument_section(index, 2))
        instruments.append(
            InstrumentStatus(
                index=index,
                enabled=bool(page0[2] >> 25 & 1),
                position=_signed40(page0[0]),
                open_buy=page0[1] & 0xFFFFF,
                open_sell=page0[1] >> 20 & 0xFFFFF,
                has_reference=bool(page0[2] >> 24 & 1),
                ref_mid=page0[2] & 0xFFFFFF,
                ref_bid=page1[0],
                ref_ask=page1[1],
                reference_age=page0[3],
                last_fill_price=page1[2],
                max_position=page1[3],
                min_price=page2[0],
                max_price=page2[1],
                band_ticks=page2[2],
                last_timestamp=page2[3],
            )
        )
    return GuardStatus(
        state=state,
        kill_cause=kill_cause,
        enabled_mask=(summary[0] >> 16) & 0xFF,
        open_orders=(summary[0] >> 24) & 0xFF,
        gross_exposure=summary[2],
        open_notional=summary[3],
        limits=limits,
        instruments=tuple(instruments),
        order_counters=by_group["order"],
        tick_counters=by_group["tick"],
        kill_counters=by_group["kill"],
        bad_frames=counters[COUNTER_BAD_FRAMES],
        drops=counters[COUNTER_DROPS],
    )


async def read_status(request: Callable[[int], Awaitable[Message]]) -> GuardStatus:
    """Ask for every status section through ``request`` and decode the replies.

    Parameters
    ----------
    request : callable
        ``await request(section)`` sends STATUS(section) and returns the STATUS_REPLY.
    """
    replies = {section: await request(section) for section in STATUS_SECTIONS}
    return decode_status(replies)


assert COUNTERS_PER_PAGE == 4
