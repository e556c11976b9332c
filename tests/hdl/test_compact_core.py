# amaranth: UnusedElaboratable=no
"""CompactGuardCore against GuardModel: every response and ALERT on its cycle and the trading
state, with the payload shown a lead before each beat, in Amaranth's simulator."""

import random
from dataclasses import dataclass, field
from typing import Any

import pytest
from amaranth.sim import Simulator
from compact_sim import armed_setup, every_status_section, random_traffic, scenario_messages

from hdl.compact.core import CompactGuardCore
from hdl.guard_spec import (
    COUNTER_BAD_FRAMES,
    COUNTERS_PER_PAGE,
    UPDATE_STAGE,
    VERDICT_LATENCY,
    instrument_section,
    kill_counter,
)
from hdl.protocol import (
    PROTOCOL_VERSION,
    AckResult,
    KillCause,
    MessageType,
    Reason,
    Side,
    StatusSection,
    TradingState,
)
from host.link.codec import Message
from host.link.model import GuardModel
from sim import scenarios as sc
from sim.beats import beat_to_message, message_to_beat

#: Clock cycles per time unit, unless a test needs messages closer in time units.
_UNIT = 50
#: The model's default clock, which HELLO_REPLY reports.
_CLOCK_HZ = 12_000_000


def _timing(time_unit_cycles: int, **size: int) -> tuple[int, int]:
    """(lead, spacing): the payload shows exactly the core's ``lead_cycles`` before its beat
    (the contract, tight), and beats are that plus ``update_cycles`` apart at the least."""
    core = CompactGuardCore(clock_hz=_CLOCK_HZ, time_unit_cycles=time_unit_cycles, **size)
    return core.lead_cycles, core.lead_cycles + core.update_cycles


@dataclass
class Schedule:
    """What the bench drives, and what the model expects, cycle by cycle."""

    payloads: dict[int, Message] = field(default_factory=dict)  # shown (and ready) from
    beats: dict[int, Message] = field(default_factory=dict)
    presses: set[int] = field(default_factory=set)
    bad_frames: set[int] = field(default_factory=set)  # i_bad_frame strobes
    drops: set[int] = field(default_factory=set)  # i_rsp_dropped strobes
    responses: list[tuple[int, Message]] = field(default_factory=list)  # on o_rsp
    states: dict[int, int] = field(default_factory=dict)  # cycle -> state then
    end: int = 0

    def expect(self, beats: list[tuple[int, Message]]) -> None:
        self.responses += beats


def _schedule(
    events: list[tuple[int, Message | None]],
    model: GuardModel,
    rng: random.Random,
    *,
    scale: float = 1.0,
    leads: dict[int, int] | None = None,
    presses_after: dict[int, int] | None = None,
    gaps: dict[int, int] | None = None,
    strobes: dict[int, list[tuple[int, str]]] | None = None,
) -> Schedule:
    """Re-time ``events`` (a message or a button press, with its cycle) for the compact core:
    their gaps times ``scale``, and at least the spacing between messages; and run the model
    on them. ``leads`` gives some messages (by index) a shorter lead than the contract's;
    ``presses_after`` presses the button that many cycles after some messages' beats;
    ``gaps`` puts some messages' beats that many cycles after the previous beat; ``strobes``
    gives some messages bad frames and lost responses (``"bad"``, ``"drop"``) that many
    cycles from their beats (within the update stage after it)."""
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
            plan.expect(model.poll(press))
            plan.expect(model.press_kill_button(press))
            continue
        beat = cycle + rng.randint(0, 200)
        gap = (gaps or {}).get(len(plan.beats))
        if gap is not None:
            beat = max(plan.beats) + gap
        plan.payloads[beat - (leads or {}).get(len(plan.beats), lead)] = message
        around = sorted((strobes or {}).get(len(plan.beats), []))
        plan.beats[beat] = message
        for offset, kind in around:
            if offset <= 0:
                count(plan, model, beat + offset, kind)
        plan.expect(model.poll(beat))
        responses = model.receive(message, beat)
        for offset, kind in around:
            if offset > 0:
                count(plan, model, beat + offset, kind)
        plan.expect([(beat + VERDICT_LATENCY, response) for response in responses])
        after = (presses_after or {}).get(len(plan.beats) - 1)
        if after is not None and after <= UPDATE_STAGE:
            plan.presses.add(beat + after)
            plan.expect(model.press_kill_button(beat + after))
        plan.expect(model.poll(beat + UPDATE_STAGE + 1))
        plan.states[beat + UPDATE_STAGE + 1] = model.state
        if after is not None and after > UPDATE_STAGE:
            plan.presses.add(beat + after)
            plan.expect(model.press_kill_button(beat + after))
        cycle = beat + spacing
    plan.end = cycle
    plan.expect(model.poll(plan.end))
    return plan


def count(plan: Schedule, model: GuardModel, cycle: int, kind: str) -> None:
    """A bad frame or a lost response on ``cycle``, for the core and the model."""
    if kind == "bad":
        plan.bad_frames.add(cycle)
        model.bad_frame(cycle)
    else:
        plan.drops.add(cycle)
        model.response_dropped(cycle)


def _run(
    plan: Schedule, time_unit_cycles: int, **size: int
) -> tuple[list, dict[int, int], list[int]]:
    dut = CompactGuardCore(clock_hz=_CLOCK_HZ, time_unit_cycles=time_unit_cycles, **size)
    responses: list[tuple[int, Message]] = []
    states: dict[int, int] = {}
    overruns: list[int] = []

    # the bench wakes up only where something happens: a payload, a beat and the cycles after
    # it (the update stage, the response, an ALERT), a button press and the cycles after it,
    # and wherever the model expects a response
    wake = sorted(
        set(plan.payloads)
        | {beat + offset for beat in plan.beats for offset in range(4)}
        | {press + offset for press in plan.presses for offset in range(3)}
        | {strobe + offset for strobe in plan.bad_frames | plan.drops for offset in range(2)}
        | {cycle for cycle, _ in plan.responses}
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
            ctx.set(dut.i_bad_frame, cycle in plan.bad_frames)
            ctx.set(dut.i_rsp_dropped, cycle in plan.drops)
            if ctx.get(dut.o_rsp.valid):
                rsp = dut.o_rsp.payload
                message = beat_to_message(ctx.get(rsp.type), ctx.get(rsp.payload))
                responses.append((cycle, message))
            if ctx.get(dut.o_overrun):
                overruns.append(cycle)
            if cycle in plan.states:
                states[cycle] = ctx.get(dut.o_state)
            await ctx.tick()
            cycle += 1
            ctx.set(dut.i_payload_ready, 0)
            ctx.set(dut.i_msg.valid, 0)
            ctx.set(dut.i_kill_button, 0)
            ctx.set(dut.i_bad_frame, 0)
            ctx.set(dut.i_rsp_dropped, 0)

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    return responses, states, overruns


def _check(plan: Schedule, time_unit_cycles: int, **size: int) -> None:
    responses, states, overruns = _run(plan, time_unit_cycles, **size)
    assert overruns == []
    for got, want in zip(responses, plan.responses, strict=True):
        assert got == want, f"cycle {want[0]}: {got[1]} != {want[1]}"
    for cycle, want in plan.states.items():
        assert states[cycle] == want, f"state after the message at {cycle - 2}"


@pytest.mark.parametrize(("n_instruments", "n_order_slots", "seed"), [(1, 2, 21), (2, 3, 22)])
def test_the_compact_core_gives_the_models_responses_and_state(
    n_instruments: int, n_order_slots: int, seed: int
) -> None:
    size = {"n_instruments": n_instruments, "n_order_slots": n_order_slots}
    model = GuardModel(time_unit_cycles=_UNIT, **size)
    # the traffic's gaps are for 3 cycles a unit: its idle stretches stay as long in units
    events = random_traffic(seed, 200, **size)
    plan = _schedule(events, model, random.Random(seed), scale=_UNIT / 3)
    _check(plan, _UNIT, **size)
    # STATUS was in what was compared, counters counted among it
    replies = [r for _, r in plan.responses if r.type == MessageType.STATUS_REPLY]
    counted = [r for r in replies if 0 <= r["section"] - StatusSection.COUNTERS_0 < 8]
    assert any(r[f"words[{k}]"] for r in counted for k in range(4))


def test_every_scenario_gets_the_models_responses_on_the_compact_core() -> None:
    size = {"n_instruments": 2, "n_order_slots": 3}
    unit = 100  # messages a few units apart, as the scenarios' windows expect
    reasons, states = set(), set()
    for seed, scenario in enumerate(sc.scenarios()):
        model = GuardModel(time_unit_cycles=unit, **size)
        events = scenario_messages(scenario, time_unit_cycles=unit)  # its waits, in units
        plan = _schedule(events, model, random.Random(seed))
        _check(plan, unit, **size)
        reasons |= {r["reason"] for _, r in plan.responses if r.type == MessageType.ORDER_VERDICT}
        states |= set(plan.states.values())
    # the scenarios' intent survives the spacing: every reason, and every state
    assert reasons == {int(reason) for reason in Reason if reason < 0x40}
    assert states == set(TradingState)


def test_a_message_whose_programs_have_not_finished_is_not_taken() -> None:
    # the host gets no reply and fails closed; KILL needs no program and is always taken
    size = {"n_instruments": 1, "n_order_slots": 2}
    lead, _ = _timing(_UNIT, **size)
    model = GuardModel(time_unit_cycles=_UNIT, **size)
    setup = armed_setup()
    events: list[tuple[int, Message | None]] = [(0, message) for message in setup]
    events += [(0, sc.order(1, 1)), (0, sc.kill())]
    early = {len(setup): lead // 2, len(setup) + 1: 2}
    plan = _schedule(events, model, random.Random(0), leads=early)
    responses, states, overruns = _run(plan, _UNIT, **size)
    order_beat, kill_beat = sorted(plan.beats)[-2:]
    assert overruns == [order_beat]
    # every response but the ORDER's (the model's accept), and the KILL's state
    assert responses == [r for r in plan.responses if r[0] != order_beat + VERDICT_LATENCY]
    assert states[kill_beat + 2] == TradingState.HALTED


def test_the_button_races_a_message_on_its_update_stage_as_the_model_says() -> None:
    # a press on the cycle a message writes the state reads the state from before it and
    # wins: it takes over a KILL's or a fill's kill (one ALERT, BUTTON); an ORDER already
    # judged on that cycle stands
    size = {"n_instruments": 1, "n_order_slots": 3}
    setup = armed_setup()
    messages = [
        *setup,
        Message(MessageType.HELLO, {"version": PROTOCOL_VERSION}),
        sc.heartbeat(),
        sc.kill(),  # pressed on its update stage
        sc.arm(),
        sc.set_position(0, 99, 1500),
        sc.arm(),
        sc.order(1, 2),
        sc.fill(1, 1500, 2),  # a position breach, pressed on its update stage
        sc.cancel_all(),
        sc.arm(),
        sc.order(2, 1),  # pressed on its update stage
        sc.heartbeat(),
    ]
    presses = {len(setup) + 2: 1, len(setup) + 7: 1, len(setup) + 10: 1}
    presses[len(setup) + 11] = 300  # while HALTED: nothing
    events: list[tuple[int, Message | None]] = [(0, message) for message in messages]
    model = GuardModel(time_unit_cycles=_UNIT, **size)
    plan = _schedule(events, model, random.Random(1), presses_after=presses)
    alerts = [r["cause"] for _, r in plan.responses if r.type == MessageType.ALERT]
    assert alerts == [KillCause.BUTTON] * 3
    assert any(r.type == MessageType.HELLO_REPLY for _, r in plan.responses)
    _check(plan, _UNIT, **size)


def test_a_kill_during_an_update_program_leaves_it_to_finish() -> None:
    # KILL needs no program and may come right after an accept, and the next payload right
    # after it: the accept's updates must still land first (the CANCEL finds the order),
    # and the KILL still halts
    size = {"n_instruments": 1, "n_order_slots": 3}
    lead, spacing = _timing(_UNIT, **size)
    setup = armed_setup()
    messages = [*setup, sc.order(1, 2), sc.kill(), sc.cancel(1)]
    events: list[tuple[int, Message | None]] = [(0, message) for message in messages]
    model = GuardModel(time_unit_cycles=_UNIT, **size)
    kill, cancel = len(setup) + 1, len(setup) + 2
    # the CANCEL's payload 10 cycles after the KILL, while the accept's program runs: it
    # waits for it, then needs its lead
    update = spacing - lead
    leads = {kill: 2, cancel: update + lead - 10}
    gaps = {kill: 20, cancel: update + lead}
    plan = _schedule(events, model, random.Random(2), leads=leads, gaps=gaps)
    assert [r["result"] for _, r in plan.responses[-2:]] == [AckResult.OK, AckResult.OK]
    assert plan.responses[-3][1]["reason"] == Reason.ACCEPT
    _check(plan, _UNIT, **size)


def test_a_payload_that_replaces_another_waits_for_its_programs() -> None:
    # a frame whose payload was complete but that never beat (its CRC failed), and the next
    # frame's payload while its check program runs: the new one's words must not be written
    # over by the old program, which still runs
    size = {"n_instruments": 1, "n_order_slots": 3}
    lead, spacing = _timing(_UNIT, **size)
    setup = armed_setup()
    messages = [*setup, sc.order(1, 2), sc.cancel(1)]
    events: list[tuple[int, Message | None]] = [(0, message) for message in messages]
    model = GuardModel(time_unit_cycles=_UNIT, **size)
    cancel = len(setup) + 1
    plan = _schedule(events, model, random.Random(3), gaps={cancel: spacing + 400})
    cancel_payload = max(plan.beats) - lead
    abandoned = sc.order(7, 9, 1999, side=Side.SELL)  # the model never sees it
    plan.payloads[cancel_payload - 150] = abandoned
    assert plan.responses[-1][1]["result"] == AckResult.OK
    _check(plan, _UNIT, **size)


def test_status_counts_bad_frames_and_lost_responses_up_to_two_cycles_before_its_beat() -> None:
    # the counter page of bad frames and drops read with a strobe on every cycle around its
    # beat (one a cycle: two on one cycle share the counter port, and the second waits):
    # those of c - 2 and before are in the reply, those from c - 1 are not (the model's
    # timing, GuardCore's); the next read shows them all. A verdict and a kill are counted
    size = {"n_instruments": 1, "n_order_slots": 2}
    setup = armed_setup()
    page = sc.status(StatusSection.COUNTERS_0 + COUNTER_BAD_FRAMES // COUNTERS_PER_PAGE)
    first_page = sc.status(StatusSection.COUNTERS_0)
    messages = [*setup, sc.order(1, 1), sc.kill(), page, page, first_page]
    events: list[tuple[int, Message | None]] = [(0, message) for message in messages]
    around = [(offset, ("bad", "drop")[offset % 2]) for offset in range(-5, 2)]
    model = GuardModel(time_unit_cycles=_UNIT, **size)
    plan = _schedule(events, model, random.Random(4), strobes={len(setup) + 2: around})
    first, second, orders = (r for _, r in plan.responses[-3:])
    bad, drops = (f"words[{COUNTER_BAD_FRAMES % COUNTERS_PER_PAGE + k}]" for k in range(2))
    assert (first[bad], first[drops]) == (2, 2)  # bad frames at c - 4, c - 2; drops c - 5, c - 3
    assert (second[bad], second[drops]) == (3, 4)
    assert second[f"words[{kill_counter(KillCause.COMMAND) % COUNTERS_PER_PAGE}]"] == 1
    (verdict,) = [r for _, r in plan.responses if r.type == MessageType.ORDER_VERDICT]
    assert verdict["reason"] < COUNTERS_PER_PAGE  # counted on page 0, in its reason's lane
    assert orders[f"words[{verdict['reason']}]"] == 1
    _check(plan, _UNIT, **size)


def test_every_status_section_is_the_models_on_the_compact_core() -> None:
    # a guard that traded and was killed: SUMMARY with its state and cause (the core's), an
    # instrument's pages with its reference's age moving on, counters, limits, and sections
    # of nothing; the same sections again after the pause of a few units
    size = {"n_instruments": 2, "n_order_slots": 3}
    setup = armed_setup()
    trades = [sc.order(1, 7, 1500), sc.order(2, 5, 1502, side=Side.SELL), sc.fill(2, 1501, 3)]
    reads = [sc.status(section) for section in every_status_section()]
    messages = [*setup, *trades, *reads, sc.kill(), *reads]
    events: list[tuple[int, Message | None]] = [(0, message) for message in messages]
    model = GuardModel(time_unit_cycles=_UNIT, **size)
    plan = _schedule(events, model, random.Random(5))
    replies = [r for _, r in plan.responses if r.type == MessageType.STATUS_REPLY]
    summaries = [r["words[0]"] for r in replies if r["section"] == StatusSection.SUMMARY]
    assert [word & 0xFFFF for word in summaries] == [
        TradingState.ACTIVE,
        TradingState.HALTED | KillCause.COMMAND << 8,
    ]
    ages = [r["words[3]"] for r in replies if r["section"] == instrument_section(0)]
    assert 0 < ages[0] < ages[1]
    _check(plan, _UNIT, **size)
