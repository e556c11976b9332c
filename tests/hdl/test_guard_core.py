# amaranth: UnusedElaboratable=no
"""Amaranth-simulator tests of GuardCore at the message level, against GuardModel."""

import random
from typing import Any

import pytest
from amaranth.sim import Simulator
from guard_sim import GuardBench, canonical, run_bench

from hdl.guard_core import GuardCore
from hdl.guard_spec import COUNTER_BAD_FRAMES, COUNTER_DROPS, kill_counter
from hdl.protocol import (
    AckResult,
    KillCause,
    LimitId,
    MessageType,
    Reason,
    StatusSection,
    TickReason,
    TradingState,
)
from host.link.codec import Message
from sim import scenarios as sc
from sim.traffic import RandomTraffic

GAP = 8


def plan_scenario(bench: GuardBench, scenario: sc.Scenario) -> tuple[int, list[tuple[int, int]]]:
    """Plan ``scenario``; return the cycle count and, per step, its (start, end) cycles."""
    cycle = GAP
    windows = []
    for step in scenario.steps:
        start = cycle
        cycle += step.wait_units * bench.time_unit_cycles
        if step.send is not None:
            bench.send(cycle, step.send)
        cycle += GAP
        windows.append((start, cycle))
    return cycle + GAP, windows


@pytest.mark.parametrize("scenario", sc.scenarios(), ids=lambda s: s.name)
def test_scenario_on_gateware(scenario: sc.Scenario) -> None:
    bench = GuardBench()
    cycles, windows = plan_scenario(bench, scenario)
    got, want = run_bench(bench, cycles)
    assert got == want
    sends = dict(bench.messages)
    for step, (start, end) in zip(scenario.steps, windows, strict=True):
        seen = [m for c, m in got if start <= c < end]
        assert seen == [canonical(m) for m in step.expect]
    # constant latency: the direct response of every message, whatever its verdict
    beats = dict(got)
    for cycle, message in sends.items():
        if message.type != MessageType.HEARTBEAT:
            response = beats[cycle + GuardCore.VERDICT_LATENCY]
            assert response.type != MessageType.ALERT


def test_verdict_latency_is_two_cycles() -> None:
    # cut-through: the payload is registered before the beat, checked on it, committed after
    assert GuardCore.VERDICT_LATENCY == 2


def plan_random(bench: GuardBench, seed: int, actions: int) -> int:
    """Plan the link engineer's seeded traffic at the message level; return the cycle count.

    Beats are 5 to 12 cycles apart; bad frames and response drops are strobed at least 4
    cycles before the next beat; button presses 3 or 1 cycles before the next beat, on its
    cycle or on its update cycle (the cycle after). Each payload is shown 1 to 4 cycles
    before its beat.
    """
    rng = random.Random(seed)
    traffic = RandomTraffic(seed)
    cycle = 2
    slots = bench.size["n_order_slots"]
    for message in traffic.setup():
        if message.type == MessageType.SET_LIMIT and (
            message["limit_id"] == LimitId.MAX_OPEN_ORDERS and message["value"] > slots
        ):
            # a smaller build takes at most its slot count; the rest of the traffic is alike
            message = sc.set_limit(LimitId.MAX_OPEN_ORDERS, slots)
        bench.send(cycle, message)
        cycle += 6
    for _, action in zip(range(actions), traffic, strict=False):
        if action.kind == "message":
            assert action.message is not None
            bench.send(cycle, action.message, lead=rng.randint(1, 4))
            cycle += rng.randint(5, 12)
        elif action.kind == "bad":
            bench.bad_frames.add(cycle)
            cycle += 5
        elif action.kind == "button":
            bench.button.add(cycle + rng.choice((3, 5, 6, 7)))
            cycle += 6
        else:
            cycle += action.cycles
        if rng.random() < 0.01:
            bench.drops.add(cycle)
            cycle += 5
    return cycle + 20


@pytest.mark.parametrize(("seed", "unit"), [(1, 1), (2, 3)])
def test_random_differential(seed: int, unit: int) -> None:
    bench = GuardBench(time_unit_cycles=unit)
    cycles = plan_random(bench, seed, 1500)
    got, want = run_bench(bench, cycles)
    for index, (g, w) in enumerate(zip(got, want, strict=False)):
        assert g == w, f"beat {index} of {len(want)}: {g} != {w}"
    assert len(got) == len(want)
    reasons = {m["reason"] for _, m in got if m.type == MessageType.ORDER_VERDICT}
    assert len(reasons) >= 12  # the traffic exercises most controls


def _armed_bench(time_unit_cycles: int, timeout: int) -> tuple[GuardBench, int]:
    bench = GuardBench(time_unit_cycles=time_unit_cycles)
    limits = sc.standard_limits()
    limits[LimitId.HEARTBEAT_TIMEOUT] = timeout
    cycle = 3
    for limit_id, value in limits.items():
        bench.send(cycle, sc.set_limit(limit_id, value))
        cycle += 5
    for message in (sc.set_instrument(0), sc.arm()):
        bench.send(cycle, message)
        cycle += 5
    return bench, cycle


@pytest.mark.parametrize(("unit", "timeout"), [(1, 7), (3, 5), (4, 1)])
def test_watchdog_alert_one_cycle_after_deadline(unit: int, timeout: int) -> None:
    bench, cycle = _armed_bench(unit, timeout)
    last = cycle - 5  # the ARM beat, the last good frame
    deadline = unit * ((last + 1) // unit + timeout + 1)
    got, want = run_bench(bench, deadline + 10)
    assert got == want
    alerts = [(c, m) for c, m in got if m.type == MessageType.ALERT]
    assert alerts == [(deadline + 1, canonical(sc.alert(KillCause.WATCHDOG)))]


def test_heartbeat_just_before_deadline_keeps_armed() -> None:
    bench, cycle = _armed_bench(2, 6)
    last = cycle - 5
    deadline = 2 * ((last + 1) // 2 + 6 + 1)
    bench.send(deadline - 1, sc.heartbeat())
    got, want = run_bench(bench, deadline + 10)
    assert got == want
    assert all(m.type != MessageType.ALERT for _, m in got)


def test_kill_button_latches_and_alerts_once() -> None:
    bench, cycle = _armed_bench(4, 1000)
    bench.button.update({cycle + 10, cycle + 11, cycle + 30})
    bench.send(cycle + 40, sc.order(1, 10))
    got, want = run_bench(bench, cycle + 60)
    assert got == want
    alerts = [(c, m) for c, m in got if m.type == MessageType.ALERT]
    assert alerts == [(cycle + 11, canonical(sc.alert(KillCause.BUTTON)))]
    verdict_cycle = cycle + 40 + GuardCore.VERDICT_LATENCY
    assert got[-1] == (verdict_cycle, canonical(sc.order_verdict(1, Reason.HALTED)))


def _ready_for_orders() -> tuple[GuardBench, int]:
    """Armed, with a reference tick on instrument 0; the next message may beat on the cycle
    returned."""
    bench, cycle = _armed_bench(1, 100_000)
    bench.send(cycle, sc.tick(0, 100, 1490, 1510))
    return bench, cycle + 5


@pytest.mark.parametrize("offset", [-1, 0])
def test_a_kill_on_the_beat_cycle_or_before_rejects_the_order_as_halted(offset: int) -> None:
    # the checks read the state of the beat cycle, and stage B reads the kill latch again,
    # which a press on the beat cycle has set by then
    bench, cycle = _ready_for_orders()
    bench.button.add(cycle + offset)
    bench.send(cycle, sc.order(1, 10))
    got, want = run_bench(bench, cycle + 20)
    assert got == want
    verdict = (cycle + GuardCore.VERDICT_LATENCY, canonical(sc.order_verdict(1, Reason.HALTED)))
    assert verdict in got


def test_a_kill_after_the_beat_comes_after_the_accept() -> None:
    # the neighbour: a press on the update cycle races the accept, which stands
    bench, cycle = _ready_for_orders()
    bench.button.add(cycle + 1)
    bench.send(cycle, sc.order(1, 10))
    got, want = run_bench(bench, cycle + 20)
    assert got == want
    latency = GuardCore.VERDICT_LATENCY
    assert got[-2:] == [
        (cycle + latency, canonical(sc.order_verdict(1, Reason.ACCEPT))),
        (cycle + latency + 1, canonical(sc.alert(KillCause.BUTTON))),
    ]


def _summary_and_kill_counters(bench: GuardBench, cycle: int, cause: KillCause) -> list[int]:
    """Plan a SUMMARY and a counter page read from ``cycle``; run; return the state, the kill
    cause and the kill counters of BUTTON and ``cause``, after checking against the model."""
    bench.send(cycle, sc.status(StatusSection.SUMMARY))
    bench.send(cycle + 5, sc.status(StatusSection.COUNTERS_0 + kill_counter(cause) // 4))
    bench.send(
        cycle + 10, sc.status(StatusSection.COUNTERS_0 + kill_counter(KillCause.BUTTON) // 4)
    )
    got, want = run_bench(bench, cycle + 20)
    assert got == want
    summary, cause_page, button_page = (m for _, m in got[-3:])
    return [
        summary["words[0]"] & 0x3,
        summary["words[0]"] >> 8 & 0x7,
        button_page[f"words[{kill_counter(KillCause.BUTTON) % 4}]"],
        cause_page[f"words[{kill_counter(cause) % 4}]"],
    ]


@pytest.mark.parametrize("halted_before", [True, False])
def test_a_press_on_an_arms_update_cycle_reads_the_state_from_before_it(
    halted_before: bool,
) -> None:
    # the button reads the kill latch as it was before the ARM commits: while HALTED the
    # press is ignored and the ARM stands; otherwise the press wins the race
    bench, cycle = _armed_bench(1, 100_000)
    bench.send(cycle, sc.kill() if halted_before else sc.heartbeat())
    bench.send(cycle + 5, sc.arm())
    bench.button.add(cycle + 6)
    state, cause, buttons, _ = _summary_and_kill_counters(bench, cycle + 10, KillCause.COMMAND)
    if halted_before:
        assert (state, cause, buttons) == (TradingState.ACTIVE, KillCause.NONE, 0)
    else:
        assert (state, cause, buttons) == (TradingState.HALTED, KillCause.BUTTON, 1)


@pytest.mark.parametrize("press", [True, False])
def test_a_press_on_a_kill_commands_update_cycle_makes_the_kill_the_buttons(press: bool) -> None:
    bench, cycle = _armed_bench(1, 100_000)
    bench.send(cycle, sc.kill())
    if press:
        bench.button.add(cycle + 1)
    state, cause, buttons, commands = _summary_and_kill_counters(
        bench, cycle + 5, KillCause.COMMAND
    )
    alerts = [c for c, m in bench.responses if m.type == MessageType.ALERT]
    assert state == TradingState.HALTED
    if press:
        assert (cause, buttons, commands, alerts) == (KillCause.BUTTON, 1, 0, [cycle + 3])
    else:
        assert (cause, buttons, commands, alerts) == (KillCause.COMMAND, 0, 1, [])


@pytest.mark.parametrize("press", [True, False])
def test_a_press_on_a_fill_kills_update_cycle_makes_the_kill_the_buttons(press: bool) -> None:
    bench, cycle = _ready_for_orders()
    for message in (sc.set_limit(LimitId.FILL_MAX, 1), sc.arm(), sc.order(1, 10)):
        bench.send(cycle, message)
        cycle += 5
    bench.send(cycle, sc.fill(1, 1500, 1))
    bench.send(cycle + 5, sc.fill(1, 1500, 1))  # the second fill in the window: FILL_RATE
    if press:
        bench.button.add(cycle + 6)
    state, cause, buttons, fill_kills = _summary_and_kill_counters(
        bench, cycle + 10, KillCause.FILL_RATE
    )
    alerts = [(c, m["cause"]) for c, m in bench.responses if m.type == MessageType.ALERT]
    assert state == TradingState.HALTED
    if press:
        assert (cause, buttons, fill_kills) == (KillCause.BUTTON, 1, 0)
        assert alerts == [(cycle + 8, KillCause.BUTTON)]
    else:
        assert (cause, buttons, fill_kills) == (KillCause.FILL_RATE, 0, 1)
        assert alerts == [(cycle + 8, KillCause.FILL_RATE)]


@pytest.mark.parametrize("lead", [1, 2, 30])
@pytest.mark.parametrize(("late", "reason"), [(0, Reason.ACCEPT), (1, Reason.STALE_REFERENCE)])
def test_the_checks_read_the_beat_cycle_however_early_the_payload(
    lead: int, late: int, reason: Reason
) -> None:
    # the payload waits for its CRC (a UART byte is hundreds of cycles) while the reference
    # ages: the verdict is the one of the beat cycle, whatever the wait
    bench, cycle = _ready_for_orders()
    tick_cycle = cycle - 5
    last_fresh = tick_cycle + 2 + sc.standard_limits()[LimitId.STALE_AFTER]
    bench.send(last_fresh + late, sc.order(1, 10), lead=lead)
    got, want = run_bench(bench, last_fresh + 20)
    assert got == want
    assert got[-1] == (
        last_fresh + late + GuardCore.VERDICT_LATENCY,
        canonical(sc.order_verdict(1, reason)),
    )


def test_a_payload_without_a_beat_changes_nothing() -> None:
    # a frame that fails its CRC after its payload: the core registered the order, and drops it
    bench, cycle = _ready_for_orders()
    bench.show(cycle, sc.order(1, 10))
    bench.send(cycle + 8, sc.order(1, 10))
    got, want = run_bench(bench, cycle + 30)
    assert got == want
    assert got[-1] == (cycle + 8 + GuardCore.VERDICT_LATENCY, canonical(sc.order_verdict(1, 0)))


def test_bad_frames_and_drops_are_counted() -> None:
    bench = GuardBench()
    # back to back on the same counter and the same memory row: the read-modify-write must
    # forward a write to the read of the next cycle
    bench.bad_frames.update(range(10, 15))
    bench.drops.update({12, 13})
    page = StatusSection.COUNTERS_0 + COUNTER_BAD_FRAMES // 4
    bench.send(30, sc.status(page))
    got, want = run_bench(bench, 40)
    assert got == want
    ((_, reply),) = got
    assert reply[f"words[{COUNTER_BAD_FRAMES % 4}]"] == 5
    assert reply[f"words[{COUNTER_DROPS % 4}]"] == 2


@pytest.mark.parametrize(("offset", "counted"), [(-3, 1), (-2, 1), (-1, 0), (0, 0)])
def test_status_counters_show_the_events_up_to_two_cycles_before_the_beat(
    offset: int, counted: int
) -> None:
    # the counter memory is read on the check stage (the beat cycle) and an event needs two
    # cycles to reach it; the model keeps the counts of the last cycles to agree
    bench = GuardBench()
    beat = 30
    bench.drops.add(beat + offset)
    bench.send(beat, sc.status(StatusSection.COUNTERS_0 + COUNTER_DROPS // 4))
    got, want = run_bench(bench, 40)
    assert got == want
    ((_, reply),) = got
    assert reply[f"words[{COUNTER_DROPS % 4}]"] == counted


def test_state_output_follows_the_trading_state() -> None:
    dut = GuardCore(clock_hz=1_000, time_unit_cycles=1)
    sim = Simulator(dut)
    sim.add_clock(1e-6)
    seen = []

    async def bench(ctx: Any) -> None:
        seen.append(ctx.get(dut.o_state))
        ctx.set(dut.i_kill_button, 1)
        await ctx.tick()
        ctx.set(dut.i_kill_button, 0)
        await ctx.tick()
        seen.append(ctx.get(dut.o_state))

    sim.add_testbench(bench)
    sim.run()
    assert seen == [TradingState.DISARMED, TradingState.HALTED]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"clock_hz": 0, "time_unit_cycles": 1},
            ValueError,
            r"^clock_hz must be in 1\.\.4294967295, not 0$",
        ),
        (
            {"clock_hz": 1, "time_unit_cycles": 70_000},
            ValueError,
            r"^time_unit_cycles must be in 1\.\.65535, not 70000$",
        ),
        (
            {"clock_hz": "12M", "time_unit_cycles": 1},
            TypeError,
            r"^clock_hz must be an int, not '12M'$",
        ),
    ],
)
def test_constructor_validates_parameters(kwargs: dict[str, Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        GuardCore(**kwargs)


def test_status_on_the_watchdog_deadline_cycle() -> None:
    # the kill on the beat cycle shows in the state at once but reaches the counter memory
    # one cycle too late for this reply: the gateware and the model must agree on both
    bench, cycle = _armed_bench(1, 9)
    last = cycle - 5
    deadline = (last + 1) + 9 + 1
    page = StatusSection.COUNTERS_0 + kill_counter(KillCause.WATCHDOG) // 4
    bench.send(deadline, sc.status(page))
    bench.send(deadline + 6, sc.status(StatusSection.SUMMARY))
    bench.send(deadline + 12, sc.status(page))
    got, want = run_bench(bench, deadline + 30)
    assert got == want
    replies = [m for _, m in got if m.type == MessageType.STATUS_REPLY]
    lane = f"words[{kill_counter(KillCause.WATCHDOG) % 4}]"
    assert replies[0][lane] == 0
    assert replies[1]["words[0]"] & 0xFF == TradingState.HALTED
    assert replies[2][lane] == 1


# ---- reduced sizes (the iCE40UP5K build) ---------------------------------------------------

SMALL = {"n_instruments": 1, "n_order_slots": 2}


@pytest.mark.parametrize("scenario", sc.scenarios(), ids=lambda s: s.name)
def test_scenario_differential_at_reduced_size(scenario: sc.Scenario) -> None:
    # the directed expectations assume the full size; at 1 instrument and 2 slots the
    # gateware must still equal the model beat for beat
    bench = GuardBench(**SMALL)
    cycles, _ = plan_scenario(bench, scenario)
    got, want = run_bench(bench, cycles)
    assert got == want


@pytest.mark.parametrize(("size", "seed"), [((1, 2), 3), ((2, 3), 4)])
def test_random_differential_at_reduced_size(size: tuple[int, int], seed: int) -> None:
    bench = GuardBench(time_unit_cycles=2, n_instruments=size[0], n_order_slots=size[1])
    cycles = plan_random(bench, seed, 800)
    got, want = run_bench(bench, cycles)
    for index, (g, w) in enumerate(zip(got, want, strict=False)):
        assert g == w, f"beat {index} of {len(want)}: {g} != {w}"
    assert len(got) == len(want)
    reasons = {m["reason"] for _, m in got if m.type == MessageType.ORDER_VERDICT}
    assert {Reason.ACCEPT, Reason.UNKNOWN_INSTRUMENT, Reason.MAX_OPEN_ORDERS} <= reasons


def _small_armed(max_open: int = 2) -> tuple[GuardBench, int]:
    bench = GuardBench(time_unit_cycles=1, **SMALL)
    limits = sc.standard_limits()
    limits[LimitId.MAX_OPEN_ORDERS] = max_open
    cycle = 3
    for limit_id, value in limits.items():
        bench.send(cycle, sc.set_limit(limit_id, value))
        cycle += 6
    for message in (sc.set_instrument(0), sc.tick(0, 1, 1490, 1510), sc.arm()):
        bench.send(cycle, message)
        cycle += 6
    return bench, cycle


def _replies(got: list[Any], message_type: MessageType) -> list[Any]:
    return [m for _, m in got if m.type == message_type]


def test_reduced_size_hello_reports_the_built_size() -> None:
    bench = GuardBench(**SMALL)
    bench.send(3, Message(MessageType.HELLO))
    got, want = run_bench(bench, 20)
    assert got == want
    ((_, reply),) = got
    assert (reply["n_instruments"], reply["n_order_slots"]) == (1, 2)


def test_reduced_size_rejects_an_absent_instrument_and_accepts_instrument_0() -> None:
    bench, cycle = _small_armed()
    plan = [
        sc.set_instrument(1),
        sc.tick(1, 2, 1490, 1510),
        sc.order(1, 5, instrument=1),
        sc.order(2, 5, instrument=0),
        sc.tick(0, 3, 1490, 1510),
        sc.status(StatusSection.INSTRUMENT_0 + 1),
        sc.status(StatusSection.INSTRUMENT_0),
    ]
    for message in plan:
        bench.send(cycle, message)
        cycle += 6
    got, want = run_bench(bench, cycle + 10)
    assert got == want
    acks = _replies(got, MessageType.ACK)
    assert acks[-1]["command"] == MessageType.SET_INSTRUMENT
    assert acks[-1]["result"] == AckResult.BAD_ARGUMENT
    ticks = _replies(got, MessageType.TICK_VERDICT)
    assert [t["reason"] for t in ticks[-2:]] == [TickReason.UNKNOWN_INSTRUMENT, TickReason.ACCEPT]
    verdicts = _replies(got, MessageType.ORDER_VERDICT)
    assert [v["reason"] for v in verdicts] == [Reason.UNKNOWN_INSTRUMENT, Reason.ACCEPT]
    absent, present = _replies(got, MessageType.STATUS_REPLY)
    assert [absent[f"words[{i}]"] for i in range(4)] == [0, 0, 0, 0]
    assert present["words[1]"] == 5  # instrument 0's open buy quantity


def test_reduced_size_max_open_orders_bounded_by_the_slots() -> None:
    bench = GuardBench(**SMALL)
    bench.send(3, sc.set_limit(LimitId.MAX_OPEN_ORDERS, 3))
    bench.send(9, sc.set_limit(LimitId.MAX_OPEN_ORDERS, 2))
    got, want = run_bench(bench, 25)
    assert got == want
    assert [m["result"] for m in _replies(got, MessageType.ACK)] == [
        AckResult.BAD_ARGUMENT,
        AckResult.OK,
    ]


def test_reduced_size_slot_exhaustion_rejects_the_third_order() -> None:
    bench, cycle = _small_armed()
    for client_id in (1, 2, 3):
        bench.send(cycle, sc.order(client_id, 5, 1500 + client_id))
        cycle += 6
    bench.send(cycle, sc.cancel(1))
    bench.send(cycle + 6, sc.order(4, 5, 1504))
    got, want = run_bench(bench, cycle + 20)
    assert got == want
    verdicts = [v["reason"] for v in _replies(got, MessageType.ORDER_VERDICT)]
    assert verdicts == [Reason.ACCEPT, Reason.ACCEPT, Reason.MAX_OPEN_ORDERS, Reason.ACCEPT]


@pytest.mark.parametrize(
    ("size", "match"),
    [
        ({"n_instruments": 0}, r"^n_instruments must be in 1\.\.4, not 0$"),
        ({"n_instruments": 5}, r"^n_instruments must be in 1\.\.4, not 5$"),
        ({"n_order_slots": 0}, r"^n_order_slots must be in 1\.\.8, not 0$"),
        ({"n_order_slots": 9}, r"^n_order_slots must be in 1\.\.8, not 9$"),
    ],
)
def test_constructor_validates_the_size(size: dict[str, int], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        GuardCore(clock_hz=1, time_unit_cycles=1, **size)


def test_constructor_rejects_a_size_that_is_not_an_int() -> None:
    with pytest.raises(TypeError, match=r"^n_order_slots must be an int, not 2\.0$"):
        GuardCore(clock_hz=1, time_unit_cycles=1, n_order_slots=2.0)  # type: ignore[arg-type]
