# amaranth: UnusedElaboratable=no
"""The ORDER programs of the compact check engine against GuardModel: random traffic, the
directed scenarios, and the timers the core finishes on the beat."""

from typing import Any

import pytest
from compact_sim import (
    Run,
    Sample,
    armed_setup,
    assert_words,
    checked,
    flag_bits,
    random_traffic,
    register_file,
    replay,
    run_programs,
    scenario_messages,
    state_regs,
    words_value,
)

from hdl.compact.microcode import Reg
from hdl.compact.orders import ORDER_REASON_FLAGS, ORDER_TIMERS, order_reason
from hdl.compact.programs import build_programs
from hdl.compact.register_file import GuardFile
from hdl.compact.timers import beat_word, finish_timers, timer_fired
from hdl.protocol import LimitId, MessageType, Reason
from host.link.codec import Message
from host.link.model import GuardModel
from sim import scenarios as sc


def _order_runs(file: GuardFile, samples: list[Sample], *, updates: bool) -> list[Run]:
    """Each ORDER's check program; with ``updates``, an accept's updates after it (the core
    finishes the timers on the beat and writes ``beat`` and ``unit`` first)."""
    numbers = file.assembler.flags_of("order")

    def then(run: int, flags: dict[str, bool], between: dict[str, list[int]]) -> Any:
        sample = samples[run]
        fired = [
            timer_fired(
                flag_bits(flags, numbers), numbers, k, _headroom(between, reg), sample.elapsed
            )
            for k, reg in enumerate(file.timers)
        ]
        unit = {file.unit: sample.update_unit, file.beat: beat_word(fired)}
        return file.entry("accept", sample.message["instrument"]), unit

    return run_programs(
        file.assembler,
        [
            (checked(file, s.message, file.entry("order", s.message["instrument"])), s.before)
            for s in samples
        ],
        state_regs(file, samples[0].after) if updates else [],
        between=file.timers,
        then=then if updates else None,
        scope="order",
    )


def _headroom(between: dict[str, list[int]], reg: Reg) -> int:
    return words_value(between[reg.name])


def _verdict(file: GuardFile, run: Run, elapsed: int) -> Reason:
    """The reason the core gives ``elapsed`` units after the program's run: the program's
    flags with the timers finished on the beat."""
    numbers = file.assembler.flags_of("order")
    headrooms = [_headroom(run.between, reg) for reg in file.timers]
    flags = finish_timers(
        flag_bits(run.check_flags, numbers), numbers, ORDER_TIMERS, headrooms, elapsed
    )
    return order_reason(flags, numbers)


def _orders(file: GuardFile, events: list, seed: int, **size: int) -> list[Sample]:
    model = GuardModel(time_unit_cycles=3, **size)
    return replay(file, events, model, {MessageType.ORDER}, seed=seed)


@pytest.mark.parametrize(("n_instruments", "n_order_slots", "seed"), [(1, 2, 1), (2, 3, 2)])
def test_the_order_program_gives_the_models_verdict(
    n_instruments: int, n_order_slots: int, seed: int
) -> None:
    size = {"n_instruments": n_instruments, "n_order_slots": n_order_slots}
    file = build_programs(**size)
    samples = _orders(file, random_traffic(seed, 2500, **size), seed, **size)
    seen = set()
    for index, (sample, run) in enumerate(
        zip(samples, _order_runs(file, samples, updates=False), strict=True)
    ):
        got, want = _verdict(file, run, sample.elapsed), Reason(sample.responses[0]["reason"])
        assert got == want, f"order {index} of {len(samples)}: engine {got.name}, model {want.name}"
        seen.add(want)
    assert len(seen) >= 12, sorted(r.name for r in seen)


@pytest.mark.parametrize(("n_instruments", "n_order_slots", "seed"), [(1, 2, 3), (2, 3, 4)])
def test_an_accepts_program_leaves_the_models_state(
    n_instruments: int, n_order_slots: int, seed: int
) -> None:
    size = {"n_instruments": n_instruments, "n_order_slots": n_order_slots}
    file = build_programs(**size)
    samples = [
        s
        for s in _orders(file, random_traffic(seed, 2500, **size), seed, **size)
        if s.responses[0]["reason"] == Reason.ACCEPT
    ]
    state = state_regs(file, samples[0].after)
    runs = _order_runs(file, samples, updates=True)
    for index, (sample, run) in enumerate(zip(samples, runs, strict=True)):
        assert _verdict(file, run, sample.elapsed) == Reason.ACCEPT
        assert_words(run.words, sample.after, state, f"accept {index} of {len(samples)}")
    assert len(samples) > 50


_SIZE = {"n_instruments": 1, "n_order_slots": 3}


def _setup(**changed: int) -> list[tuple[int, Message]]:
    """The scenario setup (limits with ``changed`` ones, instrument 0, a tick, ARM), one
    message every 7 units (a unit is a cycle here)."""
    return [(10 + 7 * index, message) for index, message in enumerate(armed_setup(**changed))]


def _edge(
    setup: list[tuple[int, Message]], order: Message, beat: int, run_unit: int
) -> tuple[Reason, Reason, Reason]:
    """The model's verdict on ``order`` at ``beat`` after ``setup``; the core's, with the
    program run at ``run_unit``; and the program's alone (its timers as they were at the run)."""
    file = build_programs(**_SIZE)
    model = GuardModel(time_unit_cycles=1, **_SIZE)
    for cycle, message in setup:
        model.poll(cycle)
        model.receive(message, cycle)
    before = register_file(file, model, order, run_unit)
    model.poll(beat)
    want = Reason(model.receive(order, beat)[0]["reason"])
    entries = checked(file, order, file.entry("order", 0))
    [run] = run_programs(
        file.assembler, [(entries, before)], [], between=file.timers, scope="order"
    )
    return want, _verdict(file, run, beat - run_unit), _verdict(file, run, 0)


@pytest.mark.parametrize(("late", "reason"), [(0, Reason.ACCEPT), (1, Reason.STALE_REFERENCE)])
def test_a_reference_that_goes_stale_after_the_program_ran_is_stale_on_the_beat(
    late: int, reason: Reason
) -> None:
    setup = _setup()
    stamp = setup[-2][0] + 2  # the tick's, in units
    beat = stamp + sc.standard_limits()[LimitId.STALE_AFTER] + late
    want, core, alone = _edge(setup, sc.order(1, 1, 1500), beat, run_unit=stamp)
    assert (want, core, alone) == (reason, reason, Reason.ACCEPT)


@pytest.mark.parametrize(("late", "reason"), [(0, Reason.DUPLICATE_ORDER), (1, Reason.ACCEPT)])
def test_a_duplicate_window_that_ends_after_the_program_ran_is_over_on_the_beat(
    late: int, reason: Reason
) -> None:
    setup = _setup()
    first = setup[-1][0] + 7
    setup.append((first, sc.order(1, 1, 1500)))
    beat = first + 2 + sc.standard_limits()[LimitId.DUP_WINDOW] + late
    want, core, alone = _edge(setup, sc.order(2, 1, 1500), beat, run_unit=first + 2)
    assert (want, core, alone) == (reason, reason, Reason.DUPLICATE_ORDER)


@pytest.mark.parametrize(("late", "reason"), [(0, Reason.RATE_LIMIT), (1, Reason.ACCEPT)])
def test_a_rate_window_that_expires_after_the_program_ran_is_new_on_the_beat(
    late: int, reason: Reason
) -> None:
    window = 150
    setup = _setup(rate_max_orders=1, rate_window=window)
    # the first window, from power-up, is over: this order starts one
    first = window + 10
    setup.append((first, sc.order(1, 1, 1500)))
    # a fresh reference before the next order, whose program runs after it
    setup.append((first + 100, sc.tick(0, 101, 1490, 1510)))
    beat = first + 2 + window - 1 + late
    want, core, alone = _edge(setup, sc.order(2, 2, 1500), beat, run_unit=first + 102)
    assert (want, core, alone) == (reason, reason, Reason.RATE_LIMIT)


def test_every_reason_has_a_flag_in_priority_order() -> None:
    assert list(ORDER_REASON_FLAGS.values()) == sorted(ORDER_REASON_FLAGS.values())
    file = build_programs(n_instruments=1, n_order_slots=2)
    assert set(ORDER_REASON_FLAGS) <= set(file.assembler.flags_of("order"))


def test_every_scenario_order_gets_the_models_verdict() -> None:
    # the directed scenarios trigger every reason and its neighbouring accept (the register
    # file's 256 words hold 2 instruments x 3 slots, the scenarios' MAX_OPEN_ORDERS; the model
    # is built the same size)
    size = {"n_instruments": 2, "n_order_slots": 3}
    file = build_programs(**size)
    samples = []
    for seed, scenario in enumerate(sc.scenarios()):
        model = GuardModel(time_unit_cycles=4, **size)
        samples += replay(file, scenario_messages(scenario), model, {MessageType.ORDER}, seed=seed)
    seen = set()
    for sample, run in zip(samples, _order_runs(file, samples, updates=False), strict=True):
        want = Reason(sample.responses[0]["reason"])
        assert _verdict(file, run, sample.elapsed) == want, sample
        seen.add(want)
    assert seen == set(ORDER_REASON_FLAGS.values()) | {Reason.ACCEPT}
