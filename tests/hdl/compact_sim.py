"""The compact check engine in the Amaranth simulator (shared by the compact core's tests)."""

import random
from collections.abc import Callable
from typing import Any

from amaranth.sim import Simulator

from hdl.compact.engine import CheckEngine
from hdl.compact.microcode import WORD_BITS, WORD_MASK, Assembler, Reg
from hdl.compact.register_file import GuardFile
from hdl.guard_spec import AGE_MAX
from hdl.protocol import LimitId, MessageType
from host.link.codec import Message
from host.link.model import GuardModel
from sim.traffic import RandomTraffic

__all__ = [
    "assert_words",
    "random_traffic",
    "register_file",
    "run_programs",
    "scenario_messages",
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


def run_programs(
    asm: Assembler,
    runs: list[tuple[str | int, dict[Reg, int]]],
    read: list[Reg],
    *,
    then: Callable[[int, dict[str, bool]], str | int | None] | None = None,
    scope: str | None = None,
) -> list[tuple[dict[str, bool], dict[str, list[int]], int]]:
    """Per run: write the values, run the program (by name or first µop), then return its
    flags by name, the words of the registers in ``read`` and the cycles it took.

    ``then(run, flags)`` may name a program to run next on the same register file, keeping
    the flags (an accept's updates after its checks); the flags and words returned are
    those after it, the cycles those of the first. Flags are named as in ``scope`` (default:
    the assembler's current scope)."""
    numbers = asm.flags if scope is None else asm.flags_of(scope)
    dut = CheckEngine(asm)
    sim = Simulator(dut)
    sim.add_clock(1e-6)
    results: list[tuple[dict[str, bool], dict[str, list[int]], int]] = []

    # the words the register file holds for sure: only the others are written before a run
    known: dict[int, int] = {address: asm.init.get(address, 0) for address in range(asm.depth)}

    def forget_writes(entry: str | int) -> None:
        address = asm.entries[entry] if isinstance(entry, str) else entry
        for micro_op in asm.program[address:]:
            known.pop(micro_op.dest, None)
            if micro_op.last:
                break

    async def bench(ctx: Any) -> None:
        for entry, values in runs:
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
            forget_writes(entry)
            ctx.set(dut.i_entry, asm.entries[entry] if isinstance(entry, str) else entry)
            ctx.set(dut.i_start, 1)
            await ctx.tick()
            ctx.set(dut.i_start, 0)
            cycles = 1
            while ctx.get(dut.o_busy):
                await ctx.tick()
                cycles += 1
            flags = ctx.get(dut.o_flags)
            named = {name: bool(flags >> number & 1) for name, number in numbers.items()}
            follow = then(len(results), named) if then is not None else None
            if follow is not None:
                forget_writes(follow)
                ctx.set(dut.i_entry, asm.entries[follow] if isinstance(follow, str) else follow)
                ctx.set(dut.i_start, 1)
                ctx.set(dut.i_keep_flags, 1)
                await ctx.tick()
                ctx.set(dut.i_start, 0)
                ctx.set(dut.i_keep_flags, 0)
                while ctx.get(dut.o_busy):
                    await ctx.tick()
                flags = ctx.get(dut.o_flags)
                named = {name: bool(flags >> number & 1) for name, number in numbers.items()}
            contents = {}
            for reg in read:
                words = []
                for index in range(reg.words):
                    ctx.set(dut.i_peek_addr, reg.address + index)
                    await ctx.tick()
                    words.append(ctx.get(dut.o_peek_data))
                contents[reg.name] = words
            results.append((named, contents, cycles))

    sim.add_testbench(bench)
    sim.run()
    return results


def _age(model: GuardModel, base: int, cycle: int) -> int:
    return min(cycle // model.time_unit_cycles - base, AGE_MAX)


def register_file(
    file: GuardFile, model: GuardModel, message: Message, cycle: int
) -> dict[Reg, int]:
    """The register file as the compact core would hold it when ``message`` is checked on
    ``cycle``: the model's state, its ages on that cycle and the message's fields."""
    values: dict[Reg, int] = {}
    for name, reg in file.messages[message.type].items():
        values[reg] = message.fields.get(name, 0)
    for limit, reg in file.limits.items():
        values[reg] = model.limits[limit]
    values[file.limits_set] = model.limits_set
    for regs, inst in zip(file.instruments, model.instruments, strict=True):
        for name in (
            "enabled max_position min_price max_price band has_ref bid ask ref_mid timestamp "
            "cand_valid cand_mid cand_count position open_buy open_sell last_fill_price exposure"
        ).split():
            values[getattr(regs, name)] = int(getattr(inst, name))
        values[regs.ref_age] = _age(model, inst.ref_base, cycle)
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
    values[file.rate_age] = _age(model, model._rate_base, cycle)
    values[file.dup_age] = _age(model, model._dup_base, cycle)
    values[file.fill_count] = model._fill_count
    values[file.fill_age] = _age(model, model._fill_base, cycle)
    return values


def random_traffic(seed: int, actions: int, **size: int) -> list[tuple[int, Message]]:
    """Seeded random host messages with their beat cycles: the fills and cancels name orders
    that a model of ``size`` accepted, and MAX_OPEN_ORDERS is at most its slot count."""
    traffic = RandomTraffic(seed)
    rng = random.Random(seed)
    model = GuardModel(time_unit_cycles=3, **size)
    messages = []
    cycle = 10

    def send(message: Message, gap: int) -> None:
        nonlocal cycle
        messages.append((cycle, message))
        for response in model.receive(message, cycle):
            traffic.observe(response)
        cycle += gap

    for message in traffic.setup():
        if message.type == MessageType.SET_LIMIT and message["limit_id"] == LimitId.MAX_OPEN_ORDERS:
            value = min(message["value"], size["n_order_slots"])
            message = Message(MessageType.SET_LIMIT, {**message.fields, "value": value})
        send(message, 7)
    for _, action in zip(range(actions), traffic, strict=False):
        if action.kind == "message" and action.message is not None:
            send(action.message, rng.randint(5, 40))
    return messages


def scenario_messages(scenario: Any, time_unit_cycles: int = 4) -> list[tuple[int, Message]]:
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
