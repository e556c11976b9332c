# amaranth: UnusedElaboratable=no
"""The CANCEL, FILL and CANCEL_ALL programs of the compact check engine against GuardModel."""

import random
from dataclasses import dataclass

import pytest
from compact_sim import register_file, run_programs, value_words, words_value

from hdl.compact.microcode import Reg
from hdl.compact.programs import build_programs
from hdl.compact.register_file import GuardFile
from hdl.compact.releases import fill_kill
from hdl.protocol import AckResult, KillCause, LimitId, MessageType
from hdl.protocol import TradingState as State
from host.link.codec import Message
from host.link.model import GuardModel
from sim import scenarios as sc
from sim.traffic import RandomTraffic

_PROGRAMS = {
    MessageType.CANCEL: "cancel",
    MessageType.FILL: "fill",
    MessageType.CANCEL_ALL: "cancel_all",
}


@dataclass(frozen=True)
class ReleaseSample:
    """A CANCEL, FILL or CANCEL_ALL: the register file before, the model's ack result and
    kill, and the register file after."""

    program: str
    before: dict[Reg, int]
    result: AckResult
    kill: KillCause
    after: dict[Reg, int]


def _releases(file: GuardFile, messages: list[tuple[int, Message]], model: GuardModel) -> list:
    samples = []
    for cycle, message in messages:
        model.poll(cycle)
        before = register_file(file, model, message, cycle)
        state = model.state
        responses = model.receive(message, cycle)
        if message.type in _PROGRAMS:
            killed = state != State.HALTED and model.state == State.HALTED
            samples.append(
                ReleaseSample(
                    program=_PROGRAMS[message.type],
                    before=before,
                    result=AckResult(responses[0]["result"]),
                    kill=KillCause(model.kill_cause) if killed else KillCause.NONE,
                    after=register_file(file, model, message, cycle),
                )
            )
    return samples


def _state(file: GuardFile) -> list[Reg]:
    """The registers a release may change (the ages and the kill latch are the core's)."""
    regs = [file.open_count, file.open_notional, file.exposure_sum, file.fill_count]
    for inst in file.instruments:
        regs += [inst.open_buy, inst.open_sell, inst.position, inst.last_fill_price, inst.exposure]
    for slot in file.slots:
        regs += list(vars(slot).values())
    return regs


def _check(file: GuardFile, samples: list[ReleaseSample]) -> set[tuple[str, AckResult, KillCause]]:
    asm = file.assembler
    state = _state(file)
    results = run_programs(
        asm,
        [(s.program, s.before) for s in samples],
        state,
        scope="release",
        then=lambda run, flags: (
            f"{samples[run].program}_update" if samples[run].program != "cancel_all" else None
        ),
    )
    numbers = asm.flags_of("release")
    slot_of = {reg.name: slot for slot in file.slots for reg in vars(slot).values()}
    seen = set()
    for index, (sample, (flags, words, _)) in enumerate(zip(samples, results, strict=True)):
        where = f"{sample.program} {index} of {len(samples)}"
        if sample.program != "cancel_all":
            raw = sum(1 << numbers[name] for name, value in flags.items() if value)
            result = AckResult.UNKNOWN_ORDER if flags["release.unknown"] else AckResult.OK
            assert result == sample.result, where
            kill = fill_kill(raw, numbers) if sample.program == "fill" else KillCause.NONE
            assert kill == sample.kill, where
        for reg in state:
            slot = slot_of.get(reg.name)
            if slot is not None and reg is not slot.valid and not sample.after[slot.valid]:
                continue  # a free slot's other words are left as they were
            want = sample.after[reg]
            if reg.signed:
                want = words_value(value_words(want, reg.words), signed=True)
            value = words_value(words[reg.name], signed=reg.signed)
            assert value == want, f"{where}: {reg.name} {value} != {want}"
        seen.add((sample.program, sample.result, sample.kill))
    return seen


def _random_traffic(seed: int, actions: int, **size: int) -> list[tuple[int, Message]]:
    """Seeded random traffic, its fills and cancels naming the orders a model of ``size``
    accepted."""
    traffic = RandomTraffic(seed)
    rng = random.Random(seed)
    messages = []
    cycle = 10
    for message in traffic.setup():
        if message.type == MessageType.SET_LIMIT and message["limit_id"] == LimitId.MAX_OPEN_ORDERS:
            value = size["n_order_slots"]
            message = Message(MessageType.SET_LIMIT, {**message.fields, "value": value})
        messages.append((cycle, message))
        cycle += 7
    model = GuardModel(time_unit_cycles=3, **size)
    for setup_cycle, message in messages:
        model.receive(message, setup_cycle)
    for _, action in zip(range(actions), traffic, strict=False):
        if action.kind == "message" and action.message is not None:
            messages.append((cycle, action.message))
            for response in model.receive(action.message, cycle):
                traffic.observe(response)
            cycle += rng.randint(5, 40)
    return messages


@pytest.mark.parametrize(("n_instruments", "n_order_slots", "seed"), [(1, 2, 7), (2, 3, 8)])
def test_the_release_programs_give_the_models_result_and_state(
    n_instruments: int, n_order_slots: int, seed: int
) -> None:
    file = build_programs(n_instruments=n_instruments, n_order_slots=n_order_slots)
    model = GuardModel(time_unit_cycles=3, n_instruments=n_instruments, n_order_slots=n_order_slots)
    size = {"n_instruments": n_instruments, "n_order_slots": n_order_slots}
    seen = _check(file, _releases(file, _random_traffic(seed, 3000, **size), model))
    assert ("cancel", AckResult.OK, KillCause.NONE) in seen
    assert ("cancel", AckResult.UNKNOWN_ORDER, KillCause.NONE) in seen
    assert ("fill", AckResult.OK, KillCause.NONE) in seen
    assert ("fill", AckResult.UNKNOWN_ORDER, KillCause.NONE) in seen
    assert ("cancel_all", AckResult.OK, KillCause.NONE) in seen


def test_every_scenario_release_gets_the_models_result_kill_and_state() -> None:
    size = {"n_instruments": 2, "n_order_slots": 4}
    file = build_programs(**size)
    samples = []
    for scenario in sc.scenarios():
        cycle, messages = 8, []
        for step in scenario.steps:
            cycle += step.wait_units * 4
            if step.send is not None:
                messages.append((cycle, step.send))
            cycle += 8
        samples += _releases(file, messages, GuardModel(time_unit_cycles=4, **size))
    seen = _check(file, samples)
    kills = {kill for _, _, kill in seen}
    assert {KillCause.FILL_RATE, KillCause.POSITION_BREACH} <= kills
