# amaranth: UnusedElaboratable=no
"""The CANCEL, FILL and CANCEL_ALL programs of the compact check engine against GuardModel."""

from typing import Any

import pytest
from compact_sim import (
    Sample,
    armed_setup,
    assert_words,
    checked,
    flag_bits,
    random_traffic,
    replay,
    run_programs,
    scenario_messages,
    state_regs,
    words_value,
)

from hdl.compact.programs import build_programs
from hdl.compact.register_file import GuardFile
from hdl.compact.releases import FILL_TIMERS, fill_kill
from hdl.compact.timers import beat_word, finish_timers, timer_fired
from hdl.protocol import AckResult, KillCause, LimitId, MessageType
from hdl.protocol import TradingState as State
from host.link.codec import Message
from host.link.model import GuardModel
from sim import scenarios as sc

_PROGRAMS = {
    MessageType.CANCEL: "cancel",
    MessageType.FILL: "fill",
    MessageType.CANCEL_ALL: "cancel_all_check",
}


def _check(file: GuardFile, samples: list[Sample]) -> set[tuple[str, AckResult, KillCause]]:
    asm = file.assembler
    numbers = asm.flags_of("release")
    state = state_regs(file, samples[0].after)

    def program(sample: Sample) -> str:
        return _PROGRAMS[sample.message.type]

    def then(run: int, flags: dict[str, bool], between: dict[str, list[int]]) -> Any:
        sample = samples[run]
        if program(sample) == "cancel_all_check":
            return "cancel_all", {}
        headroom = words_value(between[file.timers[0].name])
        fired = timer_fired(flag_bits(flags, numbers), numbers, 0, headroom, sample.elapsed)
        core = {file.unit: sample.update_unit, file.beat: beat_word([fired])}
        return f"{program(sample)}_update", core

    results = run_programs(
        asm,
        [(checked(file, s.message, program(s)), s.before) for s in samples],
        state,
        between=[*file.timers, file.result],
        scope="release",
        then=then,
    )
    slot_of = {reg.name: slot for slot in file.slots for reg in vars(slot).values()}
    seen = set()
    for index, (sample, run) in enumerate(zip(samples, results, strict=True)):
        name = program(sample)
        where = f"{name} {index} of {len(samples)}"
        want = AckResult(sample.responses[0]["result"])
        if name == "cancel_all_check":
            # the ack's argument: the orders it cancels, counted before the beat
            assert run.between[file.result.name] == [sample.responses[0]["argument"]], where
        else:
            result = AckResult.UNKNOWN_ORDER if run.flags["release.unknown"] else AckResult.OK
            assert result == want, where
            if name == "fill":
                # the kill latch decides on the update stage, from the check program
                headroom = words_value(run.between[file.timers[0].name])
                flags = finish_timers(
                    flag_bits(run.check_flags, numbers),
                    numbers,
                    FILL_TIMERS,
                    [headroom],
                    sample.elapsed,
                )
                halted = sample.state_before == State.HALTED
                assert fill_kill(flags, numbers, halted=halted) == sample.kill, where
            else:
                assert sample.kill == KillCause.NONE, where
        # a free slot's other words are left as they were
        held = [
            reg
            for reg in state
            if reg.name not in slot_of
            or reg is slot_of[reg.name].valid
            or sample.after[slot_of[reg.name].valid]
        ]
        assert_words(run.words, sample.after, held, where)
        seen.add((name, want, sample.kill))
    return seen


@pytest.mark.parametrize(("n_instruments", "n_order_slots", "seed"), [(1, 2, 7), (2, 3, 8)])
def test_the_release_programs_give_the_models_result_and_state(
    n_instruments: int, n_order_slots: int, seed: int
) -> None:
    file = build_programs(n_instruments=n_instruments, n_order_slots=n_order_slots)
    model = GuardModel(time_unit_cycles=3, n_instruments=n_instruments, n_order_slots=n_order_slots)
    size = {"n_instruments": n_instruments, "n_order_slots": n_order_slots}
    events = random_traffic(seed, 3000, **size)
    seen = _check(file, replay(file, events, model, set(_PROGRAMS), seed=seed))
    assert ("cancel", AckResult.OK, KillCause.NONE) in seen
    assert ("cancel", AckResult.UNKNOWN_ORDER, KillCause.NONE) in seen
    assert ("fill", AckResult.OK, KillCause.NONE) in seen
    assert ("fill", AckResult.UNKNOWN_ORDER, KillCause.NONE) in seen
    assert ("cancel_all_check", AckResult.OK, KillCause.NONE) in seen


def test_every_scenario_release_gets_the_models_result_kill_and_state() -> None:
    size = {"n_instruments": 2, "n_order_slots": 3}
    file = build_programs(**size)
    samples = []
    for seed, scenario in enumerate(sc.scenarios()):
        model = GuardModel(time_unit_cycles=4, **size)
        samples += replay(file, scenario_messages(scenario), model, set(_PROGRAMS), seed=seed)
    seen = _check(file, samples)
    kills = {kill for _, _, kill in seen}
    assert {KillCause.FILL_RATE, KillCause.POSITION_BREACH} <= kills


@pytest.mark.parametrize(("late", "kill"), [(0, KillCause.FILL_RATE), (1, KillCause.NONE)])
def test_a_fill_window_that_expires_after_the_program_ran_is_new_on_the_beat(
    late: int, kill: KillCause
) -> None:
    # FILL_MAX 3 in a window of 400 units (a unit is a cycle here): the fourth fill kills
    # unless the window started by the first has expired on its beat. Its program runs 20
    # units after the window started, long before.
    size = {"n_instruments": 1, "n_order_slots": 3}
    limits = sc.standard_limits()
    window = limits[LimitId.FILL_WINDOW]
    setup = [*armed_setup(), sc.order(1, 4)]
    events: list[tuple[int, Message | None]] = [(10 + 7 * i, m) for i, m in enumerate(setup)]
    first = window + 20  # the first window, from power-up, is over
    events += [(first + 10 * i, sc.fill(1, 1500, 1)) for i in range(3)]
    beat = first + 2 + window - 1 + late
    events.append((beat, sc.fill(1, 1500, 1)))
    file = build_programs(**size)
    model = GuardModel(time_unit_cycles=1, **size)
    samples = replay(file, events, model, {MessageType.FILL}, lead=beat - (first + 22))
    assert [s.kill for s in samples] == [KillCause.NONE] * 3 + [kill]
    assert _check(file, samples)
