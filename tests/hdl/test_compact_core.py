# amaranth: UnusedElaboratable=no
"""CompactGuardCore against GuardModel: verdicts, ack results and the trading state, with
the payload shown a lead before each beat, in Amaranth's simulator."""

import random
from dataclasses import dataclass, field
from typing import Any

import pytest
from amaranth.sim import Simulator
from compact_sim import random_traffic, scenario_messages

from hdl.compact.core import CompactGuardCore
from hdl.guard_spec import UPDATE_STAGE
from hdl.protocol import MessageType, Reason, TradingState
from host.link.codec import Message
from host.link.model import GuardModel
from sim import scenarios as sc
from sim.beats import message_to_beat

#: Clock cycles per time unit, unless a test needs messages closer in time units.
_UNIT = 50


def _timing(time_unit_cycles: int, **size: int) -> tuple[int, int]:
    """(lead, spacing): the payload shows exactly the core's ``lead_cycles`` before its beat
    (the contract, tight), and beats are that plus ``update_cycles`` apart at the least."""
    core = CompactGuardCore(clock_hz=1_000_000, time_unit_cycles=time_unit_cycles, **size)
    return core.lead_cycles, core.lead_cycles + core.update_cycles


@dataclass
class Schedule:
    """What the bench drives, and what the model expects, cycle by cycle."""

    payloads: dict[int, Message] = field(default_factory=dict)  # shown (and ready) from
    beats: dict[int, Message] = field(default_factory=dict)
    presses: set[int] = field(default_factory=set)
    verdicts: list[tuple[int, int, int]] = field(default_factory=list)  # (cycle, type, code)
    states: dict[int, int] = field(default_factory=dict)  # cycle -> state then
    end: int = 0


def _code(response: Message) -> int:
    for name in ("reason", "result"):
        if name in response.fields:
            return response[name]
    return 0


def _schedule(
    events: list[tuple[int, Message | None]],
    model: GuardModel,
    rng: random.Random,
    *,
    scale: float = 1.0,
    leads: dict[int, int] | None = None,
) -> Schedule:
    """Re-time ``events`` (a message or a button press, with its cycle) for the compact core:
    their gaps times ``scale``, and at least the spacing between messages; and run the model
    on them. ``leads`` gives some messages (by index) a shorter lead than the contract's."""
    size = {"n_instruments": model.n_instruments, "n_order_slots": model.n_order_slots}
    lead, spacing = _timing(model.time_unit_cycles, **size)
    plan = Schedule()
    cycle = spacing
    previous = events[0][0] if events else 0
    for when, message in events:
        cycle += max(0, round((when - previous) * scale) - spacing)
        previous = when
        if message is None:
            press = cycle - rng.randint(lead // 2, lead)  # between two messages' updates
            plan.presses.add(press)
            model.press_kill_button(press)
            continue
        beat = cycle + rng.randint(0, 200)
        plan.payloads[beat - (leads or {}).get(len(plan.beats), lead)] = message
        plan.beats[beat] = message
        model.poll(beat)
        responses = model.receive(message, beat)
        answer = [r for r in responses if r.type != MessageType.ALERT]
        if answer:
            plan.verdicts.append((beat + UPDATE_STAGE, int(message.type), _code(answer[0])))
        model.poll(beat + UPDATE_STAGE + 1)
        plan.states[beat + UPDATE_STAGE + 1] = model.state
        cycle = beat + spacing
    plan.end = cycle
    return plan


def _run(
    plan: Schedule, time_unit_cycles: int, **size: int
) -> tuple[list, dict[int, int], list[int]]:
    dut = CompactGuardCore(clock_hz=1_000_000, time_unit_cycles=time_unit_cycles, **size)
    verdicts: list[tuple[int, int, int]] = []
    states: dict[int, int] = {}
    overruns: list[int] = []

    # the bench wakes up only where something happens: a payload, a beat and the two cycles
    # after it (the verdict, the state), a button press
    wake = sorted(
        set(plan.payloads)
        | {beat + offset for beat in plan.beats for offset in (0, 1, 2)}
        | plan.presses
        | {plan.end}
    )

    async def bench(ctx: Any) -> None:
        cycle = 0
        for next_cycle in wake:
            if next_cycle > cycle:
                await ctx.tick().repeat(next_cycle - cycle)
                cycle = next_cycle
            shown = plan.payloads.get(cycle)
            ctx.set(dut.i_payload_ready, shown is not None)
            if shown is not None:
                message_type, payload = message_to_beat(shown)
                ctx.set(dut.i_msg.payload.type, message_type)
                ctx.set(dut.i_msg.payload.payload, payload)
            ctx.set(dut.i_msg.valid, cycle in plan.beats)
            ctx.set(dut.i_kill_button, cycle in plan.presses)
            if ctx.get(dut.o_verdict.valid):
                verdict = dut.o_verdict.payload
                verdicts.append((cycle, ctx.get(verdict.type), ctx.get(verdict.code)))
            if ctx.get(dut.o_overrun):
                overruns.append(cycle)
            if cycle in plan.states:
                states[cycle] = ctx.get(dut.o_state)
            await ctx.tick()
            cycle += 1
            ctx.set(dut.i_payload_ready, 0)
            ctx.set(dut.i_msg.valid, 0)
            ctx.set(dut.i_kill_button, 0)

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    return verdicts, states, overruns


def _check(plan: Schedule, time_unit_cycles: int, **size: int) -> None:
    verdicts, states, overruns = _run(plan, time_unit_cycles, **size)
    assert overruns == []
    for got, want in zip(verdicts, plan.verdicts, strict=True):
        assert got == want, f"cycle {want[0]}: {MessageType(want[1]).name} {got[2]} != {want[2]}"
    for cycle, want in plan.states.items():
        assert states[cycle] == want, f"state after the message at {cycle - 2}"


@pytest.mark.parametrize(("n_instruments", "n_order_slots", "seed"), [(1, 2, 21), (2, 3, 22)])
def test_the_compact_core_gives_the_models_verdicts_and_state(
    n_instruments: int, n_order_slots: int, seed: int
) -> None:
    size = {"n_instruments": n_instruments, "n_order_slots": n_order_slots}
    model = GuardModel(time_unit_cycles=_UNIT, **size)
    # the traffic's gaps are for 3 cycles a unit: its idle stretches stay as long in units
    events = random_traffic(seed, 200, **size)
    plan = _schedule(events, model, random.Random(seed), scale=_UNIT / 3)
    _check(plan, _UNIT, **size)


def test_every_scenario_gets_the_models_verdicts_on_the_compact_core() -> None:
    size = {"n_instruments": 2, "n_order_slots": 3}
    unit = 100  # messages a few units apart, as the scenarios' windows expect
    reasons, states = set(), set()
    for seed, scenario in enumerate(sc.scenarios()):
        model = GuardModel(time_unit_cycles=unit, **size)
        events = scenario_messages(scenario, time_unit_cycles=unit)  # its waits, in units
        plan = _schedule(events, model, random.Random(seed))
        _check(plan, unit, **size)
        reasons |= {code for _, kind, code in plan.verdicts if kind == MessageType.ORDER}
        states |= set(plan.states.values())
    # the scenarios' intent survives the spacing: every reason, and every state
    assert reasons == {int(reason) for reason in Reason if reason < 0x40}
    assert states == set(TradingState)


def test_a_message_whose_programs_have_not_finished_is_not_taken() -> None:
    # the host gets no reply and fails closed; KILL needs no program and is always taken
    size = {"n_instruments": 1, "n_order_slots": 2}
    lead, _ = _timing(_UNIT, **size)
    model = GuardModel(time_unit_cycles=_UNIT, **size)
    setup = [sc.set_limit(limit, value) for limit, value in sc.standard_limits().items()]
    setup += [sc.set_instrument(0), sc.tick(0, 100, 1490, 1510), sc.arm()]
    events: list[tuple[int, Message | None]] = [(0, message) for message in setup]
    events += [(0, sc.order(1, 1)), (0, sc.kill())]
    early = {len(setup): lead // 2, len(setup) + 1: 2}
    plan = _schedule(events, model, random.Random(0), leads=early)
    verdicts, states, overruns = _run(plan, _UNIT, **size)
    order_beat, kill_beat = sorted(plan.beats)[-2:]
    assert overruns == [order_beat]
    # every verdict but the ORDER's (the model's accept), and the KILL's state
    assert verdicts == [v for v in plan.verdicts if v[0] != order_beat + UPDATE_STAGE]
    assert states[kill_beat + 2] == TradingState.HALTED
