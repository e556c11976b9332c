# amaranth: UnusedElaboratable=no
"""The CANCEL, FILL and CANCEL_ALL programs of the compact check engine against GuardModel."""

from dataclasses import dataclass

import pytest
from compact_sim import (
    assert_words,
    random_traffic,
    register_file,
    run_programs,
    scenario_messages,
)

from hdl.compact.microcode import Reg
from hdl.compact.programs import build_programs
from hdl.compact.register_file import GuardFile
from hdl.compact.releases import fill_kill
from hdl.protocol import AckResult, KillCause, MessageType
from hdl.protocol import TradingState as State
from host.link.codec import Message
from host.link.model import GuardModel
from sim import scenarios as sc

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
        # a free slot's other words are left as they were
        held = [
            reg
            for reg in state
            if reg.name not in slot_of
            or reg is slot_of[reg.name].valid
            or sample.after[slot_of[reg.name].valid]
        ]
        assert_words(words, sample.after, held, where)
        seen.add((sample.program, sample.result, sample.kill))
    return seen


@pytest.mark.parametrize(("n_instruments", "n_order_slots", "seed"), [(1, 2, 7), (2, 3, 8)])
def test_the_release_programs_give_the_models_result_and_state(
    n_instruments: int, n_order_slots: int, seed: int
) -> None:
    file = build_programs(n_instruments=n_instruments, n_order_slots=n_order_slots)
    model = GuardModel(time_unit_cycles=3, n_instruments=n_instruments, n_order_slots=n_order_slots)
    size = {"n_instruments": n_instruments, "n_order_slots": n_order_slots}
    seen = _check(file, _releases(file, random_traffic(seed, 3000, **size), model))
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
        model = GuardModel(time_unit_cycles=4, **size)
        samples += _releases(file, scenario_messages(scenario), model)
    seen = _check(file, samples)
    kills = {kill for _, _, kill in seen}
    assert {KillCause.FILL_RATE, KillCause.POSITION_BREACH} <= kills
