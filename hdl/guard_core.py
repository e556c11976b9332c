"""GuardCore: the tick filter and pre-trade risk checks of the guard, with a constant latency.

The core consumes one message beat per good frame and produces at most one response beat per
message, exactly :attr:`GuardCore.VERDICT_LATENCY` cycles later for every message type and every
verdict (no data-dependent jitter). The semantics are written down once, in
:mod:`host.link.model` (the cycle-exact reference model) and :mod:`hdl.guard_spec` (widths,
counter map, timing); this module implements them bit for bit.

Pipeline (``c`` is the ``i_msg`` beat cycle; the top level keeps beats at least 5 cycles apart)
-----------------------------------------------------------------------------------------------
* cycle ``c - 1`` (stage 0, cut-through): ``i_msg.payload`` already shows the message (the
  frame decoder's is complete while the CRC is still arriving), so it is registered with what
  it reads: client ids are compared with every order slot and the matching slot's fields and
  the one instrument row the message touches are registered (at most one slot matches: client
  ids of open orders are unique). Stage 0 does this every cycle, for whatever the payload
  shows, and reads only what messages write, which nothing changes between ``c - 1`` and
  stage B. A frame that fails its CRC leaves its registers behind unused.
* cycle ``c`` (stage A): every check of the message is evaluated from those registers and the
  state of ``c`` (:mod:`hdl.tick_filter`, :mod:`hdl.pre_trade_risk`) and registered, with the
  notional (one multiplier) and the headroom left under the gross exposure limit. This too
  runs every cycle; the beat only decides that stage B uses it.
* cycle ``c + 1`` (stage B), after a beat (the frame is good): the HALTED check (read here, so
  that a kill on ``c`` is not missed), the two notional comparisons, priority of the reasons,
  state updates and the response are registered.
* cycle ``c + 2`` (stage C): the response beat is on ``o_rsp``; a fill's position exposure (a
  second multiplier) is registered.
* cycle ``c + 3`` (stage D): that exposure replaces the instrument's old one in the gross
  exposure, before the next message's checks (at ``c + 5`` at the earliest) read it.

The cycle count is the same for every message and verdict; only the amount of logic between
two registers changed when the multiplier moved to stage A (the ECP5's critical path was
multiplier -> comparison -> reason priority -> slot write enables, all on stage B).

Counters (32 bits, wrapping) live in two block-RAM copies written together: 32 rows x 1 counter
for the read-modify-write off the verdict path (one event per cycle, kills first) and 8 rows x 4
lanes for STATUS. The limits have a block-RAM mirror by STATUS page as well.

Size: at the iCEBreaker's reduced size (1 instrument, 2 order slots) the core alone synthesises
(``synth_ice40 -dsp``, 2026-11) to about 4,900 LUTs, 1,800 carries and 2,000 flip-flops, and the
whole guard packs into ~7,300 logic cells, still above the 5,280 of an iCE40UP5K. An iCE40
logic cell holds one LUT, one carry and one flip-flop whose input is that LUT, so a register
copied straight from the message register (limits, instrument settings, order slots, the last
order) takes a cell of its own: ~1,400 cells are flip-flops alone and ~900 are carries alone
(comparators). The way down from here is architectural: the instrument table and slot fields
in block RAM (the row index is registered on the beat cycle already: read it there, write it
back on stage B), and the instrument pages of STATUS from the same RAM.
"""

from typing import Any

from amaranth.hdl import Array, Cat, Const, Module, Mux, Signal, Value, signed
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from hdl.block_ram import block_ram
from hdl.guard_spec import (
    AGE_BITS,
    AGE_MAX,
    COUNTER_BAD_FRAMES,
    COUNTER_DROPS,
    COUNTER_PAGES,
    COUNTERS_PER_PAGE,
    EXPOSURE_QTY_MAX,
    FILL_COUNT_MAX,
    LIMIT_PAGES,
    LIMIT_WIDTHS,
    LIMITS_PER_PAGE,
    N_COUNTERS,
    OPEN_QTY_BITS,
    POSITION_REG_BITS,
    RATE_COUNT_BITS,
    VALUATION_BITS,
    VERDICT_LATENCY,
    WORD_MAX,
    check_core_parameters,
    kill_counter,
    order_counter,
    tick_counter,
)
from hdl.pre_trade_risk import STAGE_A_REASONS, order_checks, order_valuation
from hdl.protocol import (
    MESSAGE_LAYOUT,
    N_INSTRUMENTS,
    N_ORDER_SLOTS,
    PAYLOAD_LAYOUTS,
    POSITION_BITS,
    PRICE_BITS,
    PROTOCOL_VERSION,
    QTY_BITS,
    AckResult,
    ArmMode,
    KillCause,
    LimitId,
    MessageType,
    Reason,
    Side,
    StatusSection,
    TickReason,
    TradingState,
)
from hdl.tick_filter import tick_checks

__all__ = ["GuardCore"]

_N_LIMITS = len(LimitId)
#: Every gateware Reason in code order, with its bit in stage A's fails (None: stage B's own).
_FAIL_SOURCES = tuple(
    (code, STAGE_A_REASONS.index(code) if code in STAGE_A_REASONS else None)
    for code in Reason
    if 0 < code < 0x40
)
_COUNTER_BITS = 32
_WORD_BITS = 40


def _layout_size(message_type: MessageType) -> int:
    return data.Layout.cast(PAYLOAD_LAYOUTS[message_type]).size


def _field_offset(message_type: MessageType, name: str) -> int:
    return data.Layout.cast(PAYLOAD_LAYOUTS[message_type])[name].offset


def _view(message_type: MessageType, payload: Any) -> Any:
    return data.View(PAYLOAD_LAYOUTS[message_type], payload[: _layout_size(message_type)])


def _one_hot_select(select: Value, values: list[Value]) -> Value:
    """OR of ``values[i]`` where ``select[i]`` is set: ``values[i]`` when only bit ``i`` is."""
    width = max(len(value) for value in values)
    result: Value = Const(0, width)
    for index, value in enumerate(values):
        result = result | Mux(select[index], value, 0)
    return result[:width]


class _Instrument:
    """The registers of one instrument."""

    def __init__(self, index: int) -> None:
        def sig(shape: Any, name: str) -> Signal:
            return Signal(shape, name=f"i{index}_{name}")

        self.enabled = sig(1, "enabled")
        self.max_position = sig(POSITION_BITS - 1, "max_position")
        self.min_price = sig(PRICE_BITS, "min_price")
        self.max_price = sig(PRICE_BITS, "max_price")
        self.band = sig(PRICE_BITS, "band")
        self.has_ref = sig(1, "has_ref")
        self.bid = sig(PRICE_BITS, "bid")
        self.ask = sig(PRICE_BITS, "ask")
        self.ref_mid = sig(PRICE_BITS, "ref_mid")
        self.timestamp = sig(32, "timestamp")
        self.ref_age = sig(AGE_BITS, "ref_age")
        self.cand_valid = sig(1, "cand_valid")
        self.cand_mid = sig(PRICE_BITS, "cand_mid")
        self.cand_count = sig(8, "cand_count")
        self.position = sig(signed(POSITION_REG_BITS), "position")
        self.open_buy = sig(OPEN_QTY_BITS, "open_buy")
        self.open_sell = sig(OPEN_QTY_BITS, "open_sell")
        self.last_fill_price = sig(PRICE_BITS, "last_fill_price")
        self.exposure = sig(48, "exposure")

    FIELDS = (
        "enabled max_position min_price max_price band has_ref bid ask ref_mid timestamp "
        "ref_age cand_valid cand_mid cand_count position open_buy open_sell last_fill_price "
        "exposure"
    ).split()


class _Slot:
    """The registers of one open-order slot."""

    def __init__(self, index: int) -> None:
        def sig(shape: Any, name: str) -> Signal:
            return Signal(shape, name=f"s{index}_{name}")

        self.valid = sig(1, "valid")
        self.client_id = sig(32, "client_id")
        self.instrument = sig(2, "instrument")
        self.side = sig(1, "side")
        self.kind = sig(1, "kind")
        self.price = sig(PRICE_BITS, "price")
        self.remaining = sig(QTY_BITS, "remaining")
        self.valuation = sig(VALUATION_BITS, "valuation")

    FIELDS = "valid client_id instrument side kind price remaining valuation".split()


class _Selected:
    """Array views of one field across all instruments or slots, indexable by a Value."""

    def __init__(self, items: list[Any], fields: list[str]) -> None:
        self._arrays = {name: Array(getattr(item, name) for item in items) for name in fields}

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["_arrays"][name]
        except KeyError:
            raise AttributeError(name) from None


class _Row:
    """Every field of the instrument at ``index``, read combinationally."""

    def __init__(self, m: Module, ins_at: _Selected, index: Signal) -> None:
        for name in _Instrument.FIELDS:
            array = getattr(ins_at, name)
            value = Signal.like(array[0], name=f"row_{name}")
            m.d.comb += value.eq(array[index])
            setattr(self, name, value)

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(name)


class GuardCore(wiring.Component):
    """Tick filter, pre-trade risk checks, kill latch, watchdog and counters.

    Parameters
    ----------
    clock_hz : int
        Clock frequency, reported in HELLO_REPLY (1 .. 2**32 - 1).
    time_unit_cycles : int
        Clock cycles per time unit (1 .. 65,535); every window and timeout counts time units.
    n_instruments : int
        Instrument rows built (1 .. N_INSTRUMENTS); a higher index is an unknown instrument
        and its STATUS sections read as zero words.
    n_order_slots : int
        Open-order slots built (1 .. N_ORDER_SLOTS); MAX_OPEN_ORDERS may not exceed it.

    Raises
    ------
    TypeError
        If a parameter is not an int.
    ValueError
        If a parameter is out of range.

    Attributes
    ----------
    i_msg : stream, in
        One beat (MESSAGE_LAYOUT) per good frame; beats are at least 5 cycles apart. The
        payload must show the beat's message on the cycle before the beat as well.
    i_bad_frame : Signal(1), in
        One-cycle strobe per frame the decoder dropped.
    o_rsp : stream, out
        One beat (MESSAGE_LAYOUT) per response, ``VERDICT_LATENCY`` cycles after its message.
    i_rsp_dropped : Signal(1), in
        One-cycle strobe per response the top level's FIFO could not take.
    i_kill_button : Signal(1), in
        Synchronised, debounced kill switch, high = kill.
    o_state : Signal(2), out
        The TradingState, for LEDs.
    """

    #: Cycles from the ``i_msg`` beat to the response beat on ``o_rsp``, for every message.
    VERDICT_LATENCY = VERDICT_LATENCY

    i_msg: In(stream.Signature(MESSAGE_LAYOUT, always_ready=True))
    i_bad_frame: In(1)
    o_rsp: Out(stream.Signature(MESSAGE_LAYOUT, always_ready=True))
    i_rsp_dropped: In(1)
    i_kill_button: In(1)
    o_state: Out(2)

    def __init__(
        self,
        *,
        clock_hz: int,
        time_unit_cycles: int,
        n_instruments: int = N_INSTRUMENTS,
        n_order_slots: int = N_ORDER_SLOTS,
    ) -> None:
        check_core_parameters(
            clock_hz=clock_hz,
            time_unit_cycles=time_unit_cycles,
            n_instruments=n_instruments,
            n_order_slots=n_order_slots,
        )
        self.clock_hz = clock_hz
        self.time_unit_cycles = time_unit_cycles
        self.n_instruments = n_instruments
        self.n_order_slots = n_order_slots
        super().__init__()

    def elaborate(self, platform: Any) -> Module:
        m = Module()
        payload_bits = len(self.i_msg.payload.payload)

        # ---- time base and ages -----------------------------------------------------------
        unit_strobe = Signal()
        if self.time_unit_cycles == 1:
            m.d.comb += unit_strobe.eq(1)
        else:
            prescaler = Signal(range(self.time_unit_cycles))
            m.d.comb += unit_strobe.eq(prescaler == self.time_unit_cycles - 1)
            m.d.sync += prescaler.eq(Mux(unit_strobe, 0, prescaler + 1))

        ages: list[tuple[Signal, Signal]] = []

        def age(name: str) -> tuple[Signal, Signal]:
            value, reset = Signal(AGE_BITS, name=name), Signal(name=f"{name}_reset")
            ages.append((value, reset))
            return value, reset

        silence, silence_reset = age("silence")
        rate_age, rate_age_reset = age("rate_age")
        fill_age, fill_age_reset = age("fill_age")
        dup_age, dup_age_reset = age("dup_age")

        # ---- state --------------------------------------------------------------------------
        state = Signal(TradingState, name="state")
        kill_cause = Signal(3)
        m.d.comb += self.o_state.eq(state)
        limits = [
            Signal(LIMIT_WIDTHS[limit], name=f"lim_{limit.name.lower()}") for limit in LimitId
        ]
        lim = {limit: limits[limit] for limit in LimitId}
        limits_set = Signal(_N_LIMITS)
        instruments = [_Instrument(i) for i in range(self.n_instruments)]
        ins_at = _Selected(instruments, _Instrument.FIELDS)
        ref_age_resets = []
        for inst in instruments:
            reset = Signal(name=f"{inst.ref_age.name}_reset")
            ages.append((inst.ref_age, reset))
            ref_age_resets.append(reset)
        ref_age_reset_at = Array(ref_age_resets)
        slots = [_Slot(i) for i in range(self.n_order_slots)]
        slot_at = _Selected(slots, _Slot.FIELDS)
        open_count = Signal(range(self.n_order_slots + 1))
        open_notional = Signal(44)
        exposure_sum = Signal(50)
        rate_count = Signal(RATE_COUNT_BITS)
        fill_count = Signal(range(FILL_COUNT_MAX + 1))
        last = {
            "valid": Signal(name="last_valid"),
            "client_id": Signal(32, name="last_client_id"),
            "instrument": Signal(8, name="last_instrument"),
            "side": Signal(name="last_side"),
            "kind": Signal(name="last_kind"),
            "price": Signal(PRICE_BITS, name="last_price"),
            "quantity": Signal(QTY_BITS, name="last_quantity"),
        }
        enabled_mask = Cat(inst.enabled for inst in instruments)

        for value, reset in ages:
            with m.If(reset):
                m.d.sync += value.eq(0)
            with m.Elif(unit_strobe & (value != AGE_MAX)):
                m.d.sync += value.eq(value + 1)

        # ---- stage 0 (the cycle before the beat): register the message, compare client ids ----
        # Client ids of valid slots are unique (an accept needs DUPLICATE_ID to pass), so at
        # most one slot matches: its fields are selected by AND-OR before the beat, and so
        # is the one instrument row the message touches. Stage A then starts from registers
        # instead of a priority encoder and two muxes (the old critical path).
        msg_type = Signal(8)
        msg = Signal(payload_bits)
        match = Signal(self.n_order_slots)
        beat_type = self.i_msg.payload.type
        beat_payload = self.i_msg.payload.payload
        beat_match = Signal(self.n_order_slots)
        m.d.comb += beat_match.eq(
            Cat(slot.valid & (slot.client_id == beat_payload[:32]) for slot in slots)
        )

        def matched(field: str) -> Value:
            """``field`` of the matching slot, 0 when none matches."""
            return _one_hot_select(beat_match, [getattr(slot, field) for slot in slots])

        beat_row = Signal(2)
        with m.If((beat_type == MessageType.CANCEL) | (beat_type == MessageType.FILL)):
            m.d.comb += beat_row.eq(matched("instrument"))
        with m.Elif(beat_type == MessageType.TICK):
            m.d.comb += beat_row.eq(_view(MessageType.TICK, beat_payload).instrument[:2])
        with m.Elif(
            (beat_type == MessageType.SET_INSTRUMENT) | (beat_type == MessageType.SET_POSITION)
        ):
            # both layouts start with the instrument
            m.d.comb += beat_row.eq(_view(MessageType.SET_INSTRUMENT, beat_payload).instrument[:2])
        with m.Elif(beat_type == MessageType.STATUS):
            m.d.comb += beat_row.eq(_view(MessageType.STATUS, beat_payload).section[:2])
        with m.Else():
            m.d.comb += beat_row.eq(_view(MessageType.ORDER, beat_payload).instrument[:2])
        # the one instrument row a message touches, for stages A and B (the payload and the
        # slots hold still from the cycle before the beat until stage B)
        row_index = Signal(2)
        remaining = Signal(QTY_BITS)
        slot_side = Signal()
        slot_valuation = Signal(VALUATION_BITS)
        # an order's valuation price, from the beat's payload and its instrument's touch and
        # reference (they and the collar hold still until stage B); the instrument is
        # the payload's own, so the slot match is not on this path
        beat_order = _view(MessageType.ORDER, beat_payload)
        beat_order_row = beat_order.instrument[:2]
        beat_valuation = order_valuation(
            m,
            view=beat_order,
            bid=ins_at.bid[beat_order_row],
            ask=ins_at.ask[beat_order_row],
            ref_mid=ins_at.ref_mid[beat_order_row],
            collar=lim[LimitId.COLLAR_TICKS],
        )
        valuation = Signal(VALUATION_BITS)
        # the quantity a cancel or fill releases: the rest of the order, or the fill's own
        beat_remaining = matched("remaining")
        beat_fill = _view(MessageType.FILL, beat_payload)
        fill_qty = Signal(QTY_BITS)
        m.d.sync += [
            msg_type.eq(beat_type),
            msg.eq(beat_payload),
            match.eq(beat_match),
            row_index.eq(beat_row),
            remaining.eq(beat_remaining),
            slot_side.eq(matched("side")),
            slot_valuation.eq(matched("valuation")),
            valuation.eq(beat_valuation),
            fill_qty.eq(
                Mux(
                    (beat_type == MessageType.CANCEL) | (beat_fill.quantity > beat_remaining),
                    beat_remaining,
                    beat_fill.quantity,
                )
            ),
        ]
        m.d.comb += silence_reset.eq(self.i_msg.valid)

        # ---- stage A: checks ----------------------------------------------------------------
        is_type = {t: Signal(name=f"is_{t.name.lower()}") for t in MessageType if t < 0x80}
        for t, sig in is_type.items():
            m.d.comb += sig.eq(msg_type == t)

        order_view = _view(MessageType.ORDER, msg)
        tick_view = _view(MessageType.TICK, msg)
        set_inst = _view(MessageType.SET_INSTRUMENT, msg)
        status_view = _view(MessageType.STATUS, msg)
        # the matching slot's number, only for the stage B writes
        slot_index = Signal(range(self.n_order_slots))
        for index in reversed(range(self.n_order_slots)):
            with m.If(match[index]):
                m.d.comb += slot_index.eq(index)
        row = _Row(m, ins_at, row_index)

        order = order_checks(
            m,
            view=order_view,
            state=state,
            lim=lim,
            row=row,
            slots=slots,
            match=match,
            open_count=open_count,
            rate_count=rate_count,
            rate_age=rate_age,
            dup_age=dup_age,
            last=last,
            n_instruments=self.n_instruments,
        )
        tick = tick_checks(
            m,
            view=tick_view,
            row=row,
            confirm=lim[LimitId.CONFIRM_TICKS],
            confirm_set=limits_set[LimitId.CONFIRM_TICKS],
            n_instruments=self.n_instruments,
        )

        # registers between stage A and B: stage B runs once, after the beat
        valid_b = Signal()
        m.d.sync += valid_b.eq(self.i_msg.valid)
        # the message register, loaded on the beat cycle from the beat's own payload, is the
        # message on stage B, so stage B reads it directly instead of a copy
        type_b = msg_type
        msg_b = msg
        order_bits_b = Signal(len(order.fails))
        reducing_b = Signal()
        # C10 on stage B is gross + product > limit; stage A leaves it one comparison:
        # product > limit - gross, or a fail whatever the product when gross is already over
        gross_over_b = Signal()
        gross_headroom_b = Signal(LIMIT_WIDTHS[LimitId.MAX_GROSS_EXPOSURE])
        gross = Signal(51)
        m.d.comb += gross.eq(exposure_sum + open_notional)
        rate_expired_b = Signal()
        free_slot_b = Signal(range(self.n_order_slots))
        price_n_b = Signal(PRICE_BITS)
        m.d.sync += [
            order_bits_b.eq(order.fails),
            reducing_b.eq(order.reducing),
            gross_over_b.eq(gross > lim[LimitId.MAX_GROSS_EXPOSURE]),
            gross_headroom_b.eq(lim[LimitId.MAX_GROSS_EXPOSURE] - gross),
            rate_expired_b.eq(order.rate_expired),
            free_slot_b.eq(order.free_slot),
            price_n_b.eq(order.price),
        ]
        tick_reason_b = Signal(8)
        tick_mid_b = Signal(PRICE_BITS)
        tick_count_b = Signal(8)
        tick_near_b = Signal()
        m.d.sync += [
            tick_reason_b.eq(tick.reason),
            tick_mid_b.eq(tick.mid),
            tick_count_b.eq(tick.count),
            tick_near_b.eq(tick.near),
        ]

        # SET_LIMIT / SET_INSTRUMENT / ARM argument checks
        set_limit = _view(MessageType.SET_LIMIT, msg)
        limit_bad = Signal()
        with m.Switch(set_limit.limit_id):
            for limit in LimitId:
                with m.Case(limit):
                    value = set_limit.value
                    bad = (value == 0) | (value >> LIMIT_WIDTHS[limit] != 0)
                    if limit == LimitId.MAX_OPEN_ORDERS:
                        # the bits above the limit's width already fail: compare its own
                        bad = bad | (value[: LIMIT_WIDTHS[limit]] > self.n_order_slots)
                    m.d.comb += limit_bad.eq(bad)
            with m.Default():
                m.d.comb += limit_bad.eq(1)
        inst_bad = (
            (set_inst.instrument >= self.n_instruments)
            | (set_inst.min_price > set_inst.max_price)
            | (set_inst.band_ticks == 0)
        )
        set_position = _view(MessageType.SET_POSITION, msg)
        # a position with no price to value it would count no exposure: missing data
        position_bad = (set_position.instrument >= self.n_instruments) | (
            (set_position.position != 0) & (set_position.price == 0)
        )
        arm_view = _view(MessageType.ARM, msg)
        arm_result = Signal(8)
        with m.If(arm_view.mode > ArmMode.REDUCING):
            m.d.comb += arm_result.eq(AckResult.BAD_ARGUMENT)
        with m.Elif((limits_set != (1 << _N_LIMITS) - 1) | (enabled_mask == 0)):
            m.d.comb += arm_result.eq(AckResult.LIMITS_INCOMPLETE)
        arg_bad_b = Signal()
        arm_result_b = Signal(8)
        m.d.sync += [
            arg_bad_b.eq(
                Mux(
                    is_type[MessageType.SET_LIMIT],
                    limit_bad,
                    Mux(is_type[MessageType.SET_POSITION], position_bad, inst_bad),
                )
            ),
            arm_result_b.eq(arm_result),
        ]

        # CANCEL / FILL: the matching slot
        found_b = Signal()
        slot_b = Signal(range(self.n_order_slots))
        slot_buy = slot_side == Side.BUY
        position = row.position
        # the position a FILL leaves, or the one SET_POSITION sets (written on stage B)
        new_position = Signal(signed(POSITION_REG_BITS))
        with m.If(is_type[MessageType.SET_POSITION]):
            m.d.comb += new_position.eq(set_position.position)
        with m.Else():
            m.d.comb += new_position.eq(Mux(slot_buy, position + fill_qty, position - fill_qty))
        fill_expired = fill_age >= lim[LimitId.FILL_WINDOW]
        fill_count_new = Signal.like(fill_count)
        with m.If(fill_expired):
            m.d.comb += fill_count_new.eq(1)
        with m.Elif(fill_count != FILL_COUNT_MAX):
            m.d.comb += fill_count_new.eq(fill_count + 1)
        with m.Else():
            m.d.comb += fill_count_new.eq(fill_count)
        fill_qty_b = Signal(QTY_BITS)
        slot_buy_b = Signal()
        remaining_b = Signal(QTY_BITS)
        new_position_b = Signal(signed(POSITION_REG_BITS))
        fill_expired_b = Signal()
        fill_count_b = Signal.like(fill_count)
        m.d.sync += [
            found_b.eq(match != 0),
            slot_b.eq(slot_index),
            fill_qty_b.eq(fill_qty),
            slot_buy_b.eq(slot_buy),
            remaining_b.eq(remaining),
            new_position_b.eq(new_position),
            fill_expired_b.eq(fill_expired),
            fill_count_b.eq(fill_count_new),
        ]

        # one multiplier, on stage A so that stage B starts from its product: an order's
        # notional or the notional a cancel/fill releases
        multiplicand = Mux(is_type[MessageType.ORDER], order_view.quantity, fill_qty)
        multiplier = Mux(is_type[MessageType.ORDER], valuation, slot_valuation)
        product = Signal(QTY_BITS + VALUATION_BITS)
        m.d.sync += product.eq(multiplicand * multiplier)

        # STATUS: the counter row is read on stage A so that its data arrives on stage B.
        # Two copies of the counters, written together: one counter per row for the
        # read-modify-write (a 32-bit port: 2 EBR on an iCE40) and one page per row for STATUS
        # (a 128-bit port: 8 EBR). One memory of pages with two read ports took 16 EBR; the
        # EBR saved hold the limits' STATUS mirror below.
        # A read of a row being written is overridden by the forwarding registers below, so
        # collisions need no care (see :func:`hdl.block_ram.block_ram`).
        counter_wr, counter_rd, counter_rd_data = block_ram(
            m, "counters", width=_COUNTER_BITS, depth=N_COUNTERS, data_name="counter_rd_data"
        )
        page_wr, status_rd, status_rd_data = block_ram(
            m,
            "counter_pages",
            width=_COUNTER_BITS * COUNTERS_PER_PAGE,
            depth=COUNTER_PAGES,
            granularity=_COUNTER_BITS,
            data_name="status_rd_data",
        )
        m.d.comb += status_rd.addr.eq(status_view.section[:3])
        forward_valid = Signal()
        forward_index = Signal(range(N_COUNTERS))
        forward_word = Signal(_COUNTER_BITS)
        status_row = Signal(_COUNTER_BITS * COUNTERS_PER_PAGE)
        for lane in range(COUNTERS_PER_PAGE):
            hit = forward_valid & (forward_index == status_view.section[:3] * 4 + lane)
            m.d.comb += status_row.word_select(lane, _COUNTER_BITS).eq(
                Mux(hit, forward_word, status_rd_data.word_select(lane, _COUNTER_BITS))
            )

        # STATUS mirror of the limits: LIMITS_0 + page shows limits 2 * page and
        # 2 * page + 1, so a row holds those two values and SET_LIMIT writes one lane of it on
        # stage B. STATUS reads the row on stage A, at least 4 cycles after any write (beats
        # are at least 5 cycles apart), so no forwarding is needed. A limit that is not set is
        # 0 (reset clears the registers and the set bits, SET_LIMIT sets both), so a mirror
        # lane counts only with its set bit; the mirror itself needs no reset.
        limit_bits = max(LIMIT_WIDTHS.values())
        limit_page_wr, limit_page_rd, limit_page_data = block_ram(
            m,
            "limit_pages",
            width=limit_bits * LIMITS_PER_PAGE,
            depth=LIMIT_PAGES,
            granularity=limit_bits,
            data_name="limit_page_data",
        )
        m.d.comb += limit_page_rd.addr.eq(status_view.section[:3])

        # ---- stage B: verdicts, updates, response --------------------------------------------
        b_type = {t: Signal(name=f"b_is_{t.name.lower()}") for t in MessageType if t < 0x80}
        for t, sig in b_type.items():
            m.d.comb += sig.eq(valid_b & (type_b == t))

        order_b = _view(MessageType.ORDER, msg_b)
        tick_b = _view(MessageType.TICK, msg_b)
        fill_b = _view(MessageType.FILL, msg_b)
        set_limit_b = _view(MessageType.SET_LIMIT, msg_b)
        set_inst_b = _view(MessageType.SET_INSTRUMENT, msg_b)
        arm_b = _view(MessageType.ARM, msg_b)
        status_b = _view(MessageType.STATUS, msg_b)

        # C1's kill latch is read here, not on stage A: a kill on the beat cycle (the button,
        # the watchdog) sets HALTED on this one, and an order must never pass it
        halted = state == TradingState.HALTED
        stage_b_fails = {
            Reason.HALTED: halted,
            Reason.MAX_NOTIONAL: product > lim[LimitId.MAX_ORDER_NOTIONAL],
            Reason.MAX_EXPOSURE: ~reducing_b & (gross_over_b | (product > gross_headroom_b)),
        }
        # one fail bit per reason in code order: stage B's own, or stage A's registered one
        fails = Cat(
            stage_b_fails[code] if bit is None else order_bits_b[bit] for code, bit in _FAIL_SOURCES
        )
        reason = Signal(8)
        for code in reversed(range(1, len(fails) + 1)):
            with m.If(fails[code - 1]):
                m.d.comb += reason.eq(code)

        # response register
        rsp_valid = Signal()
        rsp_type = Signal(8)
        rsp_payload = Signal(payload_bits)
        m.d.comb += [
            self.o_rsp.valid.eq(rsp_valid),
            self.o_rsp.payload.type.eq(rsp_type),
            self.o_rsp.payload.payload.eq(rsp_payload),
        ]
        m.d.sync += rsp_valid.eq(0)
        # The response of stage B. Each branch below records its response; after them, every
        # response is one AND-OR term of the payload (the request types are exclusive), and
        # all ACKs share one term: their argument is the request's first field, so it comes
        # straight from the message register instead of through a mux per command.
        responses: dict[MessageType, dict[str, Any]] = {}
        ack_results: dict[MessageType, Any] = {}

        def respond(message_type: MessageType, **fields: Any) -> None:
            responses[message_type] = fields

        def ack(command: MessageType, result: Any) -> None:
            """ACK ``command`` with ``result``; the argument is the request's first field."""
            ack_results[command] = Const(result, 8) if isinstance(result, int) else result

        # counter events of this cycle
        verdict_event = Signal()
        verdict_index = Signal(range(N_COUNTERS))
        kill_event = Signal()
        kill_event_cause = Signal(3)
        alert_request = Signal()

        def disarm_if_armed() -> None:
            with m.If((state == TradingState.ACTIVE) | (state == TradingState.REDUCING)):
                m.d.sync += state.eq(TradingState.DISARMED)

        # One write port for the slots' remaining quantity (an accept's quantity, or what a
        # cancel or fill leaves): a value and a one-hot enable, so that every slot's register
        # takes the same value. Written as two indexed writes, the flattened ECP5 synthesis
        # built each slot a mux of its own (~1,000 LUT4s at 8 slots, 2026-12).
        remaining_we = Signal(self.n_order_slots)
        remaining_new = Signal(QTY_BITS)
        for slot, enable in zip(slots, remaining_we, strict=True):
            with m.If(enable):
                m.d.sync += slot.remaining.eq(remaining_new)

        def write_remaining(slot_index: Any, value: Any) -> None:
            m.d.comb += [
                remaining_we.eq(Const(1, self.n_order_slots) << slot_index),
                remaining_new.eq(value),
            ]

        def release(slot_index_b: Any, quantity: Any) -> None:
            with m.If(slot_buy_b):
                m.d.sync += ins_at.open_buy[row_index].eq(row.open_buy - quantity)
            with m.Else():
                m.d.sync += ins_at.open_sell[row_index].eq(row.open_sell - quantity)
            m.d.sync += open_notional.eq(open_notional - product)
            write_remaining(slot_index_b, remaining_b - quantity)
            with m.If(remaining_b == quantity):
                m.d.sync += [slot_at.valid[slot_index_b].eq(0), open_count.eq(open_count - 1)]

        # stage C registers (a fill's position exposure)
        valid_c = Signal()
        exposure_qty_c = Signal(24)
        exposure_price_c = Signal(PRICE_BITS)
        exposure_ins_c = Signal(2)
        m.d.sync += valid_c.eq(0)
        magnitude = Signal(POSITION_REG_BITS)
        m.d.comb += magnitude.eq(Mux(new_position_b < 0, -new_position_b, new_position_b))

        # The position a FILL or SET_POSITION leaves, valued at the message's price (stage C
        # computes the exposure): one write for both, so the instrument rows get no second
        # write source, and no price mux: both layouts carry the price at the same bits.
        assert _field_offset(MessageType.FILL, "price") == _field_offset(
            MessageType.SET_POSITION, "price"
        )
        write_position = Signal()
        with m.If(write_position):
            price = fill_b.price
            m.d.sync += [
                ins_at.position[row_index].eq(new_position_b),
                ins_at.last_fill_price[row_index].eq(price),
                valid_c.eq(1),
                exposure_qty_c.eq(
                    # "> EXPOSURE_QTY_MAX" as a bit test (a comparison is a carry chain)
                    Mux(
                        magnitude[EXPOSURE_QTY_MAX.bit_length() :].any(),
                        EXPOSURE_QTY_MAX,
                        magnitude,
                    )
                ),
                exposure_price_c.eq(price),
                exposure_ins_c.eq(row_index),
            ]

        with m.If(b_type[MessageType.HELLO]):
            respond(
                MessageType.HELLO_REPLY,
                version=PROTOCOL_VERSION,
                n_instruments=self.n_instruments,
                n_order_slots=self.n_order_slots,
                time_unit_cycles=self.time_unit_cycles,
                clock_hz=self.clock_hz,
            )

        with m.If(b_type[MessageType.SET_LIMIT]):
            ack(MessageType.SET_LIMIT, Mux(arg_bad_b, AckResult.BAD_ARGUMENT, AckResult.OK))
            with m.If(~arg_bad_b):
                assert LIMITS_PER_PAGE == 2  # the page is limit_id >> 1, the lane its bit 0
                m.d.comb += [
                    limit_page_wr.addr.eq(set_limit_b.limit_id[1:4]),
                    limit_page_wr.data.eq(Cat([set_limit_b.value] * LIMITS_PER_PAGE)),
                    limit_page_wr.en.eq(1 << set_limit_b.limit_id[0]),
                ]
                m.d.sync += Array(limits)[set_limit_b.limit_id[:4]].eq(set_limit_b.value)
                m.d.sync += limits_set.bit_select(set_limit_b.limit_id[:4], 1).eq(1)
                disarm_if_armed()

        with m.If(b_type[MessageType.SET_INSTRUMENT]):
            ack(MessageType.SET_INSTRUMENT, Mux(arg_bad_b, AckResult.BAD_ARGUMENT, AckResult.OK))
            with m.If(~arg_bad_b):
                index = row_index
                m.d.sync += [
                    ins_at.enabled[index].eq(set_inst_b.enabled != 0),
                    ins_at.max_position[index].eq(set_inst_b.max_position),
                    ins_at.min_price[index].eq(set_inst_b.min_price),
                    ins_at.max_price[index].eq(set_inst_b.max_price),
                    ins_at.band[index].eq(set_inst_b.band_ticks),
                    ins_at.has_ref[index].eq(0),
                    ins_at.cand_valid[index].eq(0),
                ]
                disarm_if_armed()

        with m.If(b_type[MessageType.SET_POSITION]):
            ack(MessageType.SET_POSITION, Mux(arg_bad_b, AckResult.BAD_ARGUMENT, AckResult.OK))
            with m.If(~arg_bad_b):
                m.d.comb += write_position.eq(1)
                disarm_if_armed()

        with m.If(b_type[MessageType.CANCEL_ALL]):
            ack(MessageType.CANCEL_ALL, AckResult.OK)
            m.d.sync += [
                open_count.eq(0),
                open_notional.eq(0),
                *(slot.valid.eq(0) for slot in slots),
                *(inst.open_buy.eq(0) for inst in instruments),
                *(inst.open_sell.eq(0) for inst in instruments),
            ]

        with m.If(b_type[MessageType.ARM]):
            ack(MessageType.ARM, arm_result_b)
            with m.If(arm_result_b == AckResult.OK):
                m.d.sync += [
                    state.eq(
                        Mux(
                            arm_b.mode == ArmMode.ACTIVE, TradingState.ACTIVE, TradingState.REDUCING
                        )
                    ),
                    kill_cause.eq(KillCause.NONE),
                ]

        with m.If(b_type[MessageType.KILL]):
            ack(MessageType.KILL, AckResult.OK)
            with m.If(state != TradingState.HALTED):
                m.d.sync += [state.eq(TradingState.HALTED), kill_cause.eq(KillCause.COMMAND)]
                m.d.comb += [kill_event.eq(1), kill_event_cause.eq(KillCause.COMMAND)]

        with m.If(b_type[MessageType.TICK]):
            respond(
                MessageType.TICK_VERDICT,
                instrument=tick_b.instrument,
                timestamp=tick_b.timestamp,
                reason=tick_reason_b,
            )
            m.d.comb += [
                verdict_event.eq(1),
                verdict_index.eq(tick_counter(TickReason.ACCEPT) + tick_reason_b),
            ]
            index = row_index
            with m.If(tick_reason_b == TickReason.ACCEPT):
                m.d.sync += [
                    ins_at.has_ref[index].eq(1),
                    ins_at.bid[index].eq(tick_b.bid),
                    ins_at.ask[index].eq(tick_b.ask),
                    ins_at.ref_mid[index].eq(tick_mid_b),
                    ins_at.timestamp[index].eq(tick_b.timestamp),
                    ins_at.cand_valid[index].eq(0),
                ]
                m.d.comb += ref_age_reset_at[index].eq(1)
            with m.Elif(tick_reason_b == TickReason.BAND_JUMP):
                m.d.sync += [
                    ins_at.cand_valid[index].eq(1),
                    ins_at.cand_count[index].eq(tick_count_b),
                ]
                with m.If(~tick_near_b):
                    m.d.sync += ins_at.cand_mid[index].eq(tick_mid_b)

        with m.If(b_type[MessageType.ORDER]):
            respond(MessageType.ORDER_VERDICT, client_id=order_b.client_id, reason=reason)
            m.d.comb += [verdict_event.eq(1), verdict_index.eq(order_counter(0) + reason)]
            with m.If(reason == Reason.ACCEPT):
                slot = free_slot_b
                index = row_index
                m.d.sync += [
                    slot_at.valid[slot].eq(1),
                    slot_at.client_id[slot].eq(order_b.client_id),
                    slot_at.instrument[slot].eq(index),
                    slot_at.side[slot].eq(order_b.side),
                    slot_at.kind[slot].eq(order_b.kind),
                    slot_at.price[slot].eq(price_n_b),
                    slot_at.valuation[slot].eq(valuation),
                    open_count.eq(open_count + 1),
                    open_notional.eq(open_notional + product),
                    last["valid"].eq(1),
                    last["client_id"].eq(order_b.client_id),
                    last["instrument"].eq(order_b.instrument),
                    last["side"].eq(order_b.side),
                    last["kind"].eq(order_b.kind),
                    last["price"].eq(price_n_b),
                    last["quantity"].eq(order_b.quantity),
                ]
                write_remaining(slot, order_b.quantity)
                with m.If(order_b.side == Side.BUY):
                    m.d.sync += ins_at.open_buy[index].eq(row.open_buy + order_b.quantity)
                with m.Else():
                    m.d.sync += ins_at.open_sell[index].eq(row.open_sell + order_b.quantity)
                with m.If(rate_expired_b):
                    m.d.sync += rate_count.eq(1)
                    m.d.comb += rate_age_reset.eq(1)
                with m.Else():
                    m.d.sync += rate_count.eq(rate_count + 1)
                m.d.comb += dup_age_reset.eq(1)

        with m.If(b_type[MessageType.CANCEL]):
            ack(MessageType.CANCEL, Mux(found_b, AckResult.OK, AckResult.UNKNOWN_ORDER))
            with m.If(found_b):
                release(slot_b, fill_qty_b)

        with m.If(b_type[MessageType.FILL]):
            ack(MessageType.FILL, Mux(found_b, AckResult.OK, AckResult.UNKNOWN_ORDER))
            with m.If(found_b):
                release(slot_b, fill_qty_b)
                m.d.comb += write_position.eq(1)
                m.d.sync += fill_count.eq(fill_count_b)
                m.d.comb += fill_age_reset.eq(fill_expired_b)
                with m.If(state != TradingState.HALTED):
                    with m.If(fill_count_b > lim[LimitId.FILL_MAX]):
                        m.d.comb += [kill_event.eq(1), kill_event_cause.eq(KillCause.FILL_RATE)]
                    with m.Elif(magnitude > row.max_position):
                        m.d.comb += [
                            kill_event.eq(1),
                            kill_event_cause.eq(KillCause.POSITION_BREACH),
                        ]
                    with m.If(kill_event):
                        m.d.sync += [state.eq(TradingState.HALTED), kill_cause.eq(kill_event_cause)]
                        m.d.comb += alert_request.eq(1)

        with m.If(b_type[MessageType.STATUS]):
            respond(
                MessageType.STATUS_REPLY,
                section=status_b.section,
                words=self._status_words(
                    m,
                    status_b.section,
                    state,
                    kill_cause,
                    enabled_mask,
                    open_count,
                    limits_set,
                    exposure_sum,
                    open_notional,
                    row,
                    limit_page_data,
                    status_row,
                ),
            )

        # ---- the response payload: one term per response type --------------------------------
        request_of = {
            MessageType.HELLO_REPLY: MessageType.HELLO,
            MessageType.TICK_VERDICT: MessageType.TICK,
            MessageType.ORDER_VERDICT: MessageType.ORDER,
            MessageType.STATUS_REPLY: MessageType.STATUS,
        }
        assert set(responses) == set(request_of), responses
        terms: list[tuple[Value, Value, Value]] = []  # (select, type, payload)
        for message_type, fields in responses.items():
            payload = Signal(payload_bits, name=f"{message_type.name.lower()}_payload")
            view = _view(message_type, payload)
            for name, value in fields.items():
                if name == "words":
                    for index, word in enumerate(value):
                        m.d.comb += view.words[index].eq(word)
                else:
                    m.d.comb += getattr(view, name).eq(value)
            terms.append((b_type[request_of[message_type]], Const(message_type, 8), payload))
        ack_select = Cat(b_type[command] for command in ack_results)
        ack_payload = Signal(payload_bits, name="ack_payload")
        ack_view = _view(MessageType.ACK, ack_payload)
        # the first field of every acknowledged request: limit id, instrument or mode (8 bits),
        # client id (32 bits), nothing for KILL; CANCEL_ALL's is the orders it cancelled
        wide_argument = b_type[MessageType.CANCEL] | b_type[MessageType.FILL]
        narrow_argument = Signal(8)
        with m.If(b_type[MessageType.KILL]):
            m.d.comb += narrow_argument.eq(0)
        with m.Elif(b_type[MessageType.CANCEL_ALL]):
            m.d.comb += narrow_argument.eq(open_count)
        with m.Else():
            m.d.comb += narrow_argument.eq(msg_b[:8])
        m.d.comb += [
            ack_view.command.eq(type_b),
            ack_view.argument.eq(Cat(narrow_argument, Mux(wide_argument, msg_b[8:32], 0))),
            ack_view.result.eq(_one_hot_select(ack_select, list(ack_results.values()))),
        ]
        terms.append((ack_select.any(), Const(MessageType.ACK, 8), ack_payload))
        selects = Cat(select for select, _, _ in terms)
        load = Signal()
        load_type = Signal(8)
        load_payload = Signal(payload_bits)
        m.d.comb += [
            load.eq(selects.any()),
            load_type.eq(_one_hot_select(selects, [t for _, t, _ in terms])),
            load_payload.eq(_one_hot_select(selects, [p for _, _, p in terms])),
        ]

        # ---- stages C and D: a fill's position exposure -----------------------------------
        # The product is registered before the sum (multiplier -> adder -> subtractor was the
        # ECP5's critical path). Both land before the next beat's checks read them (beats are
        # at least 5 cycles apart), so the model sees them as part of the message.
        valid_d = Signal()
        exposure_d = Signal(48)
        exposure_ins_d = Signal(2)
        m.d.sync += [
            valid_d.eq(valid_c),
            exposure_d.eq(exposure_qty_c * exposure_price_c),
            exposure_ins_d.eq(exposure_ins_c),
        ]
        with m.If(valid_d):
            m.d.sync += [
                ins_at.exposure[exposure_ins_d].eq(exposure_d),
                exposure_sum.eq(exposure_sum + exposure_d - ins_at.exposure[exposure_ins_d]),
            ]

        # ---- autonomous kills (after the message updates: they win a same-cycle race) -------
        watchdog = ((state == TradingState.ACTIVE) | (state == TradingState.REDUCING)) & (
            silence > lim[LimitId.HEARTBEAT_TIMEOUT]
        )
        button = self.i_kill_button & (state != TradingState.HALTED)
        with m.If(watchdog | button):
            cause = Mux(watchdog, KillCause.WATCHDOG, KillCause.BUTTON)
            m.d.sync += [state.eq(TradingState.HALTED), kill_cause.eq(cause)]
            m.d.comb += [
                kill_event.eq(1),
                kill_event_cause.eq(cause),
                alert_request.eq(1),
            ]

        # ---- response register: a message's response first, then a pending ALERT -------------
        alert_pending = Signal()
        alert_cause = Signal(3)
        with m.If(load):
            m.d.sync += [rsp_valid.eq(1), rsp_type.eq(load_type), rsp_payload.eq(load_payload)]
            with m.If(alert_request):
                m.d.sync += [alert_pending.eq(1), alert_cause.eq(kill_event_cause)]
        with m.Elif(alert_request | alert_pending):
            alert_view = _view(MessageType.ALERT, Signal(payload_bits, name="alert_payload"))
            m.d.comb += [
                alert_view.state.eq(TradingState.HALTED),
                alert_view.cause.eq(Mux(alert_pending, alert_cause, kill_event_cause)),
            ]
            m.d.sync += [
                rsp_valid.eq(1),
                rsp_type.eq(MessageType.ALERT),
                rsp_payload.eq(alert_view.as_value()),
                alert_pending.eq(0),
            ]

        # ---- counters: one read-modify-write per cycle, kills first ---------------------------
        pending_kill = Signal()
        pending_kill_index = Signal(range(N_COUNTERS))
        pending_verdict = Signal()
        pending_verdict_index = Signal(range(N_COUNTERS))
        pending_bad = Signal(4)
        pending_drop = Signal(4)
        serve = Signal()
        serve_index = Signal(range(N_COUNTERS))
        take_kill, take_verdict, take_bad, take_drop = (
            Signal(name=n) for n in ("take_kill", "take_verdict", "take_bad", "take_drop")
        )
        with m.If(pending_kill):
            m.d.comb += [serve.eq(1), serve_index.eq(pending_kill_index), take_kill.eq(1)]
        with m.Elif(pending_verdict):
            m.d.comb += [serve.eq(1), serve_index.eq(pending_verdict_index), take_verdict.eq(1)]
        with m.Elif(pending_bad != 0):
            m.d.comb += [serve.eq(1), serve_index.eq(COUNTER_BAD_FRAMES), take_bad.eq(1)]
        with m.Elif(pending_drop != 0):
            m.d.comb += [serve.eq(1), serve_index.eq(COUNTER_DROPS), take_drop.eq(1)]
        with m.If(take_kill):
            m.d.sync += pending_kill.eq(0)
        with m.If(kill_event):
            m.d.sync += [
                pending_kill.eq(1),
                pending_kill_index.eq(kill_counter(0) + kill_event_cause),
            ]
        with m.If(take_verdict):
            m.d.sync += pending_verdict.eq(0)
        with m.If(verdict_event):
            m.d.sync += [pending_verdict.eq(1), pending_verdict_index.eq(verdict_index)]
        m.d.sync += [
            pending_bad.eq(pending_bad + self.i_bad_frame - take_bad),
            pending_drop.eq(pending_drop + self.i_rsp_dropped - take_drop),
        ]
        m.d.comb += [counter_rd.addr.eq(serve_index)]
        write_pending = Signal()
        write_index = Signal(range(N_COUNTERS))
        m.d.sync += [write_pending.eq(serve), write_index.eq(serve_index)]
        current = Signal(_COUNTER_BITS)
        forward_hit = forward_valid & (forward_index == write_index)
        m.d.comb += current.eq(Mux(forward_hit, forward_word, counter_rd_data))
        m.d.sync += [
            forward_valid.eq(write_pending),
            forward_index.eq(write_index),
            forward_word.eq(current + 1),
        ]
        m.d.comb += [
            counter_wr.addr.eq(write_index),
            counter_wr.data.eq(current + 1),
            counter_wr.en.eq(write_pending),
            page_wr.addr.eq(write_index >> 2),
            page_wr.data.eq(Cat([(current + 1)[:_COUNTER_BITS]] * COUNTERS_PER_PAGE)),
            page_wr.en.eq(Mux(write_pending, 1 << write_index[:2], 0)),
        ]
        return m

    def _status_words(
        self,
        m,
        section,
        state,
        kill_cause,
        enabled_mask,
        open_count,
        limits_set,
        exposure_sum,
        open_notional,
        row,
        limit_page,
        counter_row,
    ):
        words = [Signal(_WORD_BITS, name=f"status_word{i}") for i in range(4)]
        gross = exposure_sum + open_notional
        with m.Switch(section):
            with m.Case(StatusSection.SUMMARY):
                m.d.comb += [
                    words[0].eq(
                        Cat(
                            state,
                            Const(0, 6),
                            kill_cause,
                            Const(0, 5),
                            enabled_mask,
                            Const(0, 8 - len(enabled_mask)),
                            open_count,
                        )
                    ),
                    words[1].eq(limits_set),
                    # saturation tests as bit tests: "> WORD_MAX" would be a carry chain
                    words[2].eq(Mux(gross[_WORD_BITS:].any(), WORD_MAX, gross)),
                    words[3].eq(Mux(open_notional[_WORD_BITS:].any(), WORD_MAX, open_notional)),
                ]
            # the row is the instrument section[1:0] (see row_index); the pages are
            # INSTRUMENT_0 + 4 * page + index
            base = StatusSection.INSTRUMENT_0 >> 2
            # an instrument the build left out reads as zero words in every page
            present = section[:2] < self.n_instruments
            with m.Case(f"{base:06b}--"):
                with m.If(present):
                    m.d.comb += [
                        words[0].eq(row.position.as_signed()),
                        words[1].eq(Cat(row.open_buy, row.open_sell)),
                        words[2].eq(Cat(row.ref_mid, row.has_ref, row.enabled)),
                        words[3].eq(row.ref_age),
                    ]
            with m.Case(f"{base + 1:06b}--"):
                with m.If(present):
                    m.d.comb += [
                        words[0].eq(row.bid),
                        words[1].eq(row.ask),
                        words[2].eq(row.last_fill_price),
                        words[3].eq(row.max_position),
                    ]
            with m.Case(f"{base + 2:06b}--"):
                with m.If(present):
                    m.d.comb += [
                        words[0].eq(row.min_price),
                        words[1].eq(row.max_price),
                        words[2].eq(row.band),
                        words[3].eq(row.timestamp),
                    ]
            for page in range(COUNTER_PAGES):
                with m.Case(StatusSection.COUNTERS_0 + page):
                    m.d.comb += [
                        words[lane].eq(counter_row.word_select(lane, _COUNTER_BITS))
                        for lane in range(COUNTERS_PER_PAGE)
                    ]
            # the limits come from their mirror (see limit_pages), a lane only when its limit
            # is set; a limit id past the last is never set
            with m.Case(*(StatusSection.LIMITS_0 + page for page in range(LIMIT_PAGES))):
                for offset in range(LIMITS_PER_PAGE):
                    limit_set = limits_set.bit_select(section[:3] * LIMITS_PER_PAGE + offset, 1)
                    limit_bits = len(limit_page) // LIMITS_PER_PAGE
                    m.d.comb += [
                        words[offset].eq(
                            Mux(limit_set, limit_page.word_select(offset, limit_bits), 0)
                        ),
                        words[2 + offset].eq(limit_set),
                    ]
        return words
