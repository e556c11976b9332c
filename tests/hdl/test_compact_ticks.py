# amaranth: UnusedElaboratable=no
"""The TICK programs of the compact check engine against GuardModel."""

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
from hdl.compact.ticks import TICK_REASON_FLAGS, tick_reason
from hdl.protocol import MessageType, TickReason
from host.link.codec import Message
from host.link.model import GuardModel
from sim import scenarios as sc


@dataclass(frozen=True)
class TickSample:
    """A TICK: its program, the register file before, the model's verdict and state after."""

    entry: int
    before: dict[Reg, int]
    reason: TickReason
    after: dict[Reg, int]
    instrument: int


def _ticks(file: GuardFile, messages: list[tuple[int, Message]], model: GuardModel) -> list:
    samples = []
    for cycle, message in messages:
        model.poll(cycle)
        before = register_file(file, model, message, cycle)
        responses = model.receive(message, cycle)
        if message.type == MessageType.TICK:
            samples.append(
                TickSample(
                    entry=file.entry("tick", message["instrument"]),
                    before=before,
                    reason=TickReason(responses[0]["reason"]),
                    after=register_file(file, model, message, cycle),
                    instrument=message["instrument"],
                )
            )
    return samples


def _check(file: GuardFile, samples: list[TickSample]) -> set[TickReason]:
    built = len(file.instruments)
    state = [
        reg for inst in file.instruments for reg in vars(inst).values() if reg is not inst.ref_age
    ]
    results = run_programs(
        file.assembler,
        [(s.entry, s.before) for s in samples],
        state,
        scope="tick",
        then=lambda run, flags: (
            file.entry("tick_update", samples[run].instrument)
            if samples[run].instrument < built
            else None
        ),
    )
    numbers = file.assembler.flags_of("tick")
    for index, (sample, (flags, words, _)) in enumerate(zip(samples, results, strict=True)):
        raw = sum(1 << numbers[name] for name, value in flags.items() if value)
        got = tick_reason(raw, numbers)
        assert got == sample.reason, f"tick {index}: engine {got.name}, model {sample.reason.name}"
        assert_words(words, sample.after, state, f"tick {index} ({got.name})")
    return {sample.reason for sample in samples}


@pytest.mark.parametrize(("n_instruments", "seed"), [(1, 5), (2, 6)])
def test_the_tick_programs_give_the_models_verdict_and_state(n_instruments: int, seed: int) -> None:
    file = build_programs(n_instruments=n_instruments, n_order_slots=2)
    model = GuardModel(time_unit_cycles=3, n_instruments=n_instruments, n_order_slots=2)
    size = {"n_instruments": n_instruments, "n_order_slots": 2}
    samples = _ticks(file, random_traffic(seed, 2500, **size), model)
    assert _check(file, samples) == set(TickReason)


def test_every_scenario_tick_gets_the_models_verdict_and_state() -> None:
    size = {"n_instruments": 2, "n_order_slots": 4}
    file = build_programs(**size)
    samples = []
    for scenario in sc.scenarios():
        model = GuardModel(time_unit_cycles=4, **size)
        samples += _ticks(file, scenario_messages(scenario), model)
    assert _check(file, samples) == set(TickReason)


def test_every_tick_reason_has_a_flag_in_priority_order() -> None:
    assert list(TICK_REASON_FLAGS.values()) == sorted(TICK_REASON_FLAGS.values())
    file = build_programs(n_instruments=1, n_order_slots=2)
    assert set(TICK_REASON_FLAGS) <= set(file.assembler.flags_of("tick"))
