"""Tests of the STATUS decoding against the reference model's replies."""

import pytest

from hdl.guard_spec import instrument_section
from hdl.protocol import KillCause, LimitId, MessageType, StatusSection, TradingState
from host.link.codec import Message
from host.link.model import GuardModel
from host.link.status import STATUS_SECTIONS, GuardStatus, decode_status, read_status
from sim import scenarios as sc


def _model_with_history() -> tuple[GuardModel, int]:
    model = GuardModel(time_unit_cycles=2)
    cycle = 10
    for limit_id, value in sc.standard_limits().items():
        model.receive(sc.set_limit(limit_id, value), cycle)
        cycle += 10
    for message in (
        sc.set_instrument(2, max_position=77),
        sc.tick(2, 5, 1490, 1510),
        sc.arm(),
        sc.order(1, 10, instrument=2),
        sc.order(2, 0, instrument=2),
        sc.fill(1, 1495, 10),
        sc.order(3, 5, 1520, side=sc.Side.SELL, instrument=2),
        sc.fill(3, 1505, 30),
        sc.tick(2, 4, 1490, 1510),
        sc.kill(),
    ):
        model.receive(message, cycle)
        cycle += 10
    model.bad_frame(cycle)
    model.bad_frame(cycle + 3)
    return model, cycle + 10


async def test_read_status_decodes_every_section() -> None:
    model, start = _model_with_history()
    cycles = iter(range(start, start + 10_000, 10))

    async def request(section: int) -> Message:
        (reply,) = model.receive(sc.status(section), next(cycles))
        return reply

    status = await read_status(request)
    assert isinstance(status, GuardStatus)
    assert status.state == TradingState.HALTED
    assert status.kill_cause == KillCause.COMMAND
    assert status.enabled_mask == 0b0100
    assert status.open_orders == 0
    assert status.limits[LimitId.MAX_ORDER_QTY.name] == 50
    assert status.limits == {limit.name: value for limit, value in sc.standard_limits().items()}
    inst = status.instruments[2]
    assert inst.enabled and inst.has_reference
    assert inst.position == 10 - 5  # bought 10, sold 5 (the 30-lot fill clamps to 5)
    assert (inst.open_buy, inst.open_sell) == (0, 0)
    assert (inst.ref_bid, inst.ref_ask, inst.ref_mid) == (1490, 1510, 1500)
    assert inst.last_fill_price == 1505
    assert inst.max_position == 77
    assert (inst.min_price, inst.max_price, inst.band_ticks) == (1000, 2000, 20)
    assert inst.last_timestamp == 5
    assert inst.reference_age > 0
    assert status.gross_exposure == 5 * 1505
    assert status.open_notional == 0
    assert status.order_counters["ACCEPT"] == 2
    assert status.order_counters["INVALID_QUANTITY"] == 1
    assert status.order_counters["SELF_TRADE"] == 0
    assert status.tick_counters == {
        "ACCEPT": 1,
        "UNKNOWN_INSTRUMENT": 0,
        "PRICE_RANGE": 0,
        "CROSSED_BOOK": 0,
        "TIME_BACKWARDS": 1,
        "BAND_JUMP": 0,
    }
    assert status.kill_counters["COMMAND"] == 1
    assert status.kill_counters["WATCHDOG"] == 0
    assert status.bad_frames == 2
    assert status.drops == 0


def test_short_position_decodes_negative() -> None:
    model = GuardModel(time_unit_cycles=1)
    cycle = 0
    for limit_id, value in sc.standard_limits().items():
        model.receive(sc.set_limit(limit_id, value), cycle)
        cycle += 10
    for message in (
        sc.set_instrument(0),
        sc.tick(0, 1, 1490, 1510),
        sc.arm(),
        sc.order(1, 20, 1500, side=sc.Side.SELL),
        sc.fill(1, 1500, 20),
    ):
        model.receive(message, cycle)
        cycle += 10
    replies = {}
    for section in STATUS_SECTIONS:
        (replies[section],) = model.receive(sc.status(section), cycle)
        cycle += 10
    status = decode_status(replies)
    assert status.instruments[0].position == -20
    assert status.gross_exposure == 20 * 1500
    assert status.limits[LimitId.CONFIRM_TICKS.name] == 3


def test_unset_limits_decode_as_none() -> None:
    model = GuardModel()
    replies = {s: model.receive(sc.status(s), 10 * i)[0] for i, s in enumerate(STATUS_SECTIONS)}
    status = decode_status(replies)
    assert set(status.limits.values()) == {None}
    assert status.state == TradingState.DISARMED


def test_unknown_section_replies_zero_words() -> None:
    (reply,) = GuardModel().receive(sc.status(0x7F), 0)
    assert reply == Message(
        MessageType.STATUS_REPLY,
        {"section": 0x7F, "words[0]": 0, "words[1]": 0, "words[2]": 0, "words[3]": 0},
    )


def test_missing_section_is_an_error() -> None:
    model = GuardModel()
    replies = {s: model.receive(sc.status(s), 10 * i)[0] for i, s in enumerate(STATUS_SECTIONS)}
    del replies[instrument_section(3, 2)]
    with pytest.raises(ValueError, match=r"^Replies must include section 0x1b, not omit it$"):
        decode_status(replies)


def test_echoed_section_must_match() -> None:
    model = GuardModel()
    replies = {s: model.receive(sc.status(s), 10 * i)[0] for i, s in enumerate(STATUS_SECTIONS)}
    replies[StatusSection.SUMMARY] = replies[StatusSection.LIMITS_0]
    with pytest.raises(ValueError, match=r"^Reply section must be 0x00, not 0x30$"):
        decode_status(replies)


def test_reply_type_must_be_status_reply() -> None:
    model = GuardModel()
    replies = {s: model.receive(sc.status(s), 10 * i)[0] for i, s in enumerate(STATUS_SECTIONS)}
    replies[StatusSection.SUMMARY] = sc.ack(MessageType.KILL)
    with pytest.raises(TypeError, match=r"^Reply must be a STATUS_REPLY, not ACK$"):
        decode_status(replies)
