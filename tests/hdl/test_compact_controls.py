# amaranth: UnusedElaboratable=no
"""The SET_LIMIT, SET_INSTRUMENT, SET_POSITION and ARM programs against GuardModel."""

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
    state_regs,
)

from hdl.compact.controls import control_result, control_state
from hdl.compact.programs import build_programs
from hdl.compact.register_file import GuardFile
from hdl.protocol import N_INSTRUMENTS, AckResult, ArmMode, LimitId, MessageType
from host.link.codec import Message
from host.link.model import GuardModel
from sim import scenarios as sc


def _entries(file: GuardFile, message: Message) -> tuple[int, int | None]:
    asm = file.assembler
    if message.type == MessageType.ARM:
        return asm.entries["arm"], None
    if message.type == MessageType.SET_LIMIT:
        name, index, count = "set_limit", message["limit_id"], len(LimitId)
    elif message.type == MessageType.SET_INSTRUMENT:
        name, index, count = "set_instrument", message["instrument"], len(file.instruments)
    else:
        name, index, count = "set_position", message["instrument"], len(file.instruments)
    if index >= count:
        return asm.entries[f"{name}_unknown"], None
    return asm.entries[f"{name}{index}"], asm.entries[f"{name}{index}_update"]


_CONTROLS = (
    MessageType.SET_LIMIT,
    MessageType.SET_INSTRUMENT,
    MessageType.SET_POSITION,
    MessageType.ARM,
)


def _controls(file: GuardFile, events: list, model: GuardModel) -> list[Sample]:
    return replay(file, events, model, set(_CONTROLS))


def _check(file: GuardFile, samples: list[Sample]) -> set[AckResult]:
    asm = file.assembler
    state = state_regs(file, samples[0].after)

    def then(run: int, flags: dict[str, bool], between: dict[str, list[int]]) -> Any:
        _, update = _entries(file, samples[run].message)
        return None if update is None else (update, {})

    results = run_programs(
        asm,
        [(checked(file, s.message, _entries(file, s.message)[0]), s.before) for s in samples],
        state,
        scope="control",
        then=then,
    )
    numbers = asm.flags_of("control")
    for index, (sample, run) in enumerate(zip(samples, results, strict=True)):
        result = control_result(flag_bits(run.flags, numbers), numbers)
        want = AckResult(sample.responses[0]["result"])
        assert result == want, f"control {index}: {result.name} != {want.name}"
        # what the core does with the state on the update stage
        mode = sample.message["mode"] if sample.message.type == MessageType.ARM else 0
        expected = control_state(sample.message.type, mode, result, sample.state_before)
        assert sample.state_after == expected, f"control {index}"
        assert_words(run.words, sample.after, state, f"control {index}")
    return {AckResult(sample.responses[0]["result"]) for sample in samples}


def _random_traffic(seed: int, actions: int, **size: int) -> list[tuple[int, Message | None]]:
    messages = random_traffic(seed, actions, **size)
    cycle = messages[-1][0] + 7
    # arguments the traffic does not try: every bad value next to a good one
    for limit in LimitId:
        for value in (0, 1, (1 << 40) - 1, size["n_order_slots"] + 1):
            messages.append((cycle, sc.set_limit(limit, value)))
            cycle += 7
    messages += [(cycle + 7 * i, m) for i, m in enumerate(_edge_controls())]
    return messages


def _edge_controls() -> list[Message]:
    return [
        Message(MessageType.SET_LIMIT, {"limit_id": len(LimitId), "value": 5}),
        sc.set_instrument(0, min_price=2000, max_price=1999),
        sc.set_instrument(0, min_price=2000, max_price=2000),
        sc.set_instrument(0, band_ticks=0),
        sc.set_instrument(N_INSTRUMENTS - 1),
        sc.set_position(0, 5, 0),
        sc.set_position(0, 0, 0),
        sc.set_position(0, -(1 << 23), 3000),
        sc.set_position(N_INSTRUMENTS - 1, 1, 1),
        Message(MessageType.ARM, {"mode": 2}),
        sc.arm(),
        # no instrument enabled: LIMITS_INCOMPLETE, then the neighbour OK
        *(sc.set_instrument(index, enabled=False) for index in range(N_INSTRUMENTS)),
        sc.arm(),
        sc.set_instrument(0),
        sc.arm(ArmMode.REDUCING),
    ]


@pytest.mark.parametrize(("n_instruments", "seed"), [(1, 9), (2, 10)])
def test_the_control_programs_give_the_models_result_and_state(
    n_instruments: int, seed: int
) -> None:
    size = {"n_instruments": n_instruments, "n_order_slots": 2}
    file = build_programs(**size)
    messages = _random_traffic(seed, 2500, **size)
    seen = _check(file, _controls(file, messages, GuardModel(time_unit_cycles=3, **size)))
    assert seen == {AckResult.OK, AckResult.BAD_ARGUMENT, AckResult.LIMITS_INCOMPLETE}


@pytest.mark.parametrize("missing", [LimitId.MAX_ORDER_QTY, LimitId.CONFIRM_TICKS])
def test_arm_needs_every_limit(missing: LimitId) -> None:
    size = {"n_instruments": 1, "n_order_slots": 3}  # the standard MAX_OPEN_ORDERS
    file = build_programs(**size)
    limits = {k: v for k, v in sc.standard_limits().items() if k != missing}
    messages = [sc.set_instrument(0), *(sc.set_limit(k, v) for k, v in limits.items())]
    messages += [sc.arm(), sc.set_limit(missing, sc.standard_limits()[missing]), sc.arm()]
    samples = _controls(file, [(8 + 7 * i, m) for i, m in enumerate(messages)], GuardModel(**size))
    _check(file, samples)
    assert [s.responses[0]["result"] for s in samples[-3:]] == [
        AckResult.LIMITS_INCOMPLETE,
        AckResult.OK,
        AckResult.OK,
    ]
