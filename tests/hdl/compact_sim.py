"""The compact check engine in the Amaranth simulator (shared by the compact core's tests)."""

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from amaranth.sim import Simulator

from hdl.compact.engine import CheckEngine
from hdl.compact.microcode import WORD_BITS, WORD_MASK, Assembler, Reg
from hdl.compact.register_file import GuardFile
from hdl.compact.unpack import unpack_entry
from hdl.guard_spec import (
    COUNTER_PAGES,
    INSTRUMENT_PAGES,
    LIMIT_PAGES,
    UPDATE_STAGE,
    instrument_section,
)
from hdl.protocol import N_INSTRUMENTS, KillCause, LimitId, MessageType, StatusSection
from hdl.protocol import TradingState as State
from host.link.codec import Message
from host.link.model import GuardModel
from sim import scenarios as sc
from sim.beats import message_to_beat
from sim.traffic import RandomTraffic

__all__ = [
    "Entry",
    "Run",
    "Sample",
    "armed_setup",
    "assert_words",
    "checked",
    "flag_bits",
    "random_traffic",
    "register_file",
    "replay",
    "run_programs",
    "scenario_messages",
    "state_regs",
    "value_words",
    "words_value",
]


def value_words(value: int, words: int) -> list[int]:
    """``value`` (two's complement if negative) as ``words`` register-file words."""
    return [(value >> (WORD_BITS * i)) & WORD_MASK for i in range(words)]


def words_value(words: list[int], *, signed: bool = False) -> int:
    """The value of register-file words, low word first."""
    value = sum(word << (WORD_BITS * i) for i, word in enumerate(words))
    bits = WORD_BITS * len(words)
    return value - (1 << bits) if signed and value >> (bits - 1) else value


@dataclass(frozen=True)
class Run:
    """One run of :func:`run_programs`: the check program's flags (by name) and the words it
    left in ``between``; the flags after the update program, if any; the words of ``read``
    after both; the cycles the programs before the update took."""

    check_flags: dict[str, bool]
    between: dict[str, list[int]]
    flags: dict[str, bool]
    words: dict[str, list[int]]
    cycles: int
    #: Address -> the last word the check program wrote there (its writes, not the file's).
    written: dict[int, int]


#: ``then(run, flags, between)``: the update program to run next, on the same register file
#: with the flags kept, and the words the core writes before it; or None.
Then = Callable[
    [int, dict[str, bool], dict[str, list[int]]], tuple[str | int, dict[Reg, int]] | None
]


#: A program by name or first µop.
Entry = str | int


def run_programs(
    asm: Assembler,
    runs: list[tuple[Entry | tuple[Entry, ...], dict[Reg, int]]],
    read: list[Reg],
    *,
    then: Then | None = None,
    between: list[Reg] | None = None,
    scope: str | None = None,
) -> list[Run]:
    """Per run: write the values, run the program (by name or first µop; a tuple: each in
    turn, as the core starts an unpack program and then the check program), read the words of
    ``between``, then run the update program ``then`` names, if any, and read the words of
    ``read``. Flags are named as in ``scope`` (default: the assembler's current scope)."""
    numbers = asm.flags if scope is None else asm.flags_of(scope)
    dut = CheckEngine(asm)
    sim = Simulator(dut)
    sim.add_clock(1e-6)
    results: list[Run] = []

    # the words the register file holds for sure: only the others are written before a run
    known: dict[int, int] = {address: asm.init.get(address, 0) for address in range(asm.depth)}

    def address_of(entry: str | int) -> int:
        return asm.entries[entry] if isinstance(entry, str) else entry

    def forget_writes(entry: str | int) -> None:
        for micro_op in asm.program[address_of(entry) :]:
            known.pop(micro_op.dest, None)
            if micro_op.last:
                break

    async def write(ctx: Any, values: dict[Reg, int]) -> None:
        for reg, value in values.items():
            for index, word in enumerate(value_words(value, reg.words)):
                if known.get(reg.address + index) == word:
                    continue
                known[reg.address + index] = word
                ctx.set(dut.i_write_addr, reg.address + index)
                ctx.set(dut.i_write_data, word)
                ctx.set(dut.i_write_en, 1)
                await ctx.tick()
        ctx.set(dut.i_write_en, 0)

    async def execute(
        ctx: Any, entry: str | int, *, keep_flags: bool
    ) -> tuple[dict[str, bool], int, dict[int, int]]:
        forget_writes(entry)
        ctx.set(dut.i_entry, address_of(entry))
        ctx.set(dut.i_start, 1)
        ctx.set(dut.i_keep_flags, keep_flags)
        await ctx.tick()
        ctx.set(dut.i_start, 0)
        ctx.set(dut.i_keep_flags, 0)
        cycles = 1
        written = {}
        while ctx.get(dut.o_busy):
            if ctx.get(dut.o_write_en):
                written[ctx.get(dut.o_write_addr)] = ctx.get(dut.o_write_data)
            await ctx.tick()
            cycles += 1
        flags = ctx.get(dut.o_flags)
        named = {name: bool(flags >> number & 1) for name, number in numbers.items()}
        return named, cycles, written

    async def peek(ctx: Any, regs: list[Reg]) -> dict[str, list[int]]:
        contents = {}
        for reg in regs:
            words = []
            for index in range(reg.words):
                ctx.set(dut.i_peek_addr, reg.address + index)
                await ctx.tick()
                words.append(ctx.get(dut.o_peek_data))
            contents[reg.name] = words
        return contents

    async def bench(ctx: Any) -> None:
        for entries, values in runs:
            await write(ctx, values)
            cycles = 0
            for entry in entries if isinstance(entries, tuple) else (entries,):
                check_flags, taken, written = await execute(ctx, entry, keep_flags=False)
                cycles += taken
            middle = await peek(ctx, between or [])
            flags = check_flags
            follow = then(len(results), check_flags, middle) if then is not None else None
            if follow is not None:
                update, update_values = follow
                await write(ctx, update_values)
                flags, _, _ = await execute(ctx, update, keep_flags=True)
            words = await peek(ctx, read)
            results.append(Run(check_flags, middle, flags, words, cycles, written))

    sim.add_testbench(bench)
    sim.run()
    return results


def checked(file: GuardFile, message: Message, check: Entry) -> tuple[Entry, ...]:
    """The programs the core runs on ``message`` before its beat: its unpack program, if it
    has one, then ``check``."""
    unpack = unpack_entry(file, message.type)
    return (check,) if unpack is None else (unpack, check)


def flag_bits(flags: dict[str, bool], numbers: dict[str, int]) -> int:
    """Named flags as the engine's flag word."""
    return sum(1 << numbers[name] for name, value in flags.items() if value)


def register_file(
    file: GuardFile, model: GuardModel, message: Message, unit: int
) -> dict[Reg, int]:
    """The register file as the compact core would hold it for ``message``: the model's
    state, its stamps, the message's payload (for the unpack program), and ``unit`` (the time
    unit the core wrote)."""
    values: dict[Reg, int] = {file.payload: message_to_beat(message)[1]}
    for limit, reg in file.limits.items():
        values[reg] = model.limits[limit]
    values[file.limits_set] = model.limits_set
    for regs, inst in zip(file.instruments, model.instruments, strict=True):
        for name in (
            "enabled max_position min_price max_price band has_ref bid ask ref_mid timestamp "
            "ref_base cand_valid cand_mid cand_count position open_buy open_sell "
            "last_fill_price exposure"
        ).split():
            values[getattr(regs, name)] = int(getattr(inst, name))
    for regs, slot in zip(file.slots, model.slots, strict=True):
        values[regs.valid] = slot is not None
        for name in "client_id instrument side kind price remaining valuation".split():
            values[getattr(regs, name)] = getattr(slot, name) if slot is not None else 0
    values[file.last["valid"]] = model._last_valid
    values[file.last["client_id"]] = model._last_id
    for name, value in zip(
        ("instrument", "side", "kind", "price", "quantity"), model._last_key, strict=True
    ):
        values[file.last[name]] = value
    values[file.state] = model.state
    values[file.open_count] = model.open_count
    values[file.open_notional] = model.open_notional
    values[file.exposure_sum] = model.exposure_sum
    values[file.rate_count] = model._rate_count
    values[file.rate_base] = model._rate_base
    values[file.dup_base] = model._dup_base
    values[file.fill_count] = model._fill_count
    values[file.fill_base] = model._fill_base
    values[file.unit] = unit
    return values


def state_regs(file: GuardFile, values: dict[Reg, int]) -> list[Reg]:
    """The registers of ``values`` that hold the guard's state as the programs keep it: not
    the message, nor what the core writes or reads around a program, nor the trading state
    (the core's kill latch and arming write its mirror)."""
    core = {file.state, file.unit, file.beat, file.payload, *file.timers}
    return [reg for reg in values if not reg.name.startswith("msg.") and reg not in core]


@dataclass(frozen=True)
class Sample:
    """A message of a replay: what the model answered and how the compact core would see it.

    ``before`` is the register file its check program reads, run ``elapsed`` time units
    before the beat; ``after`` is the model's state after the message, with ``update_unit``
    the unit the core writes before the update program."""

    cycle: int
    message: Message
    responses: list[Message]
    before: dict[Reg, int]
    after: dict[Reg, int]
    elapsed: int
    update_unit: int
    state_before: State
    state_after: State
    kill: KillCause


def replay(
    file: GuardFile,
    events: list[tuple[int, Message | None]],
    model: GuardModel,
    types: set[MessageType],
    *,
    seed: int = 0,
    lead: int | None = None,
) -> list[Sample]:
    """Send ``events`` (a message, or None: a kill button press) to ``model``; a
    :class:`Sample` per message of ``types``. Each check program runs ``lead`` time units
    before the beat, or a number drawn at random (often 0, 1 or 2), but not before the last
    stamp the model set."""
    rng = random.Random(seed)
    samples = []
    for cycle, message in events:
        if message is None:
            model.press_kill_button(cycle)
            continue
        model.poll(cycle)  # a watchdog kill due by now comes first
        beat_unit = cycle // model.time_unit_cycles
        if message.type in types:
            earliest = max(
                model._rate_base,
                model._dup_base,
                model._fill_base,
                *(inst.ref_base for inst in model.instruments),
            )
            drawn = rng.choice((0, 0, 1, 2, rng.randint(0, beat_unit - earliest)))
            run_unit = max(earliest, beat_unit - (drawn if lead is None else lead))
            before = register_file(file, model, message, run_unit)
        state = State(model.state)
        responses = model.receive(message, cycle)
        if message.type not in types:
            continue
        update_unit = (cycle + UPDATE_STAGE + 1) // model.time_unit_cycles
        killed = state != State.HALTED and model.state == State.HALTED
        samples.append(
            Sample(
                cycle=cycle,
                message=message,
                responses=responses,
                before=before,
                after=register_file(file, model, message, update_unit),
                elapsed=beat_unit - run_unit,
                update_unit=update_unit,
                state_before=state,
                state_after=State(model.state),
                kill=KillCause(model.kill_cause) if killed else KillCause.NONE,
            )
        )
    return samples


def random_traffic(seed: int, actions: int, **size: int) -> list[tuple[int, Message | None]]:
    """Seeded random host messages and kill button presses (None) with their cycles: the
    fills and cancels name orders that a model of ``size`` accepted, and MAX_OPEN_ORDERS is at
    most its slot count."""
    traffic = RandomTraffic(seed, n_order_slots=size["n_order_slots"])
    rng = random.Random(seed)
    model = GuardModel(time_unit_cycles=3, **size)
    events: list[tuple[int, Message | None]] = []
    cycle = 10

    def send(message: Message, gap: int) -> None:
        nonlocal cycle
        events.append((cycle, message))
        model.poll(cycle)
        for response in model.receive(message, cycle):
            traffic.observe(response)
        cycle += gap

    for message in traffic.setup():
        send(message, 7)
    for _, action in zip(range(actions), traffic, strict=False):
        if action.kind == "message" and action.message is not None:
            send(action.message, rng.randint(5, 40))
        elif action.kind == "button":
            events.append((cycle, None))
            model.press_kill_button(cycle)
            cycle += 5
        elif action.kind == "idle":
            cycle += action.cycles
    return events


def armed_setup(**changed: int) -> list[Message]:
    """Every limit of the scenarios (``changed`` ones by lower-case name), instrument 0, a
    reference tick and ARM: the guard takes orders."""
    limits = {**sc.standard_limits(), **{LimitId[name.upper()]: v for name, v in changed.items()}}
    messages = [sc.set_limit(limit, value) for limit, value in limits.items()]
    return [*messages, sc.set_instrument(0), sc.tick(0, 100, 1490, 1510), sc.arm()]


def every_status_section() -> list[int]:
    """Every STATUS section, and numbers of no section (between them, past the last)."""
    sections = [StatusSection.SUMMARY, StatusSection.INSTRUMENT_0 - 1, 0xFF]
    sections += [
        instrument_section(i, p) for p in range(INSTRUMENT_PAGES) for i in range(N_INSTRUMENTS)
    ]
    sections += [StatusSection.COUNTERS_0 + page for page in range(COUNTER_PAGES)]
    sections += [StatusSection.LIMITS_0 + page for page in range(LIMIT_PAGES + 1)]
    return sections


def scenario_messages(scenario: Any, time_unit_cycles: int = 4) -> list[tuple[int, Message | None]]:
    """The messages of a directed scenario (:mod:`sim.scenarios`) with their beat cycles."""
    cycle, messages = 8, []
    for step in scenario.steps:
        cycle += step.wait_units * time_unit_cycles
        if step.send is not None:
            messages.append((cycle, step.send))
        cycle += 8
    return messages


def assert_words(
    words: dict[str, list[int]], want: dict[Reg, int], regs: list[Reg], where: str
) -> None:
    """Each register of ``regs`` read back (``words``) holds the value ``want`` gives it."""
    for reg in regs:
        expected = want[reg]
        if reg.signed:
            expected = words_value(value_words(expected, reg.words), signed=True)
        value = words_value(words[reg.name], signed=reg.signed)
        assert value == expected, f"{where}: {reg.name} {value} != {expected}"
