# amaranth: UnusedElaboratable=no
"""The ORDER program of the compact check engine against GuardModel, on random traffic."""

import random
from dataclasses import dataclass

import pytest
from compact_sim import register_file, run_programs, value_words, words_value

from hdl.compact.microcode import Reg
from hdl.compact.orders import ORDER_REASON_FLAGS, order_reason
from hdl.compact.programs import build_programs
from hdl.compact.register_file import GuardFile
from hdl.protocol import LimitId, MessageType, Reason
from host.link.codec import Message
from host.link.model import GuardModel
from sim import scenarios as sc
from sim.traffic import RandomTraffic


@dataclass(frozen=True)
class Sample:
    """An ORDER of the traffic: the program to run, the register file before it, the model's
    verdict and the register file after it (same cycle)."""

    entry: int
    before: dict[Reg, int]
    reason: Reason
    after: dict[Reg, int]
    instrument: int


def _orders_with_verdicts(
    file: GuardFile, seed: int, actions: int, *, n_instruments: int, n_order_slots: int
) -> list[Sample]:
    """Run seeded random traffic through the model; per ORDER, a :class:`Sample`."""
    model = GuardModel(time_unit_cycles=3, n_instruments=n_instruments, n_order_slots=n_order_slots)
    traffic = RandomTraffic(seed)
    rng = random.Random(seed)
    samples = []
    cycle = 10

    def send(message: Message) -> None:
        nonlocal cycle
        model.poll(cycle)  # a watchdog kill due by now comes first
        if message.type == MessageType.ORDER:
            values = register_file(file, model, message, cycle)
        responses = model.receive(message, cycle)
        for response in responses:
            traffic.observe(response)
        if message.type == MessageType.ORDER:
            samples.append(
                Sample(
                    entry=file.entry("order", message["instrument"]),
                    before=values,
                    reason=Reason(responses[0]["reason"]),
                    after=register_file(file, model, message, cycle),
                    instrument=message["instrument"],
                )
            )
        cycle += rng.randint(5, 40)

    for message in traffic.setup():
        if message.type == MessageType.SET_LIMIT and message["limit_id"] == LimitId.MAX_OPEN_ORDERS:
            message = Message(MessageType.SET_LIMIT, {**message.fields, "value": n_order_slots})
        send(message)
    for _, action in zip(range(actions), traffic, strict=False):
        if action.kind == "message":
            assert action.message is not None
            send(action.message)
        elif action.kind == "button":
            model.press_kill_button(cycle)
            cycle += 5
        elif action.kind == "idle":
            cycle += action.cycles
    return samples


@pytest.mark.parametrize(("n_instruments", "n_order_slots", "seed"), [(1, 2, 1), (2, 3, 2)])
def test_the_order_program_gives_the_models_verdict(
    n_instruments: int, n_order_slots: int, seed: int
) -> None:
    file = build_programs(n_instruments=n_instruments, n_order_slots=n_order_slots)
    samples = _orders_with_verdicts(
        file, seed, 2500, n_instruments=n_instruments, n_order_slots=n_order_slots
    )
    results = run_programs(
        file.assembler, [(s.entry, s.before) for s in samples], [], scope="order"
    )
    numbers = file.assembler.flags_of("order")
    seen = set()
    for index, (sample, (flags, _, _)) in enumerate(zip(samples, results, strict=True)):
        raw = sum(1 << numbers[name] for name, value in flags.items() if value)
        got, want = order_reason(raw, numbers), sample.reason
        assert got == want, f"order {index} of {len(samples)}: engine {got.name}, model {want.name}"
        seen.add(want)
    assert len(seen) >= 12, sorted(r.name for r in seen)


@pytest.mark.parametrize(("n_instruments", "n_order_slots", "seed"), [(1, 2, 3), (2, 3, 4)])
def test_an_accepts_program_leaves_the_models_state(
    n_instruments: int, n_order_slots: int, seed: int
) -> None:
    file = build_programs(n_instruments=n_instruments, n_order_slots=n_order_slots)
    samples = [
        s
        for s in _orders_with_verdicts(
            file, seed, 2500, n_instruments=n_instruments, n_order_slots=n_order_slots
        )
        if s.reason == Reason.ACCEPT
    ]
    # the ages are the core's registers, and the message and scratch words are not state
    state = [
        reg
        for reg in samples[0].after
        if not reg.name.startswith("msg.")
        and reg not in (file.rate_age, file.dup_age)
        and reg not in {inst.ref_age for inst in file.instruments}
    ]
    results = run_programs(
        file.assembler,
        [(s.entry, s.before) for s in samples],
        state,
        scope="order",
        then=lambda run, flags: file.entry("accept", samples[run].instrument),
    )
    for index, (sample, (_, words, _)) in enumerate(zip(samples, results, strict=True)):
        for reg in state:
            got = words_value(words[reg.name], signed=reg.signed)
            want = sample.after[reg]
            if reg.signed:
                want = words_value(value_words(want, reg.words), signed=True)
            assert got == want, f"accept {index} of {len(samples)}: {reg.name} {got} != {want}"
    assert len(samples) > 50


def test_every_reason_has_a_flag_in_priority_order() -> None:
    assert list(ORDER_REASON_FLAGS.values()) == sorted(ORDER_REASON_FLAGS.values())
    file = build_programs(n_instruments=1, n_order_slots=2)
    assert set(ORDER_REASON_FLAGS) <= set(file.assembler.flags_of("order"))


def test_every_scenario_order_gets_the_models_verdict() -> None:
    # the directed scenarios trigger every reason and its neighbouring accept (the register
    # file's 256 words hold 2 instruments x 4 slots; the model is built the same size)
    size = {"n_instruments": 2, "n_order_slots": 4}
    file = build_programs(**size)
    samples = []
    for scenario in sc.scenarios():
        model = GuardModel(time_unit_cycles=4, **size)
        cycle = 8
        for step in scenario.steps:
            cycle += step.wait_units * model.time_unit_cycles
            if step.send is not None:
                model.poll(cycle)
                if step.send.type == MessageType.ORDER:
                    values = register_file(file, model, step.send, cycle)
                responses = model.receive(step.send, cycle)
                if step.send.type == MessageType.ORDER:
                    entry = file.entry("order", step.send["instrument"])
                    samples.append((scenario.name, entry, values, Reason(responses[0]["reason"])))
            cycle += 8
    results = run_programs(
        file.assembler, [(entry, values) for _, entry, values, _ in samples], [], scope="order"
    )
    numbers = file.assembler.flags_of("order")
    for (name, _, _, want), (flags, _, _) in zip(samples, results, strict=True):
        raw = sum(1 << numbers[flag] for flag, value in flags.items() if value)
        assert order_reason(raw, numbers) == want, name
    assert {want for *_, want in samples} == set(ORDER_REASON_FLAGS.values()) | {Reason.ACCEPT}
