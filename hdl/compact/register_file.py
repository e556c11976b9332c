"""The register file of the compact core: where each part of the guard's state lives.

Every value is a little-endian run of 16-bit words (:class:`hdl.compact.microcode.Reg`),
held as the model holds it: positions are signed, prices and quantities unsigned, flags of
the model (``has_ref``, a slot's ``valid``) are words of 0 or 1. The message's fields are
unpacked next to the state (every message type from the same word: one is checked at a
time), and each message's programs have scratch words of their own, overlapping other
messages' (:meth:`hdl.compact.microcode.Assembler.scratch`).

Time is here as stamps: the time unit each age counts from (the reference's, the rate,
duplicate and fill windows'), :data:`STAMP_BITS` wide, as the model keeps them. The core
writes the time unit into ``unit`` before every program; the checks on ages become timers
that the core finishes on the beat (:mod:`hdl.compact.timers`).
"""

from dataclasses import dataclass

from amaranth.lib import data

from hdl.compact.microcode import WORD_BITS, Assembler, Reg
from hdl.guard_spec import (
    AGE_BITS,
    FILL_COUNT_MAX,
    LIMIT_WIDTHS,
    OPEN_QTY_BITS,
    POSITION_REG_BITS,
    VALUATION_BITS,
    WORD_MAX,
)
from hdl.protocol import (
    PAYLOAD_LAYOUTS,
    POSITION_BITS,
    PRICE_BITS,
    QTY_BITS,
    LimitId,
    MessageType,
    payload_bytes,
)

__all__ = [
    "STAMP_BITS",
    "N_TIMERS",
    "STATUS_WORDS",
    "STATUS_WORD_BITS",
    "STATUS_WORD_REGS",
    "GuardFile",
    "InstrumentRegs",
    "SlotRegs",
    "allocate",
    "signed_view",
    "zero_instrument",
]


#: Width of the time unit counter and of the stamps: 2**48 µs are 8.9 years of uptime, beyond
#: which the ages of a board that was never reset would wrap (the model's do not).
STAMP_BITS = 48


def words_for(bits: int) -> int:
    """Words a value of ``bits`` bits takes."""
    return -(-bits // WORD_BITS)


#: Words of a STATUS reply, their bits, and register-file words each takes (the top byte unused).
STATUS_WORDS = 4
STATUS_WORD_BITS = WORD_MAX.bit_length()
STATUS_WORD_REGS = words_for(STATUS_WORD_BITS)
#: Checks on ages per message that the core finishes on the beat (see :mod:`.timers`).
N_TIMERS = 3


@dataclass(frozen=True)
class InstrumentRegs:
    """One instrument's registers."""

    enabled: Reg
    max_position: Reg
    min_price: Reg
    max_price: Reg
    band: Reg
    has_ref: Reg
    bid: Reg
    ask: Reg
    ref_mid: Reg
    timestamp: Reg
    ref_base: Reg
    cand_valid: Reg
    cand_mid: Reg
    cand_count: Reg
    position: Reg
    open_buy: Reg
    open_sell: Reg
    last_fill_price: Reg
    exposure: Reg


@dataclass(frozen=True)
class SlotRegs:
    """One open order slot's registers."""

    valid: Reg
    client_id: Reg
    instrument: Reg
    side: Reg
    kind: Reg
    price: Reg
    remaining: Reg
    valuation: Reg


@dataclass(frozen=True)
class GuardFile:
    """The guard's registers in the register file, and the assembler of its programs."""

    assembler: Assembler
    messages: dict[MessageType, dict[str, Reg]]
    limits: dict[LimitId, Reg]
    limits_set: Reg
    instruments: list[InstrumentRegs]
    slots: list[SlotRegs]
    last: dict[str, Reg]
    state: Reg
    open_count: Reg
    open_notional: Reg
    exposure_sum: Reg
    rate_count: Reg
    rate_base: Reg
    dup_base: Reg
    fill_count: Reg
    fill_base: Reg
    #: The time unit the core wrote before the program: of its start for a check program,
    #: of the cycle after the update stage for an update program (the model's ``update_unit``).
    unit: Reg
    #: Per timer, the units left before it fires (written by a check program).
    timers: list[Reg]
    #: Bit ``k``: timer ``k`` fired on the beat (written by the core before an update program).
    beat: Reg
    #: A word a check program leaves for the core's response (CANCEL_ALL's count).
    result: Reg
    #: The message's payload as the decoder holds it, 16 bits a word (written by the core
    #: before the unpack program; scratch: the check programs reuse the words).
    payload: Reg
    #: A STATUS reply's four words, three words each (scratch of the STATUS programs, whose
    #: writes the core captures: :mod:`hdl.compact.status`).
    status: Reg

    def entry(self, program: str, instrument: int) -> int:
        """The first µop of ``program`` (``order``, ``accept``, ``tick``, ...) for a message on
        ``instrument``; past the last instrument built, of ``<program>_unknown``."""
        built = instrument < len(self.instruments)
        name = f"{program}{instrument}" if built else f"{program}_unknown"
        return self.assembler.entries[name]


def allocate(asm: Assembler, n_instruments: int, n_order_slots: int) -> GuardFile:
    """Lay out the register file of a build of this size in ``asm``."""
    reg = asm.reg
    price_words = words_for(PRICE_BITS)
    stamp_words = words_for(STAMP_BITS)
    messages = _message_fields(asm)
    limits = {
        limit: reg(f"lim.{limit.name.lower()}", words_for(LIMIT_WIDTHS[limit])) for limit in LimitId
    }
    instruments = [
        InstrumentRegs(
            enabled=reg(f"i{i}.enabled", 1),
            max_position=reg(f"i{i}.max_position", words_for(POSITION_BITS - 1), signed=True),
            min_price=reg(f"i{i}.min_price", price_words),
            max_price=reg(f"i{i}.max_price", price_words),
            band=reg(f"i{i}.band", price_words),
            has_ref=reg(f"i{i}.has_ref", 1),
            bid=reg(f"i{i}.bid", price_words, signed=True),
            ask=reg(f"i{i}.ask", price_words),
            ref_mid=reg(f"i{i}.ref_mid", price_words, signed=True),
            timestamp=reg(f"i{i}.timestamp", 2),
            ref_base=reg(f"i{i}.ref_base", stamp_words),
            cand_valid=reg(f"i{i}.cand_valid", 1),
            cand_mid=reg(f"i{i}.cand_mid", price_words, signed=True),
            cand_count=reg(f"i{i}.cand_count", 1),
            position=reg(f"i{i}.position", words_for(POSITION_REG_BITS), signed=True),
            open_buy=reg(f"i{i}.open_buy", words_for(OPEN_QTY_BITS)),
            open_sell=reg(f"i{i}.open_sell", words_for(OPEN_QTY_BITS)),
            last_fill_price=reg(f"i{i}.last_fill_price", price_words),
            exposure=reg(f"i{i}.exposure", 3),
        )
        for i in range(n_instruments)
    ]
    slots = [
        SlotRegs(
            valid=reg(f"s{j}.valid", 1),
            client_id=reg(f"s{j}.client_id", 2),
            instrument=reg(f"s{j}.instrument", 1),
            side=reg(f"s{j}.side", 1),
            kind=reg(f"s{j}.kind", 1),
            price=reg(f"s{j}.price", price_words),
            remaining=reg(f"s{j}.remaining", words_for(QTY_BITS)),
            valuation=reg(f"s{j}.valuation", words_for(VALUATION_BITS)),
        )
        for j in range(n_order_slots)
    ]
    last = {
        "valid": reg("last.valid", 1),
        "client_id": reg("last.client_id", 2),
        "instrument": reg("last.instrument", 1),
        "side": reg("last.side", 1),
        "kind": reg("last.kind", 1),
        "price": reg("last.price", price_words),
        "quantity": reg("last.quantity", 1),
    }
    return GuardFile(
        assembler=asm,
        messages=messages,
        limits=limits,
        limits_set=reg("limits_set", 1),
        instruments=instruments,
        slots=slots,
        last=last,
        state=reg("state", 1),
        open_count=reg("open_count", 1),
        open_notional=reg("open_notional", 3),
        exposure_sum=reg("exposure_sum", 4),
        rate_count=reg("rate_count", 1),
        rate_base=reg("rate_base", stamp_words),
        dup_base=reg("dup_base", stamp_words),
        fill_count=reg("fill_count", words_for(FILL_COUNT_MAX.bit_length())),
        fill_base=reg("fill_base", stamp_words),
        unit=reg("unit", stamp_words),
        timers=[reg(f"timer{k}", words_for(AGE_BITS)) for k in range(N_TIMERS)],
        beat=reg("beat", 1),
        result=reg("result", 1),
        payload=_scratch_of(asm, "unpack", "payload", words_for(_payload_bits())),
        status=_scratch_of(asm, "status", "status", STATUS_WORDS * STATUS_WORD_REGS),
    )


def _payload_bits() -> int:
    """Bits of the largest host message's payload."""
    return max(payload_bytes(t) for t in MessageType if t < 0x80) * 8


def _scratch_of(asm: Assembler, scope: str, name: str, words: int) -> Reg:
    """The first scratch words of ``scope``, for the core: it writes or reads them."""
    asm.scope(scope)
    reg = asm.scratch(name, words)
    asm.scope("")
    return reg


def _message_fields(asm: Assembler) -> dict[MessageType, dict[str, Reg]]:
    """Every host message's fields, a run of words each, from :data:`PAYLOAD_LAYOUTS`; the
    types overlap (one message is checked at a time), each from the same first word."""
    layouts = {t: data.Layout.cast(PAYLOAD_LAYOUTS[t]) for t in MessageType if t < 0x80}
    fields = {
        message_type: [(name, field.shape) for name, field in layout if not name.startswith("_")]
        for message_type, layout in layouts.items()
    }
    size = max(
        (sum(words_for(shape.width) for _, shape in named) for named in fields.values()),
        default=0,
    )
    area = asm.reg("msg", size)
    messages: dict[MessageType, dict[str, Reg]] = {}
    for message_type, named in fields.items():
        offset, regs = area.address, {}
        for name, shape in named:
            words = words_for(shape.width)
            regs[name] = Reg(f"msg.{name}", offset, words, signed=shape.signed)
            offset += words
        messages[message_type] = regs
    return messages


def zero_instrument(asm: Assembler) -> InstrumentRegs:
    """An instrument that is not built: every register reads 0 (the zero constant)."""
    zero = asm.const(0, 2)
    signed_zero = signed_view(zero)
    return InstrumentRegs(
        enabled=zero,
        max_position=signed_zero,
        min_price=zero,
        max_price=zero,
        band=zero,
        has_ref=zero,
        bid=signed_zero,
        ask=zero,
        ref_mid=signed_zero,
        timestamp=zero,
        ref_base=zero,
        cand_valid=zero,
        cand_mid=signed_zero,
        cand_count=zero,
        position=signed_zero,
        open_buy=zero,
        open_sell=zero,
        last_fill_price=zero,
        exposure=zero,
    )


def signed_view(reg: Reg) -> Reg:
    """``reg`` read as a signed value (its top bit must be 0 for the value to be the same)."""
    return Reg(reg.name, reg.address, reg.words, signed=True)
