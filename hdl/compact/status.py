"""STATUS as programs of the compact check engine: a section's words for the core's reply.

A STATUS reply has four 40-bit words. A section's program writes them to ``file.status``,
three register-file words each, low first (the core keeps the low 40 bits), and the core
captures the engine's writes to those words into its reply register as they happen
(:class:`hdl.compact.core.CompactGuardCore`). That register is cleared when the payload comes,
so a program writes only what is not zero, and the last write of a word is the one shown.

What changes between the program and the beat is not the program's to write: the core puts
in, on the update stage, the trading state and kill cause of SUMMARY's first word (the kill
latch is logic) and the reference's age of an instrument's first page (the program leaves the
age at its own time unit, saturated, and the core adds the units since, saturating, as
:func:`status_age` says). The counter pages have no program: the counters are the core's
(:mod:`hdl.compact.counters`); :func:`status_program` names ``status_none`` for them and for a
section of nothing (an instrument that is not built, a number that is no section), whose words
stay zero.
"""

from hdl.compact.microcode import Cond, Op, Reg
from hdl.compact.register_file import STATUS_WORD_REGS, GuardFile, InstrumentRegs
from hdl.guard_spec import (
    AGE_MAX,
    INSTRUMENT_PAGES,
    LIMIT_PAGES,
    LIMITS_PER_PAGE,
    WORD_MAX,
    instrument_section,
)
from hdl.protocol import LimitId, StatusSection

__all__ = ["add_status_programs", "status_age", "status_program"]


def status_program(file: GuardFile, section: int) -> str:
    """The name of the program that writes STATUS section ``section``'s words."""
    if section == StatusSection.SUMMARY:
        return "status_summary"
    for index in range(len(file.instruments)):
        for page in range(INSTRUMENT_PAGES):
            if section == instrument_section(index, page):
                return f"status_instrument{index}_{page}"
    page = section - StatusSection.LIMITS_0
    if 0 <= page < LIMIT_PAGES:
        return f"status_limits{page}"
    return "status_none"


def status_age(program_age: int, elapsed: int) -> int:
    """The reference's age a reply shows: the age at the program's time unit (saturated) plus
    the units from then to the update stage (saturated), saturated at AGE_MAX."""
    return min(program_age + elapsed, AGE_MAX)


def add_status_programs(file: GuardFile) -> None:
    """Write every section's program (see :func:`status_program`) and ``status_none``."""
    asm = file.assembler
    asm.scope("status")
    writer = _StatusWriter(file)

    asm.entry("status_none")
    asm.wide(Op.MOVE, asm.zero, asm.zero, words=1)  # writes nothing: the words stay zero
    asm.end()

    # SUMMARY: (state, kill cause: the core's), enabled mask, open orders; limits set;
    # gross exposure and open notional, saturated at WORD_MAX
    asm.entry("status_summary")
    mask = writer.word(0).part(1, 1)
    asm.move(mask, file.open_count)
    asm.wide(Op.MUL_LO, mask, asm.const(1 << 8, 1), dest=mask)
    for index, inst in enumerate(file.instruments):
        writer.shifted_add(mask, inst.enabled, index)
    asm.move(writer.word(1, 1), file.limits_set)
    gross = writer.scratch
    asm.wide(Op.ADD, file.exposure_sum, file.open_notional, dest=gross)
    writer.saturated(writer.word(2), gross, WORD_MAX, "status.gross_over")
    writer.saturated(writer.word(3), file.open_notional, WORD_MAX, "status.open_over")
    asm.end()

    for index, inst in enumerate(file.instruments):
        writer.instrument_pages(index, inst)

    # LIMITS_0 + p: the values of limits 2p and 2p + 1, then whether each is set (a limit
    # that is not set is 0 in the file: only an accepted SET_LIMIT writes it)
    for page in range(LIMIT_PAGES):
        asm.entry(f"status_limits{page}")
        for offset in range(LIMITS_PER_PAGE):
            limit_id = page * LIMITS_PER_PAGE + offset
            if limit_id >= len(LimitId):
                continue
            limit = file.limits[LimitId(limit_id)]
            asm.move(writer.word(offset, limit.words), limit)
            is_set = f"status.set{offset}"
            bit = asm.const(1 << limit_id, 1)
            asm.wide(Op.AND, file.limits_set, bit, cond=Cond.NONZERO, flag=is_set)
            asm.move(writer.word(LIMITS_PER_PAGE + offset, 1), asm.const(1, 1), when=is_set)
        asm.end()


class _StatusWriter:
    """The status words of ``file``, and the few sequences their programs share."""

    def __init__(self, file: GuardFile) -> None:
        self.file = file
        self.asm = file.assembler
        self.scratch = self.asm.scratch("t.status", 4)

    def word(self, index: int, words: int = STATUS_WORD_REGS) -> Reg:
        """STATUS word ``index`` (its first ``words`` register-file words)."""
        return self.file.status.part(STATUS_WORD_REGS * index, words)

    def shifted_add(self, dest: Reg, value: Reg, shift: int) -> None:
        """``dest += value << shift``, within dest's one word."""
        asm = self.asm
        if shift:
            part = self.scratch.part(0, 1)
            asm.wide(Op.MUL_LO, value, asm.const(1 << shift, 1), dest=part)
            value = part
        asm.wide(Op.ADD, dest, value, dest=dest)

    def saturated(self, dest: Reg, value: Reg, limit: int, name: str) -> None:
        """``dest = min(value, limit)``: the value, then the limit over it if it was above."""
        asm = self.asm
        top = asm.const(limit, dest.words)
        asm.set_if(name, value, ">", top)
        asm.move(dest, value)
        asm.move(dest, top, when=name)

    def instrument_pages(self, index: int, inst: InstrumentRegs) -> None:
        """The three pages of instrument ``index``, as :class:`host.link.model.GuardModel`
        shows them."""
        asm, word = self.asm, self.word

        # page 0: position (40-bit two's complement), open buy | open sell << 20,
        # reference mid | has_ref << 24 | enabled << 25, the reference's age (status_age)
        asm.entry(f"status_instrument{index}_0")
        asm.move(word(0), inst.position)
        sell_low, sell_high = inst.open_sell.part(0, 1), inst.open_sell.part(1, 1)
        open_words = word(1)
        asm.move(open_words.part(0, 2), inst.open_buy)
        self.shifted_add(open_words.part(1, 1), sell_low, 4)
        high = open_words.part(2, 1)
        asm.wide(Op.MUL_HI, sell_low, asm.const(1 << 4, 1), dest=high)
        self.shifted_add(high, sell_high, 4)
        reference = word(2)
        asm.move(reference.part(0, 2), inst.ref_mid)
        self.shifted_add(reference.part(1, 1), inst.has_ref, 24 - 16)
        self.shifted_add(reference.part(1, 1), inst.enabled, 25 - 16)
        age = self.scratch.part(0, 3)
        asm.wide(Op.SUB, self.file.unit, inst.ref_base, dest=age)
        self.saturated(word(3, 2), age, AGE_MAX, "status.age_over")
        asm.end()

        for page, regs in (
            (1, (inst.bid, inst.ask, inst.last_fill_price, inst.max_position)),
            (2, (inst.min_price, inst.max_price, inst.band, inst.timestamp)),
        ):
            asm.entry(f"status_instrument{index}_{page}")
            for number, reg in enumerate(regs):
                asm.move(word(number, reg.words), reg)
            asm.end()
