"""GuardModel: the cycle-exact Python reference model of the GuardCore gateware.

It is the golden model the simulations compare every ``o_rsp`` beat against, and the fast
``model`` guard of backtests. It uses the same integer arithmetic and the same timing as
:class:`hdl.guard_core.GuardCore` (see :mod:`hdl.guard_spec` for the cycle conventions), so the
gateware and the model agree bit for bit.

Semantics (shared with the gateware)
------------------------------------
State: DISARMED at reset. A successful SET_LIMIT, SET_INSTRUMENT or SET_POSITION moves ACTIVE
or REDUCING back to DISARMED (limits changed: the operator re-arms); HALTED stays latched until
ARM. ARM is refused with LIMITS_INCOMPLETE unless every LimitId is set and at least one
instrument is enabled, with BAD_ARGUMENT for a mode other than ACTIVE/REDUCING; it clears the
kill cause.
KILL latches HALTED with cause COMMAND (ACK only, no ALERT); while already HALTED it changes
nothing (the first cause is kept).

Kills: the watchdog (ACTIVE or REDUCING and the heartbeat age above HEARTBEAT_TIMEOUT), the
fill rate, a position breach and the button latch HALTED only from a state other than HALTED,
count one kill of their cause and emit an ALERT(HALTED, cause) on the cycle after the kill, or
one cycle later when a response already occupies that cycle.

Tick filter: SET_INSTRUMENT clears the instrument's reference (a new tick is needed before any
order) and its band candidate. TIME_BACKWARDS applies only once a tick has been accepted. With
CONFIRM_TICKS unset an out-of-band tick is never confirmed (fail closed).

Orders: a MARKET order's price field is treated as 0 everywhere (including DUPLICATE_ORDER).
An instrument index out of range has position and open quantities 0. Windows (RATE, FILL)
are tumbling: a window starts at the first counted event after the previous one expired (age
>= window) and counts until it expires. DUPLICATE_ORDER applies while the age of the last
accept is <= DUP_WINDOW. A FILL of an unknown id changes nothing and is not counted toward
the fill window; a FILL of quantity 0 is counted.

Restarts: SET_POSITION sets an instrument's position and its last fill price (which values
it for MAX_EXPOSURE, as a fill does), refused with BAD_ARGUMENT for an instrument out of
range or a nonzero position without a price; it never latches a kill. CANCEL_ALL frees every
order slot in any state and ACKs with the number of orders it cancelled as its argument.

Counters wrap modulo 2**32. A STATUS reply's counters include every event on cycles before
the one before its beat (the counter memory is read on the beat cycle, and an event takes two
cycles to reach it); its other fields include every event up to its beat cycle.

Timing: a message's cycle is that of its ``i_msg`` beat, the cycle that accepts its frame's
delimiter. A kill on that cycle or before comes before the message (the gateware reads the
kill latch again when it commits the message); see :mod:`hdl.guard_spec`.

A kill button press on a message's update cycle (the cycle after its beat) races the
message's own state write, and the press wins when it latches: it reads the state from before
the message (a press while HALTED is ignored, even when the message is an ARM), and a kill the
message latches on that cycle (KILL, or a FILL's) becomes the button's: cause BUTTON, one
button kill counted and one ALERT.

Not modelled: response drops are only counted when reported with
:meth:`GuardModel.response_dropped`.
"""

import collections
from collections.abc import Callable, Mapping

from hdl.guard_spec import (
    AGE_MAX,
    CHECK_STAGE,
    CONFIRM_COUNT_MAX,
    COUNTER_BAD_FRAMES,
    COUNTER_DROPS,
    COUNTER_PAGES,
    COUNTERS_PER_PAGE,
    EXPOSURE_QTY_MAX,
    FILL_COUNT_MAX,
    INSTRUMENT_PAGES,
    LIMIT_PAGES,
    LIMIT_WIDTHS,
    LIMITS_PER_PAGE,
    N_COUNTERS,
    STATUS_STAGE,
    UPDATE_STAGE,
    VERDICT_LATENCY,
    WORD_MAX,
    check_core_parameters,
    kill_counter,
    order_counter,
    tick_counter,
    wrap_position,
)
from hdl.protocol import (
    N_INSTRUMENTS,
    N_ORDER_SLOTS,
    PROTOCOL_VERSION,
    AckResult,
    ArmMode,
    KillCause,
    LimitId,
    MessageType,
    OrderKind,
    Reason,
    Side,
    StatusSection,
    TickReason,
    TradingState,
)
from host.link.codec import Message

__all__ = ["GuardModel"]

_COUNTER_MASK = (1 << 32) - 1
#: Cycles from a counted event to the counter memory (its pending register, then the
#: read-modify-write): a read on cycle ``r`` shows the events of cycles up to ``r - 2``.
_COUNT_DELAY = 2
_WORD_MASK = (1 << 40) - 1
_N_LIMITS = len(LimitId)
_ALL_LIMITS_MASK = (1 << _N_LIMITS) - 1

_HALTED = TradingState.HALTED
_ACTIVE = TradingState.ACTIVE
_REDUCING = TradingState.REDUCING
_DISARMED = TradingState.DISARMED


class _Instrument:
    """Per-instrument registers (configuration, tick filter, position)."""

    __slots__ = (
        "enabled",
        "max_position",
        "min_price",
        "max_price",
        "band",
        "has_ref",
        "bid",
        "ask",
        "ref_mid",
        "timestamp",
        "ref_base",
        "cand_valid",
        "cand_mid",
        "cand_count",
        "position",
        "open_buy",
        "open_sell",
        "last_fill_price",
        "exposure",
    )

    def __init__(self) -> None:
        self.enabled = False
        self.max_position = 0
        self.min_price = 0
        self.max_price = 0
        self.band = 0
        self.has_ref = False
        self.bid = 0
        self.ask = 0
        self.ref_mid = 0
        self.timestamp = 0
        self.ref_base = 0  # time unit the reference age counts from
        self.cand_valid = False
        self.cand_mid = 0
        self.cand_count = 0
        self.position = 0
        self.open_buy = 0
        self.open_sell = 0
        self.last_fill_price = 0
        self.exposure = 0  # min(|position|, EXPOSURE_QTY_MAX) x last fill price


class _Slot:
    """One open order."""

    __slots__ = ("client_id", "instrument", "side", "kind", "price", "remaining", "valuation")

    def __init__(
        self,
        client_id: int,
        instrument: int,
        side: int,
        kind: int,
        price: int,
        remaining: int,
        valuation: int,
    ) -> None:
        self.client_id = client_id
        self.instrument = instrument
        self.side = side
        self.kind = kind
        self.price = price
        self.remaining = remaining
        self.valuation = valuation


class GuardModel:
    """Cycle-exact reference model of :class:`hdl.guard_core.GuardCore`.

    Parameters
    ----------
    clock_hz : int
        Clock frequency reported in HELLO_REPLY (1 .. 2**32 - 1).
    time_unit_cycles : int
        Clock cycles per time unit (1 .. 65,535), as in the gateware.
    n_instruments : int
        Instrument rows (1 .. N_INSTRUMENTS), as the gateware was built; a higher index is
        unknown and its STATUS sections read as zero words.
    n_order_slots : int
        Open-order slots (1 .. N_ORDER_SLOTS), as the gateware was built.

    Raises
    ------
    TypeError
        If a parameter is not an int.
    ValueError
        If a parameter is out of range.

    Attributes
    ----------
    state : TradingState
        The trading state as of the last call.
    kill_cause : KillCause
        Why the state is HALTED (NONE otherwise).
    counters : list of int
        The 32 counters (see :data:`hdl.guard_spec.COUNTER_NAMES`), as of the last call.
    """

    def __init__(
        self,
        *,
        clock_hz: int = 12_000_000,
        time_unit_cycles: int = 12,
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
        self.state = _DISARMED
        self.kill_cause = KillCause.NONE
        self.limits = [0] * _N_LIMITS
        self.limits_set = 0
        self.instruments = [_Instrument() for _ in range(n_instruments)]
        self.slots: list[_Slot | None] = [None] * n_order_slots
        self.open_count = 0
        self.open_notional = 0
        self.exposure_sum = 0
        self.counters = [0] * N_COUNTERS
        # (cycle, counter) of the counts of the last few cycles: a STATUS reply misses those
        # still on their way to the counter memory
        self._recent_counts: collections.deque[tuple[int, int]] = collections.deque()
        # time units the saturating ages count from (reset "on cycle -1" at power-up)
        self._silence_base = 0
        self._rate_base = 0
        self._rate_count = 0
        self._fill_base = 0
        self._fill_count = 0
        self._dup_base = 0
        self._last_valid = False
        self._last_id = 0
        self._last_key: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)
        self._last_cycle = 0
        self._last_beat = -10  # beat cycle of the last message (its response load at +UPDATE_STAGE)
        # the state before the last message, and the kill it latched on its update cycle (and
        # that kill's ALERT): a button press on that cycle races the message's write
        self._state_before_beat = _DISARMED
        self._update_kill: tuple[KillCause, tuple[int, Message] | None] | None = None
        self._alerts: list[tuple[int, Message]] = []
        self._handlers: dict[MessageType, Callable[[Message, int], Message | None]] = {
            MessageType.HELLO: self._hello,
            MessageType.SET_LIMIT: self._set_limit,
            MessageType.SET_INSTRUMENT: self._set_instrument,
            MessageType.ARM: self._arm,
            MessageType.KILL: self._kill_command,
            MessageType.HEARTBEAT: self._heartbeat,
            MessageType.STATUS: self._status,
            MessageType.SET_POSITION: self._set_position,
            MessageType.CANCEL_ALL: self._cancel_all,
            MessageType.TICK: self._tick,
            MessageType.ORDER: self._order,
            MessageType.CANCEL: self._cancel,
            MessageType.FILL: self._fill,
        }

    # ---- public API ----------------------------------------------------------------------

    def receive(self, message: Message, cycle: int) -> list[Message]:
        """Process a host message whose ``i_msg`` beat is on ``cycle``.

        Parameters
        ----------
        message : Message
            A host -> gateware message.
        cycle : int
            Its beat cycle; nondecreasing over calls and at least 5 after the previous one.

        Returns
        -------
        list of Message
            The direct response (its beat is on ``cycle + VERDICT_LATENCY``), or nothing for
            HEARTBEAT. ALERTs caused by the message (a FILL that latches a kill) are returned
            by :meth:`poll` with their exact cycle.

        Raises
        ------
        ValueError
            If ``cycle`` goes backwards or ``message`` is not a host message.
        """
        if cycle < self._last_cycle or self.state == _ACTIVE or self.state == _REDUCING:
            self._advance(cycle)
        else:
            self._last_cycle = cycle
        handler = self._handlers.get(message.type)
        if handler is None:
            raise ValueError(
                f"Message type must be a host -> gateware type, not {message.type.name}"
            )
        self._silence_base = (cycle + 1) // self.time_unit_cycles
        self._last_beat = cycle
        self._state_before_beat = self.state
        self._update_kill = None
        response = handler(message, cycle)
        return [] if response is None else [response]

    def bad_frame(self, cycle: int) -> None:
        """Count a frame the decoder dropped (strobe on ``cycle``)."""
        self._advance(cycle)
        self._count(COUNTER_BAD_FRAMES, cycle)

    def response_dropped(self, cycle: int) -> None:
        """Count a response the top level's FIFO dropped (strobe on ``cycle``)."""
        self._advance(cycle)
        self._count(COUNTER_DROPS, cycle)

    def poll(self, cycle: int) -> list[tuple[int, Message]]:
        """Autonomous ALERTs whose ``o_rsp`` beat is on or before ``cycle``, with that cycle."""
        self._advance(cycle)
        due = [alert for alert in self._alerts if alert[0] <= cycle]
        if due:
            self._alerts = [alert for alert in self._alerts if alert[0] > cycle]
        return due

    def press_kill_button(self, cycle: int) -> list[tuple[int, Message]]:
        """The kill button is high on ``cycle`` (for one cycle).

        Returns
        -------
        list of (int, Message)
            The ALERT with its beat cycle, or nothing if the state was already HALTED.
        """
        self._advance(cycle)
        if cycle == self._last_beat + UPDATE_STAGE:
            # the press and the message's state write are on the same cycle: the press reads
            # the state from before the message and, when it latches, overrides the write
            if self._state_before_beat == _HALTED:
                return []
            self._undo_update_kill()
        elif self.state == _HALTED:
            return []
        self._latch(KillCause.BUTTON, cycle)
        return [(self._alert_beat(cycle), self._alert_message(KillCause.BUTTON))]

    def heartbeat_deadline(self) -> int | None:
        """Cycle on which the watchdog will latch the kill if no good frame arrives first."""
        if self.state not in (_ACTIVE, _REDUCING):
            return None
        timeout = self.limits[LimitId.HEARTBEAT_TIMEOUT]
        return self.time_unit_cycles * (self._silence_base + timeout + 1)

    # ---- time and kills ------------------------------------------------------------------

    def _advance(self, cycle: int) -> None:
        if cycle < self._last_cycle:
            raise ValueError(f"Cycle must be nondecreasing, not {cycle!r} < {self._last_cycle}")
        self._last_cycle = cycle
        deadline = self.heartbeat_deadline()
        if deadline is not None and deadline <= cycle:
            self._latch(KillCause.WATCHDOG, deadline)
            self._alerts.append(
                (self._alert_beat(deadline), self._alert_message(KillCause.WATCHDOG))
            )

    def _alert_beat(self, kill_cycle: int) -> int:
        # the alert takes the response register on the kill cycle unless a message's
        # response is loaded on that very cycle
        if kill_cycle == self._last_beat + UPDATE_STAGE:
            return kill_cycle + 2
        return kill_cycle + 1

    def _latch(
        self, cause: KillCause, cycle: int, alert: tuple[int, Message] | None = None
    ) -> None:
        self.state = _HALTED
        self.kill_cause = cause
        self._count(kill_counter(cause), cycle)
        if alert is not None:
            self._alerts.append(alert)
        if cycle == self._last_beat + UPDATE_STAGE:
            self._update_kill = (cause, alert)

    def _undo_update_kill(self) -> None:
        """Take back the kill the last message latched on its update cycle, if any."""
        if self._update_kill is None:
            return
        cause, alert = self._update_kill
        self._update_kill = None
        index = kill_counter(cause)
        self.counters[index] = (self.counters[index] - 1) & _COUNTER_MASK
        self._recent_counts.remove((self._last_beat + UPDATE_STAGE, index))
        if alert is not None:
            self._alerts.remove(alert)

    @staticmethod
    def _alert_message(cause: KillCause) -> Message:
        return Message(MessageType.ALERT, {"state": int(_HALTED), "cause": int(cause)})

    def _count(self, index: int, cycle: int) -> None:
        self.counters[index] = (self.counters[index] + 1) & _COUNTER_MASK
        recent = self._recent_counts
        recent.append((cycle, index))
        while recent[0][0] < cycle - _COUNT_DELAY:
            recent.popleft()

    def _unit(self, cycle: int) -> int:
        return cycle // self.time_unit_cycles

    # ---- control messages ----------------------------------------------------------------

    def _hello(self, message: Message, cycle: int) -> Message:
        return Message(
            MessageType.HELLO_REPLY,
            {
                "version": PROTOCOL_VERSION,
                "n_instruments": self.n_instruments,
                "n_order_slots": self.n_order_slots,
                "time_unit_cycles": self.time_unit_cycles,
                "clock_hz": self.clock_hz,
            },
        )

    @staticmethod
    def _ack(command: MessageType, argument: int, result: AckResult) -> Message:
        return Message(
            MessageType.ACK,
            {"command": int(command), "argument": argument, "result": int(result)},
        )

    def _limits_changed(self) -> None:
        if self.state in (_ACTIVE, _REDUCING):
            self.state = _DISARMED

    def _set_limit(self, message: Message, cycle: int) -> Message:
        fields = message.fields
        limit_id = fields.get("limit_id", 0)
        value = fields.get("value", 0)
        if (
            limit_id >= _N_LIMITS
            or value == 0
            or value >> LIMIT_WIDTHS[LimitId(limit_id)]
            or (limit_id == LimitId.MAX_OPEN_ORDERS and value > self.n_order_slots)
        ):
            return self._ack(MessageType.SET_LIMIT, limit_id, AckResult.BAD_ARGUMENT)
        self.limits[limit_id] = value
        self.limits_set |= 1 << limit_id
        self._limits_changed()
        return self._ack(MessageType.SET_LIMIT, limit_id, AckResult.OK)

    def _set_instrument(self, message: Message, cycle: int) -> Message:
        fields = message.fields
        index = fields.get("instrument", 0)
        min_price = fields.get("min_price", 0)
        max_price = fields.get("max_price", 0)
        band = fields.get("band_ticks", 0)
        if index >= self.n_instruments or min_price > max_price or band == 0:
            return self._ack(MessageType.SET_INSTRUMENT, index, AckResult.BAD_ARGUMENT)
        inst = self.instruments[index]
        inst.enabled = fields.get("enabled", 0) != 0
        inst.max_position = fields.get("max_position", 0)
        inst.min_price = min_price
        inst.max_price = max_price
        inst.band = band
        inst.has_ref = False
        inst.cand_valid = False
        self._limits_changed()
        return self._ack(MessageType.SET_INSTRUMENT, index, AckResult.OK)

    def _set_position(self, message: Message, cycle: int) -> Message:
        fields = message.fields
        index = fields.get("instrument", 0)
        position = fields.get("position", 0)
        price = fields.get("price", 0)
        # a position with no price to value it would count no exposure: missing data
        if index >= self.n_instruments or (position != 0 and price == 0):
            return self._ack(MessageType.SET_POSITION, index, AckResult.BAD_ARGUMENT)
        inst = self.instruments[index]
        inst.position = position
        inst.last_fill_price = price
        self._set_exposure(inst)
        self._limits_changed()
        return self._ack(MessageType.SET_POSITION, index, AckResult.OK)

    def _arm(self, message: Message, cycle: int) -> Message:
        mode = message.fields.get("mode", 0)
        if mode > ArmMode.REDUCING:
            return self._ack(MessageType.ARM, mode, AckResult.BAD_ARGUMENT)
        if self.limits_set != _ALL_LIMITS_MASK or not any(i.enabled for i in self.instruments):
            return self._ack(MessageType.ARM, mode, AckResult.LIMITS_INCOMPLETE)
        self.state = _ACTIVE if mode == ArmMode.ACTIVE else _REDUCING
        self.kill_cause = KillCause.NONE
        return self._ack(MessageType.ARM, mode, AckResult.OK)

    def _kill_command(self, message: Message, cycle: int) -> Message:
        if self.state != _HALTED:
            self._latch(KillCause.COMMAND, cycle + UPDATE_STAGE)
        return self._ack(MessageType.KILL, 0, AckResult.OK)

    def _heartbeat(self, message: Message, cycle: int) -> None:
        return None

    # ---- status --------------------------------------------------------------------------

    def _status(self, message: Message, cycle: int) -> Message:
        section = message.fields.get("section", 0)
        words = self._status_words(section, cycle)
        fields = {"section": section}
        for index, word in enumerate(words):
            fields[f"words[{index}]"] = word & _WORD_MASK
        return Message(MessageType.STATUS_REPLY, fields)

    def _status_words(self, section: int, cycle: int) -> tuple[int, int, int, int]:
        if section == StatusSection.SUMMARY:
            enabled = sum(1 << i for i, inst in enumerate(self.instruments) if inst.enabled)
            return (
                int(self.state) | int(self.kill_cause) << 8 | enabled << 16 | self.open_count << 24,
                self.limits_set,
                min(self.exposure_sum + self.open_notional, WORD_MAX),
                min(self.open_notional, WORD_MAX),
            )
        offset = section - StatusSection.INSTRUMENT_0
        if 0 <= offset < N_INSTRUMENTS * INSTRUMENT_PAGES:
            page, index = divmod(offset, N_INSTRUMENTS)
            if index >= self.n_instruments:
                # an instrument the build left out reads as zero words in every page
                return (0, 0, 0, 0)
            return self._instrument_words(self.instruments[index], page, cycle)
        page = section - StatusSection.COUNTERS_0
        if 0 <= page < COUNTER_PAGES:
            values = self.counters[page * COUNTERS_PER_PAGE : (page + 1) * COUNTERS_PER_PAGE]
            # the memory is read on the check stage and an event reaches it two cycles later
            missed_from = cycle + CHECK_STAGE - _COUNT_DELAY + 1
            for count_cycle, index in self._recent_counts:
                lane = index - page * COUNTERS_PER_PAGE
                if count_cycle >= missed_from and 0 <= lane < COUNTERS_PER_PAGE:
                    values[lane] = (values[lane] - 1) & _COUNTER_MASK
            return (values[0], values[1], values[2], values[3])
        page = section - StatusSection.LIMITS_0
        if 0 <= page < LIMIT_PAGES:
            words = []
            for limit_id in range(page * LIMITS_PER_PAGE, (page + 1) * LIMITS_PER_PAGE):
                words.append(self.limits[limit_id] if limit_id < _N_LIMITS else 0)
            for limit_id in range(page * LIMITS_PER_PAGE, (page + 1) * LIMITS_PER_PAGE):
                words.append((self.limits_set >> limit_id) & 1)
            return (words[0], words[1], words[2], words[3])
        return (0, 0, 0, 0)

    def _instrument_words(
        self, inst: _Instrument, page: int, cycle: int
    ) -> tuple[int, int, int, int]:
        if page == 0:
            age = min(self._unit(cycle + STATUS_STAGE) - inst.ref_base, AGE_MAX)
            return (
                inst.position & _WORD_MASK,
                inst.open_buy | inst.open_sell << 20,
                inst.ref_mid | int(inst.has_ref) << 24 | int(inst.enabled) << 25,
                age,
            )
        if page == 1:
            return (inst.bid, inst.ask, inst.last_fill_price, inst.max_position)
        return (inst.min_price, inst.max_price, inst.band, inst.timestamp)

    # ---- tick filter ---------------------------------------------------------------------

    def _tick(self, message: Message, cycle: int) -> Message:
        fields = message.fields
        index = fields.get("instrument", 0)
        timestamp = fields.get("timestamp", 0)
        reason = self._filter_tick(index, timestamp, fields.get("bid", 0), fields.get("ask", 0))
        self._count(tick_counter(reason), cycle + UPDATE_STAGE)
        if reason == TickReason.ACCEPT:
            self.instruments[index].ref_base = self._unit(cycle + UPDATE_STAGE + 1)
        return Message(
            MessageType.TICK_VERDICT,
            {"instrument": index, "timestamp": timestamp, "reason": int(reason)},
        )

    def _filter_tick(self, index: int, timestamp: int, bid: int, ask: int) -> TickReason:
        if index >= self.n_instruments or not self.instruments[index].enabled:
            return TickReason.UNKNOWN_INSTRUMENT
        inst = self.instruments[index]
        if bid == 0 or ask == 0 or bid < inst.min_price or ask > inst.max_price:
            return TickReason.PRICE_RANGE
        if bid >= ask:
            return TickReason.CROSSED_BOOK
        if inst.has_ref and timestamp < inst.timestamp:
            return TickReason.TIME_BACKWARDS
        mid = (bid + ask) >> 1
        if inst.has_ref and abs(mid - inst.ref_mid) > inst.band:
            if inst.cand_valid and abs(mid - inst.cand_mid) <= inst.band:
                count = min(inst.cand_count + 1, CONFIRM_COUNT_MAX)
            else:
                inst.cand_mid = mid
                count = 1
            confirm = self.limits[LimitId.CONFIRM_TICKS]
            if not (self.limits_set >> LimitId.CONFIRM_TICKS & 1 and count >= confirm):
                inst.cand_valid = True
                inst.cand_count = count
                return TickReason.BAND_JUMP
        inst.has_ref = True
        inst.bid = bid
        inst.ask = ask
        inst.ref_mid = mid
        inst.timestamp = timestamp
        inst.cand_valid = False
        return TickReason.ACCEPT

    # ---- orders --------------------------------------------------------------------------

    def _order(self, message: Message, cycle: int) -> Message:
        fields = message.fields
        client_id = fields.get("client_id", 0)
        reason = self._check_order(fields, client_id, cycle)
        self._count(order_counter(reason), cycle + UPDATE_STAGE)
        return Message(MessageType.ORDER_VERDICT, {"client_id": client_id, "reason": int(reason)})

    def _check_order(self, fields: Mapping[str, int], client_id: int, cycle: int) -> Reason:
        get = fields.get
        index = get("instrument", 0)
        side = get("side", 0)
        kind = get("kind", 0)
        quantity = get("quantity", 0)
        price = get("price", 0) if kind == OrderKind.LIMIT else 0
        buy = side == Side.BUY
        state = self.state
        if state == _HALTED:
            return Reason.HALTED
        if state == _DISARMED:
            return Reason.NOT_ARMED
        inst = self.instruments[index] if index < self.n_instruments else None
        position = inst.position if inst is not None else 0
        open_buy = inst.open_buy if inst is not None else 0
        open_sell = inst.open_sell if inst is not None else 0
        if buy:
            reducing = position + open_buy + quantity <= 0
        else:
            reducing = position - open_sell - quantity >= 0
        if state == _REDUCING and not reducing:
            return Reason.REDUCING_ONLY
        if inst is None or not inst.enabled:
            return Reason.UNKNOWN_INSTRUMENT
        limits = self.limits
        if kind == OrderKind.LIMIT and (
            price == 0 or price < inst.min_price or price > inst.max_price
        ):
            return Reason.INVALID_PRICE
        if quantity == 0:
            return Reason.INVALID_QUANTITY
        if quantity > limits[LimitId.MAX_ORDER_QTY]:
            return Reason.MAX_QUANTITY
        unit = self._unit(cycle + CHECK_STAGE)
        if not inst.has_ref or unit - inst.ref_base > limits[LimitId.STALE_AFTER]:
            return Reason.STALE_REFERENCE
        collar = limits[LimitId.COLLAR_TICKS]
        ref_mid = inst.ref_mid
        if kind == OrderKind.LIMIT:
            valuation = max(price, inst.ask) if buy else min(price, inst.bid)
        elif buy:
            valuation = max(ref_mid + collar, inst.ask)
        else:
            valuation = max(1, min(ref_mid - collar, inst.bid))
        notional = quantity * valuation
        if notional > limits[LimitId.MAX_ORDER_NOTIONAL]:
            return Reason.MAX_NOTIONAL
        if kind == OrderKind.LIMIT and abs(price - ref_mid) > collar:
            return Reason.PRICE_COLLAR
        if buy:
            over = position + open_buy + quantity > inst.max_position
        else:
            over = position - open_sell - quantity < -inst.max_position
        if over:
            return Reason.MAX_POSITION
        if (
            not reducing
            and self.exposure_sum + self.open_notional + notional
            > limits[LimitId.MAX_GROSS_EXPOSURE]
        ):
            return Reason.MAX_EXPOSURE
        if self.open_count >= limits[LimitId.MAX_OPEN_ORDERS]:
            return Reason.MAX_OPEN_ORDERS
        rate_expired = unit - self._rate_base >= limits[LimitId.RATE_WINDOW]
        if (0 if rate_expired else self._rate_count) >= limits[LimitId.RATE_MAX_ORDERS]:
            return Reason.RATE_LIMIT
        slots = self.slots
        if self._last_valid and self._last_id == client_id:
            return Reason.DUPLICATE_ID
        for slot in slots:
            if slot is not None and slot.client_id == client_id:
                return Reason.DUPLICATE_ID
        key = (index, side, kind, price, quantity)
        if (
            self._last_valid
            and self._last_key == key
            and unit - self._dup_base <= limits[LimitId.DUP_WINDOW]
        ):
            return Reason.DUPLICATE_ORDER
        for slot in slots:
            if (
                slot is not None
                and slot.instrument == index
                and slot.side != side
                and slot.kind == OrderKind.LIMIT
                and (
                    kind == OrderKind.MARKET
                    or (price >= slot.price if buy else price <= slot.price)
                )
            ):
                return Reason.SELF_TRADE
        # accept
        free = slots.index(None)
        slots[free] = _Slot(client_id, index, side, kind, price, quantity, valuation)
        self.open_count += 1
        if buy:
            inst.open_buy += quantity
        else:
            inst.open_sell += quantity
        self.open_notional += notional
        update_unit = self._unit(cycle + UPDATE_STAGE + 1)
        if rate_expired:
            self._rate_base = update_unit
            self._rate_count = 1
        else:
            self._rate_count += 1
        self._dup_base = update_unit
        self._last_valid = True
        self._last_id = client_id
        self._last_key = key
        return Reason.ACCEPT

    # ---- cancels and fills ---------------------------------------------------------------

    def _find(self, client_id: int) -> int | None:
        for index, slot in enumerate(self.slots):
            if slot is not None and slot.client_id == client_id:
                return index
        return None

    def _release(self, slot_index: int, quantity: int) -> _Slot:
        slot = self.slots[slot_index]
        assert slot is not None
        inst = self.instruments[slot.instrument]
        if slot.side == Side.BUY:
            inst.open_buy -= quantity
        else:
            inst.open_sell -= quantity
        self.open_notional -= slot.valuation * quantity
        slot.remaining -= quantity
        if slot.remaining == 0:
            self.slots[slot_index] = None
            self.open_count -= 1
        return slot

    def _cancel(self, message: Message, cycle: int) -> Message:
        client_id = message.fields.get("client_id", 0)
        slot_index = self._find(client_id)
        if slot_index is None:
            return self._ack(MessageType.CANCEL, client_id, AckResult.UNKNOWN_ORDER)
        slot = self.slots[slot_index]
        assert slot is not None
        self._release(slot_index, slot.remaining)
        return self._ack(MessageType.CANCEL, client_id, AckResult.OK)

    def _cancel_all(self, message: Message, cycle: int) -> Message:
        cancelled = self.open_count
        self.slots = [None] * self.n_order_slots
        self.open_count = 0
        self.open_notional = 0
        for inst in self.instruments:
            inst.open_buy = inst.open_sell = 0
        return self._ack(MessageType.CANCEL_ALL, cancelled, AckResult.OK)

    def _set_exposure(self, inst: _Instrument) -> None:
        """Value ``inst``'s position at its last fill price (C10's exposure)."""
        exposure = min(abs(inst.position), EXPOSURE_QTY_MAX) * inst.last_fill_price
        self.exposure_sum += exposure - inst.exposure
        inst.exposure = exposure

    def _fill(self, message: Message, cycle: int) -> Message:
        fields = message.fields
        client_id = fields.get("client_id", 0)
        slot_index = self._find(client_id)
        if slot_index is None:
            return self._ack(MessageType.FILL, client_id, AckResult.UNKNOWN_ORDER)
        price = fields.get("price", 0)
        slot = self.slots[slot_index]
        assert slot is not None
        quantity = min(fields.get("quantity", 0), slot.remaining)
        self._release(slot_index, quantity)
        inst = self.instruments[slot.instrument]
        delta = quantity if slot.side == Side.BUY else -quantity
        inst.position = wrap_position(inst.position + delta)
        inst.last_fill_price = price
        self._set_exposure(inst)
        unit = self._unit(cycle + CHECK_STAGE)
        if unit - self._fill_base >= self.limits[LimitId.FILL_WINDOW]:
            self._fill_base = self._unit(cycle + UPDATE_STAGE + 1)
            self._fill_count = 1
        else:
            self._fill_count = min(self._fill_count + 1, FILL_COUNT_MAX)
        if self.state != _HALTED:
            cause = KillCause.NONE
            if self._fill_count > self.limits[LimitId.FILL_MAX]:
                cause = KillCause.FILL_RATE
            elif abs(inst.position) > inst.max_position:
                cause = KillCause.POSITION_BREACH
            if cause != KillCause.NONE:
                kill_cycle = cycle + UPDATE_STAGE
                alert = (self._alert_beat(kill_cycle), self._alert_message(cause))
                self._latch(cause, kill_cycle, alert)
        return self._ack(MessageType.FILL, client_id, AckResult.OK)


assert VERDICT_LATENCY == UPDATE_STAGE + 1
