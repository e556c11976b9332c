"""Unit tests of GuardModel: the directed scenarios, timing rules and argument checks."""

import pytest

from hdl.guard_spec import AGE_MAX, VERDICT_LATENCY, kill_counter, order_counter
from hdl.protocol import (
    N_INSTRUMENTS,
    N_ORDER_SLOTS,
    PROTOCOL_VERSION,
    AckResult,
    KillCause,
    LimitId,
    MessageType,
    Reason,
    StatusSection,
    TickReason,
    TradingState,
)
from host.link.client import GuardClient
from host.link.codec import Message
from host.link.model import GuardModel
from host.link.model_transport import ModelTransport, VirtualClock
from sim import scenarios as sc

GAP = 8  # cycles between two message beats (the top level guarantees at least 5)
UNIT = 4  # time_unit_cycles of these tests


def run_scenario(
    model: GuardModel, scenario: sc.Scenario
) -> list[tuple[int, list[Message], list[Message]]]:
    """Run ``scenario`` on ``model``; return the (step, expected, got) mismatches."""
    cycle = GAP
    mismatches = []
    steps = scenario.steps
    for number, step in enumerate(steps):
        cycle += step.wait_units * model.time_unit_cycles
        got = [alert for _, alert in model.poll(cycle - 1)]
        if step.send is not None:
            got += model.receive(step.send, cycle)
        cycle += GAP
        got += [alert for _, alert in model.poll(cycle - 1)]
        if got != list(step.expect):
            mismatches.append((number, list(step.expect), got))
    return mismatches


@pytest.mark.parametrize("scenario", sc.scenarios(), ids=lambda s: s.name)
def test_scenario_on_model(scenario: sc.Scenario) -> None:
    assert run_scenario(GuardModel(time_unit_cycles=UNIT), scenario) == []


@pytest.mark.parametrize("scenario", sc.scenarios(scale=3), ids=lambda s: s.name)
def test_scaled_scenario_on_model(scenario: sc.Scenario) -> None:
    assert run_scenario(GuardModel(time_unit_cycles=1), scenario) == []


def test_scenarios_cover_every_reason() -> None:
    seen_orders = set()
    seen_ticks = set()
    for scenario in sc.scenarios():
        for step in scenario.steps:
            for message in step.expect:
                if message.type == MessageType.ORDER_VERDICT:
                    seen_orders.add(message["reason"])
                if message.type == MessageType.TICK_VERDICT:
                    seen_ticks.add(message["reason"])
    assert seen_orders == {int(r) for r in Reason if r < 0x40}
    assert seen_ticks == {int(r) for r in TickReason}


def armed_model(unit: int = UNIT) -> tuple[GuardModel, int]:
    """A model taken through the standard setup; returns it and the next free beat cycle."""
    model = GuardModel(time_unit_cycles=unit)
    cycle = GAP
    (kill_and_rearm,) = [s for s in sc.scenarios() if s.name == "kill_and_rearm"]
    for step in kill_and_rearm.steps[:16]:  # limits, instrument, tick, ARM
        assert step.send is not None
        assert model.receive(step.send, cycle) == list(step.expect)
        cycle += GAP
    assert model.state == TradingState.ACTIVE
    return model, cycle


def test_hello_reply_reports_build_parameters() -> None:
    model = GuardModel(clock_hz=48_000_000, time_unit_cycles=48)
    (reply,) = model.receive(Message(MessageType.HELLO, {"version": 9}), 10)
    assert reply == Message(
        MessageType.HELLO_REPLY,
        {
            "version": PROTOCOL_VERSION,
            "n_instruments": N_INSTRUMENTS,
            "n_order_slots": N_ORDER_SLOTS,
            "time_unit_cycles": 48,
            "clock_hz": 48_000_000,
        },
    )


def test_heartbeat_has_no_response() -> None:
    assert GuardModel().receive(sc.heartbeat(), 0) == []


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"clock_hz": 0}, ValueError, r"^clock_hz must be in 1\.\.4294967295, not 0$"),
        ({"time_unit_cycles": 1 << 16}, ValueError, r"^time_unit_cycles must be in 1\.\.65535"),
        ({"time_unit_cycles": 1.5}, TypeError, r"^time_unit_cycles must be an int, not 1\.5$"),
        ({"clock_hz": True}, TypeError, r"^clock_hz must be an int, not True$"),
    ],
)
def test_constructor_rejects_bad_parameters(kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        GuardModel(**kwargs)


def test_cycle_must_not_go_backwards() -> None:
    model = GuardModel()
    model.receive(sc.heartbeat(), 100)
    with pytest.raises(ValueError, match=r"^Cycle must be nondecreasing, not 99 < 100$"):
        model.receive(sc.heartbeat(), 99)


def test_gateware_to_host_message_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"^Message type must be a host -> gateware type"):
        GuardModel().receive(sc.alert(KillCause.BUTTON), 0)


@pytest.mark.parametrize("unit", [1, 3, 12])
def test_watchdog_fires_on_the_exact_deadline_cycle(unit: int) -> None:
    model, cycle = armed_model(unit)
    timeout = sc.standard_limits()[LimitId.HEARTBEAT_TIMEOUT]
    last = cycle
    model.receive(sc.heartbeat(), last)
    deadline = unit * ((last + 1) // unit + timeout + 1)
    assert model.heartbeat_deadline() == deadline
    assert model.poll(deadline) == []  # the ALERT is one cycle after the kill
    assert model.state == TradingState.HALTED
    assert model.poll(deadline + 1) == [(deadline + 1, sc.alert(KillCause.WATCHDOG))]
    assert model.poll(deadline + 100) == []


def test_frame_one_cycle_before_deadline_keeps_armed() -> None:
    model, cycle = armed_model()
    model.receive(sc.heartbeat(), cycle)
    deadline = model.heartbeat_deadline()
    assert deadline is not None
    model.receive(sc.heartbeat(), deadline - 1)
    assert model.state == TradingState.ACTIVE
    assert model.poll(deadline + 1) == []


def test_kill_on_the_status_beat_is_not_yet_counted() -> None:
    model, cycle = armed_model()
    model.receive(sc.heartbeat(), cycle)
    deadline = model.heartbeat_deadline()
    assert deadline is not None
    page = StatusSection.COUNTERS_0 + kill_counter(KillCause.WATCHDOG) // 4
    lane = kill_counter(KillCause.WATCHDOG) % 4
    (reply,) = model.receive(sc.status(page), deadline)
    assert reply[f"words[{lane}]"] == 0
    (summary,) = model.receive(sc.status(StatusSection.SUMMARY), deadline + GAP)
    assert summary["words[0]"] & 0xFF == TradingState.HALTED
    (reply,) = model.receive(sc.status(page), deadline + 2 * GAP)
    assert reply[f"words[{lane}]"] == 1


def test_button_alert_and_no_second_alert_while_halted() -> None:
    model, cycle = armed_model()
    assert model.press_kill_button(cycle + 50) == [(cycle + 51, sc.alert(KillCause.BUTTON))]
    assert model.kill_cause == KillCause.BUTTON
    assert model.press_kill_button(cycle + 60) == []
    assert model.counters[kill_counter(KillCause.BUTTON)] == 1


def test_button_on_a_response_cycle_delays_the_alert() -> None:
    model, cycle = armed_model()
    model.receive(sc.heartbeat(), cycle)
    press = cycle + VERDICT_LATENCY - 1  # the cycle the heartbeat's slot would load o_rsp
    assert model.press_kill_button(press) == [(press + 2, sc.alert(KillCause.BUTTON))]


def test_fill_kill_alert_follows_the_ack() -> None:
    model, cycle = armed_model()
    model.receive(sc.set_limit(LimitId.FILL_MAX, 1), cycle)
    model.receive(sc.arm(), cycle + GAP)
    model.receive(sc.order(1, 10), cycle + 2 * GAP)
    model.receive(sc.fill(1, 1500, 1), cycle + 3 * GAP)
    fill_cycle = cycle + 4 * GAP
    assert model.receive(sc.fill(1, 1500, 1), fill_cycle) == [sc.ack(MessageType.FILL, 1)]
    assert model.poll(fill_cycle + VERDICT_LATENCY) == []
    alert_cycle = fill_cycle + VERDICT_LATENCY + 1  # the cycle after the ACK's
    assert model.poll(alert_cycle) == [(alert_cycle, sc.alert(KillCause.FILL_RATE))]


def test_counters_count_every_order_verdict() -> None:
    model, cycle = armed_model()
    model.receive(sc.order(1, 10), cycle)
    model.receive(sc.order(2, 0), cycle + GAP)
    model.receive(sc.order(3, 0), cycle + 2 * GAP)
    assert model.counters[order_counter(Reason.ACCEPT)] == 1
    assert model.counters[order_counter(Reason.INVALID_QUANTITY)] == 2


def test_reference_age_in_status_saturates() -> None:
    model = GuardModel(time_unit_cycles=1)
    model.receive(sc.set_instrument(0), 0)
    model.receive(sc.tick(0, 1, 1490, 1510), 10)
    (reply,) = model.receive(sc.status(StatusSection.INSTRUMENT_0), 20)
    assert reply["words[3]"] == (20 + 2) - (10 + 3)
    (reply,) = model.receive(sc.status(StatusSection.INSTRUMENT_0), AGE_MAX + 100)
    assert reply["words[3]"] == AGE_MAX


# ---- reduced sizes ---------------------------------------------------------------------------


def small_armed_model(max_open: int = 2) -> tuple[GuardModel, int]:
    """A 1-instrument, 2-slot model with every limit set, instrument 0 ticked, ARMed."""
    model = GuardModel(time_unit_cycles=UNIT, n_instruments=1, n_order_slots=2)
    limits = sc.standard_limits()
    limits[LimitId.MAX_OPEN_ORDERS] = max_open
    cycle = GAP
    messages = [sc.set_limit(i, v) for i, v in limits.items()]
    messages += [sc.set_instrument(0), sc.tick(0, 1, 1490, 1510), sc.arm()]
    for message in messages:
        model.receive(message, cycle)
        cycle += GAP
    assert model.state == TradingState.ACTIVE
    return model, cycle


def test_reduced_hello_reports_the_built_size() -> None:
    model = GuardModel(n_instruments=2, n_order_slots=3)
    (reply,) = model.receive(Message(MessageType.HELLO), 10)
    assert (reply["n_instruments"], reply["n_order_slots"]) == (2, 3)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_instruments": 0}, ValueError, r"^n_instruments must be in 1\.\.4, not 0$"),
        ({"n_instruments": 5}, ValueError, r"^n_instruments must be in 1\.\.4, not 5$"),
        ({"n_order_slots": 0}, ValueError, r"^n_order_slots must be in 1\.\.8, not 0$"),
        ({"n_order_slots": 9}, ValueError, r"^n_order_slots must be in 1\.\.8, not 9$"),
        ({"n_order_slots": "2"}, TypeError, r"^n_order_slots must be an int, not '2'$"),
    ],
)
def test_constructor_rejects_a_bad_size(kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        GuardModel(**kwargs)


def test_reduced_set_instrument_beyond_the_size_is_bad_argument() -> None:
    model = GuardModel(n_instruments=1)
    (bad,) = model.receive(sc.set_instrument(1), 10)
    (good,) = model.receive(sc.set_instrument(0), 20)
    assert bad == sc.ack(MessageType.SET_INSTRUMENT, 1, AckResult.BAD_ARGUMENT)
    assert good == sc.ack(MessageType.SET_INSTRUMENT, 0)


def test_reduced_max_open_orders_beyond_the_slots_is_bad_argument() -> None:
    model = GuardModel(n_order_slots=2)
    (bad,) = model.receive(sc.set_limit(LimitId.MAX_OPEN_ORDERS, 3), 10)
    (good,) = model.receive(sc.set_limit(LimitId.MAX_OPEN_ORDERS, 2), 20)
    assert bad == sc.ack(MessageType.SET_LIMIT, LimitId.MAX_OPEN_ORDERS, AckResult.BAD_ARGUMENT)
    assert good == sc.ack(MessageType.SET_LIMIT, LimitId.MAX_OPEN_ORDERS)


def test_reduced_unknown_instrument_for_ticks_and_orders() -> None:
    model, cycle = small_armed_model()
    (tick_bad,) = model.receive(sc.tick(1, 2, 1490, 1510), cycle)
    (tick_good,) = model.receive(sc.tick(0, 3, 1490, 1510), cycle + GAP)
    (order_bad,) = model.receive(sc.order(1, 5, instrument=1), cycle + 2 * GAP)
    (order_good,) = model.receive(sc.order(2, 5, instrument=0), cycle + 3 * GAP)
    assert tick_bad == sc.tick_verdict(1, 2, TickReason.UNKNOWN_INSTRUMENT)
    assert tick_good == sc.tick_verdict(0, 3)
    assert order_bad == sc.order_verdict(1, Reason.UNKNOWN_INSTRUMENT)
    assert order_good == sc.order_verdict(2)


def test_reduced_slot_exhaustion_and_release() -> None:
    model, cycle = small_armed_model()
    verdicts = []
    for client_id in (1, 2, 3):
        verdicts += model.receive(sc.order(client_id, 5, 1500 + client_id), cycle)
        cycle += GAP
    model.receive(sc.cancel(1), cycle)
    verdicts += model.receive(sc.order(4, 5, 1504), cycle + GAP)
    assert [v["reason"] for v in verdicts] == [
        Reason.ACCEPT,
        Reason.ACCEPT,
        Reason.MAX_OPEN_ORDERS,
        Reason.ACCEPT,
    ]


def test_reduced_status_of_an_absent_instrument_reads_zero() -> None:
    model, cycle = small_armed_model()
    model.receive(sc.order(1, 5), cycle)
    for page in range(3):
        (absent,) = model.receive(sc.status(StatusSection.INSTRUMENT_0 + 4 * page + 1), cycle + 8)
        (present,) = model.receive(sc.status(StatusSection.INSTRUMENT_0 + 4 * page), cycle + 16)
        cycle += 16
        assert [absent[f"words[{i}]"] for i in range(4)] == [0, 0, 0, 0]
        assert any(present[f"words[{i}]"] for i in range(4))


async def test_client_over_a_reduced_model_transport_reads_its_size() -> None:
    transport = ModelTransport(clock=VirtualClock(), n_instruments=1, n_order_slots=2)
    client = GuardClient(transport, timeout=0.05)
    try:
        info = await client.hello()
    finally:
        await client.close()
    assert (info.n_instruments, info.n_order_slots) == (1, 2)
