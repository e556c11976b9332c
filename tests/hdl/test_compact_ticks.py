# amaranth: UnusedElaboratable=no
"""The TICK programs of the compact check engine against GuardModel."""

from typing import Any

import pytest
from compact_sim import (
    Sample,
    assert_words,
    checked,
    flag_bits,
    random_traffic,
    replay,
    run_programs,
    scenario_messages,
    state_regs,
)

from hdl.compact.programs import build_programs
from hdl.compact.register_file import GuardFile
from hdl.compact.ticks import TICK_REASON_FLAGS, tick_reason
from hdl.protocol import MessageType, TickReason
from host.link.model import GuardModel
from sim import scenarios as sc


def _check(file: GuardFile, samples: list[Sample]) -> set[TickReason]:
    built = len(file.instruments)
    state = state_regs(file, samples[0].after)

    def then(run: int, flags: dict[str, bool], between: dict[str, list[int]]) -> Any:
        sample = samples[run]
        if sample.message["instrument"] >= built:
            return None
        entry = file.entry("tick_update", sample.message["instrument"])
        return entry, {file.unit: sample.update_unit}

    results = run_programs(
        file.assembler,
        [
            (checked(file, s.message, file.entry("tick", s.message["instrument"])), s.before)
            for s in samples
        ],
        state,
        scope="tick",
        then=then,
    )
    numbers = file.assembler.flags_of("tick")
    for index, (sample, run) in enumerate(zip(samples, results, strict=True)):
        got = tick_reason(flag_bits(run.check_flags, numbers), numbers)
        want = TickReason(sample.responses[0]["reason"])
        assert got == want, f"tick {index}: engine {got.name}, model {want.name}"
        assert_words(run.words, sample.after, state, f"tick {index} ({got.name})")
    return {TickReason(sample.responses[0]["reason"]) for sample in samples}


@pytest.mark.parametrize(("n_instruments", "seed"), [(1, 5), (2, 6)])
def test_the_tick_programs_give_the_models_verdict_and_state(n_instruments: int, seed: int) -> None:
    file = build_programs(n_instruments=n_instruments, n_order_slots=2)
    model = GuardModel(time_unit_cycles=3, n_instruments=n_instruments, n_order_slots=2)
    size = {"n_instruments": n_instruments, "n_order_slots": 2}
    samples = replay(file, random_traffic(seed, 2500, **size), model, {MessageType.TICK}, seed=seed)
    assert _check(file, samples) == set(TickReason)


def test_every_scenario_tick_gets_the_models_verdict_and_state() -> None:
    size = {"n_instruments": 2, "n_order_slots": 3}
    file = build_programs(**size)
    samples = []
    for seed, scenario in enumerate(sc.scenarios()):
        model = GuardModel(time_unit_cycles=4, **size)
        messages = scenario_messages(scenario)
        samples += replay(file, messages, model, {MessageType.TICK}, seed=seed)
    assert _check(file, samples) == set(TickReason)


def test_every_tick_reason_has_a_flag_in_priority_order() -> None:
    assert list(TICK_REASON_FLAGS.values()) == sorted(TICK_REASON_FLAGS.values())
    file = build_programs(n_instruments=1, n_order_slots=2)
    assert set(TICK_REASON_FLAGS) <= set(file.assembler.flags_of("tick"))
