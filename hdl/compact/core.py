"""CompactGuardCore: the sequencer around the check engine, its verdicts and the kill latch.

The core runs a message's programs while its frame's CRC arrives and finishes the verdict on
the beat, as :mod:`hdl.compact` describes:

* On ``i_payload_ready`` (:attr:`hdl.framing.FrameDecoder.o_payload_ready`) it writes the
  payload into the register file a word a cycle, then the trading state's mirror and the
  time unit's snapshot (:class:`.time_base.TimeBase`), runs the message type's unpack
  program and its check program (chosen by type and instrument or limit id), and loads the
  timers' headrooms. A new payload starts this over, once a program still running ends.
* On the beat (cycle ``c``) the verdict is the check program's flags with the timers
  finished (:data:`.orders.ORDER_TIMERS`, :data:`.releases.FILL_TIMERS`) and the reasons in
  priority order, registered; on ``c + 1`` (the update stage) an ORDER's verdict is HALTED if
  the kill latch is, the trading state takes the message's change and the button's and
  watchdog's kills (which win a race on that cycle, as in :class:`hdl.guard_core.GuardCore`),
  and the response register takes the response, its fields from the payload (which still
  shows the message): it is on ``o_rsp`` on ``c + 2``, as GuardCore's. A kill by the button,
  the watchdog or a fill sends an ALERT the cycle after, or the one after the response.
* From ``c + 2`` it writes the update stage's time unit and the fired timers (``beat``) and
  runs the update program; a payload that arrives meanwhile waits for it.

The contract with the frame decoder: the payload shows from ``i_payload_ready`` at least
:attr:`CompactGuardCore.lead_cycles` before its beat and through the cycle after it, and a
payload that comes within :attr:`CompactGuardCore.update_cycles` of the previous beat waits
for that beat's update program before its lead starts. A board's UART leaves thousands of
cycles (two bytes follow the payload). A message whose check program has not finished by its
beat is not acted on: ``o_overrun`` rises for the cycle and no response follows (the host,
which gets no reply, fails closed); KILL, HEARTBEAT and HELLO need no program and are
always taken.

STATUS: a section's program writes its words before the beat (:mod:`.status`) and the core
keeps them as they are written, with a counter page's counters as read and written
(:class:`.counters.CounterMemory`); on the update stage it puts in what may have changed since
(the trading state, the kill cause, a reference's age). The counters count the update stage's
verdict, every kill, bad frames and lost responses, as GuardCore's.
"""

import enum
from typing import Any

from amaranth.hdl import Cat, Const, Module, Mux, Signal, Value
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from hdl.compact.counters import CounterMemory
from hdl.compact.engine import CheckEngine
from hdl.compact.microcode import WORD_BITS
from hdl.compact.orders import ORDER_REASON_FLAGS, ORDER_TIMERS
from hdl.compact.programs import build_programs
from hdl.compact.register_file import (
    N_TIMERS,
    STATUS_WORD_BITS,
    STATUS_WORD_REGS,
    STATUS_WORDS,
    GuardFile,
)
from hdl.compact.releases import FILL_TIMERS
from hdl.compact.status import status_program
from hdl.compact.ticks import TICK_REASON_FLAGS
from hdl.compact.time_base import TimeBase
from hdl.compact.unpack import unpack_entry
from hdl.guard_spec import (
    AGE_BITS,
    AGE_MAX,
    COUNTER_PAGES,
    LIMIT_WIDTHS,
    VERDICT_LATENCY,
    check_core_parameters,
    instrument_section,
    order_counter,
    tick_counter,
)
from hdl.protocol import (
    MESSAGE_LAYOUT,
    PAYLOAD_LAYOUTS,
    PROTOCOL_VERSION,
    AckResult,
    ArmMode,
    KillCause,
    LimitId,
    MessageType,
    Reason,
    StatusSection,
    TradingState,
)

__all__ = ["CompactGuardCore"]

#: (program name, payload field that picks its instance, instances) of the check programs.
_CHECKS: dict[MessageType, tuple[str | None, str | None]] = {
    MessageType.ORDER: ("order", "instrument"),
    MessageType.TICK: ("tick", "instrument"),
    MessageType.CANCEL: ("cancel", None),
    MessageType.FILL: ("fill", None),
    MessageType.SET_LIMIT: ("set_limit", "limit_id"),
    MessageType.SET_INSTRUMENT: ("set_instrument", "instrument"),
    MessageType.SET_POSITION: ("set_position", "instrument"),
    MessageType.ARM: ("arm", None),
    MessageType.CANCEL_ALL: ("cancel_all_check", None),
    MessageType.STATUS: ("status", "section"),
}

#: A step of the WRITE phase that writes nothing: it waits for a running program to end.
_WAIT_STEP = 15


class _Phase(enum.IntEnum):
    IDLE = 0
    WRITE = 1  # payload, state mirror, time unit into the register file
    UNPACK = 2
    CHECK = 3
    HEADROOMS = 4
    READY = 5
    UPDATE_WRITE = 6  # the update stage's time unit and the fired timers
    UPDATE = 7


class CompactGuardCore(wiring.Component):
    """The compact guard core: programs on the check engine, verdicts and the kill latch.

    Parameters
    ----------
    clock_hz, time_unit_cycles, n_instruments, n_order_slots : int
        As :class:`hdl.guard_core.GuardCore`'s.

    Attributes
    ----------
    i_msg : stream, in
        One beat per good frame; the payload shows the message from its ``i_payload_ready``
        through the cycle after the beat.
    i_payload_ready : Signal(1), in
        The payload is complete (the frame may still fail its CRC).
    i_kill_button : Signal(1), in
        Synchronised, debounced kill switch, high = kill.
    i_bad_frame : Signal(1), in
        A frame failed its CRC (counted).
    i_rsp_dropped : Signal(1), in
        A response was lost: the FIFO after ``o_rsp`` was full (counted).
    o_state : Signal(2), out
        The TradingState.
    o_rsp : stream, out
        One beat (MESSAGE_LAYOUT) per response, ``VERDICT_LATENCY`` cycles after its message,
        and per ALERT.
    o_overrun : Signal(1), out
        A beat came before its check program had finished; the message is not taken.
    o_ready : Signal(1), out
        A beat of the message the payload shows would be taken on this cycle (its programs
        have finished, or it needs none): for a harness that paces its bytes to the core.
    """

    i_msg: In(stream.Signature(MESSAGE_LAYOUT, always_ready=True))
    i_payload_ready: In(1)
    i_kill_button: In(1)
    i_bad_frame: In(1)
    i_rsp_dropped: In(1)
    o_state: Out(2)
    o_rsp: Out(stream.Signature(MESSAGE_LAYOUT, always_ready=True))
    o_overrun: Out(1)
    o_ready: Out(1)

    #: Cycles from the ``i_msg`` beat to the response beat on ``o_rsp``, for every message.
    VERDICT_LATENCY = VERDICT_LATENCY

    def __init__(
        self, *, clock_hz: int, time_unit_cycles: int, n_instruments: int, n_order_slots: int
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
        self.file: GuardFile = build_programs(
            n_instruments=n_instruments, n_order_slots=n_order_slots
        )
        super().__init__()

    # ---- the contract ---------------------------------------------------------------------

    def _longest(self, entries: list[int]) -> int:
        """µops of the longest of the programs that start at ``entries``."""
        asm = self.file.assembler
        starts = sorted(asm.entries.values())
        ends = dict(zip(starts, [*starts[1:], len(asm.program)], strict=True))
        return max(ends[entry] - entry for entry in entries)

    @property
    def lead_cycles(self) -> int:
        """Cycles the payload must show before the beat (from ``i_payload_ready``): the
        register-file writes, the longest unpack and check programs (two cycles a µop, a
        cycle to start each and to see it end), the headroom loads and the result word."""
        asm = self.file.assembler
        unpack = [entry for name, entry in asm.entries.items() if name.startswith("unpack_")]
        checks = [entry for t in _CHECKS for entry in self._check_entries(t).values()]
        writes = self.file.payload.words + 1 + self.file.unit.words + 1
        peeks = sum(timer.words for timer in self.file.timers) + 2
        return writes + 2 * (self._longest(unpack) + 2) + 2 * (self._longest(checks) + 2) + peeks

    @property
    def update_cycles(self) -> int:
        """Cycles from a beat to the end of its update program, the earliest the next
        payload's programs start (one that comes sooner waits for it)."""
        updates = [entry for t in _CHECKS for entry in self._update_entries(t).values()]
        writes = 1 + self.file.unit.words + 1 + 1
        return 1 + writes + 2 * (self._longest(updates) + 2)

    # ---- the program tables --------------------------------------------------------------

    def _check_entries(self, message_type: MessageType) -> dict[int | None, int]:
        """Index (of the field that picks it; None: any) -> first µop of the check program."""
        name, field = _CHECKS[message_type]
        entries = self.file.assembler.entries
        if name is None:
            return {}
        table: dict[int | None, int]
        if message_type == MessageType.STATUS:
            # a section of nothing, or of counters, runs a program that writes nothing
            table = {None: entries["status_none"]}
            for section in range(256):
                program = status_program(self.file, section)
                if program != "status_none":
                    table[section] = entries[program]
            return table
        if field is None:
            return {None: entries[name]}
        built = len(LimitId) if field == "limit_id" else len(self.file.instruments)
        table = {i: entries[f"{name}{i}"] for i in range(built)}
        table[None] = entries[f"{name}_unknown"]
        return table

    def _update_entries(self, message_type: MessageType) -> dict[int | None, int]:
        """Index -> first µop of the update program (no key: no update)."""
        entries = self.file.assembler.entries
        name, field = _CHECKS[message_type]
        update = {
            MessageType.ORDER: "accept",
            MessageType.TICK: "tick_update",
            MessageType.CANCEL: "cancel_update",
            MessageType.FILL: "fill_update",
            MessageType.SET_LIMIT: "set_limit",
            MessageType.SET_INSTRUMENT: "set_instrument",
            MessageType.SET_POSITION: "set_position",
            MessageType.CANCEL_ALL: "cancel_all",
        }.get(message_type)
        if update is None:
            return {}
        if field is None:
            return {None: entries[update]}
        suffix = "_update" if update.startswith("set_") else ""
        built = len(LimitId) if field == "limit_id" else len(self.file.instruments)
        return {i: entries[f"{update}{i}{suffix}"] for i in range(built)}

    def elaborate(self, platform: Any) -> Module:
        m = Module()
        file = self.file
        asm = file.assembler
        m.submodules.engine = engine = CheckEngine(asm)
        m.submodules.time = time = TimeBase(time_unit_cycles=self.time_unit_cycles)
        m.submodules.counters = counters = CounterMemory()

        msg_type = self.i_msg.payload.type
        payload = self.i_msg.payload.payload
        beat = self.i_msg.valid

        def field(message_type: MessageType, name: str) -> Value:
            layout = data.Layout.cast(PAYLOAD_LAYOUTS[message_type])
            return payload[layout[name].offset :][: layout[name].width]

        def index_of(message_type: MessageType) -> Value:
            _, name = _CHECKS[message_type]
            assert name is not None
            return field(message_type, name)

        # ---- the trading state -------------------------------------------------------------
        state = Signal(TradingState, init=TradingState.DISARMED)
        kill_cause = Signal(3)
        m.d.comb += self.o_state.eq(state)

        # ---- what the programs need: register-file writes, starts, peeks --------------------
        phase = Signal(_Phase)
        step = Signal(range(16))
        write_addr = engine.i_write_addr
        write_data = engine.i_write_data
        m.d.comb += engine.i_write_en.eq(0)

        def write(address: int, value: Value) -> None:
            m.d.comb += [write_addr.eq(address), write_data.eq(value), engine.i_write_en.eq(1)]

        def start(entry: Value | int, *, keep_flags: bool = False) -> None:
            m.d.comb += [
                engine.i_entry.eq(entry),
                engine.i_start.eq(1),
                engine.i_keep_flags.eq(keep_flags),
            ]

        check_type = Signal(8)  # the type whose programs run
        check_index = Signal(8)
        pending = Signal()  # a payload came during an update program

        payload_words = file.payload.words

        intake = Signal()  # the programs start over on this cycle's payload

        def begin_intake() -> None:
            m.d.comb += intake.eq(1)
            m.d.sync += [
                phase.eq(_Phase.WRITE),
                step.eq(0),
                check_type.eq(msg_type),
                pending.eq(0),
            ]
            with m.Switch(msg_type):
                for message_type, (_, name) in _CHECKS.items():
                    if name is not None:
                        with m.Case(message_type):
                            m.d.sync += check_index.eq(index_of(message_type))

        unpack_entries = {t: unpack_entry(file, t) for t in _CHECKS}
        check_tables = {t: table for t in _CHECKS if (table := self._check_entries(t))}
        has_check = Cat(check_type == t for t in check_tables).any()

        def check_entry() -> Signal:
            entry = Signal.like(engine.i_entry)
            with m.Switch(check_type):
                for message_type, table in check_tables.items():
                    with m.Case(message_type):
                        m.d.comb += entry.eq(table[None])
                        with m.Switch(check_index):
                            for index, address in table.items():
                                if index is not None:
                                    with m.Case(index):
                                        m.d.comb += entry.eq(address)
            return entry

        timer_words = [(k, w) for k in range(N_TIMERS) for w in range(file.timers[k].words)]
        check_result = Signal(WORD_BITS)  # the word a check program leaves for the response

        with m.Switch(phase):
            with m.Case(_Phase.WRITE):
                # a program of an earlier payload still running would write over this one's
                with m.If(~engine.o_busy):
                    m.d.sync += step.eq(step + 1)
                with m.Switch(Mux(engine.o_busy, _WAIT_STEP, step)):
                    for word in range(payload_words):
                        with m.Case(word):
                            write(file.payload.address + word, payload.word_select(word, WORD_BITS))
                    with m.Case(payload_words):
                        write(file.state.address, state)
                        m.d.comb += time.i_snapshot.eq(1)
                    for word in range(file.unit.words):
                        with m.Case(payload_words + 1 + word):
                            m.d.comb += time.i_word.eq(word)
                            write(file.unit.address + word, time.o_word)
                    with m.Case(_WAIT_STEP):
                        pass
                    with m.Default():
                        m.d.sync += [phase.eq(_Phase.UNPACK), step.eq(0)]
            with m.Case(_Phase.UNPACK):
                with m.If(step == 0):
                    m.d.sync += step.eq(1)
                    with m.Switch(check_type):
                        for message_type, entry in unpack_entries.items():
                            if entry is not None:
                                with m.Case(message_type):
                                    start(entry)
                with m.Elif(~engine.o_busy):
                    m.d.sync += [phase.eq(_Phase.CHECK), step.eq(0)]
            with m.Case(_Phase.CHECK):
                with m.If(step == 0):
                    m.d.sync += step.eq(1)
                    with m.If(has_check):
                        start(check_entry())
                with m.Elif(~engine.o_busy):
                    m.d.sync += [phase.eq(_Phase.HEADROOMS), step.eq(0)]
            with m.Case(_Phase.HEADROOMS):
                # a peek's word comes a cycle after its address
                m.d.sync += step.eq(step + 1)
                for number, (timer, word) in enumerate(timer_words):
                    with m.If(step == number):
                        m.d.comb += engine.i_peek_addr.eq(file.timers[timer].address + word)
                    with m.If(step == number + 1):
                        m.d.comb += [
                            time.i_load.eq(1),
                            time.i_load_timer.eq(timer),
                            time.i_load_word.eq(word),
                            time.i_load_data.eq(engine.o_peek_data),
                        ]
                with m.If(step == len(timer_words)):
                    m.d.comb += engine.i_peek_addr.eq(file.result.address)
                with m.If(step == len(timer_words) + 1):
                    m.d.sync += [check_result.eq(engine.o_peek_data), phase.eq(_Phase.READY)]

        # ---- a STATUS reply's words, gathered before the beat ------------------------------
        # the STATUS program's writes to file.status as it runs (hdl.compact.status), and a
        # counter page's counters as read and written (hdl.compact.counters); zero otherwise
        reply = Signal(STATUS_WORDS * STATUS_WORD_BITS)
        section = field(MessageType.STATUS, "section")
        first_page = StatusSection.COUNTERS_0
        is_counter_page = (
            (msg_type == MessageType.STATUS)
            & (section >= first_page)
            & (section < first_page + COUNTER_PAGES)
        )
        counter_section = Signal()  # the intake's message reads a counter page
        m.d.comb += [
            counters.i_gather.eq(intake & is_counter_page),
            counters.i_page.eq(section - first_page),
        ]
        # a word's parts load from one bus per part, shared by the words: the engine's word,
        # or a counter's half (a mux per bit of the reply would be ~300 LUTs)
        snooping = (phase == _Phase.CHECK) & (check_type == MessageType.STATUS) & engine.o_write_en
        lane = counters.o_lane_data
        for offset in range(file.status.words):
            word, part = divmod(offset, STATUS_WORD_REGS)
            start_bit = STATUS_WORD_BITS * word + WORD_BITS * part
            bits = min(WORD_BITS, STATUS_WORD_BITS - WORD_BITS * part)
            written = snooping & (engine.o_write_addr == file.status.address + offset)
            if part * WORD_BITS < len(lane):
                bus = Mux(counter_section, lane.word_select(part, WORD_BITS), engine.o_write_data)
                load = Mux(counter_section, counters.o_lane_en[word], written)
            else:
                bus, load = engine.o_write_data, written & ~counter_section
            with m.If(intake):  # it wins over what came for the previous message
                m.d.sync += reply[start_bit:][:bits].eq(0)
            with m.Elif(load):
                m.d.sync += reply[start_bit:][:bits].eq(bus)
        with m.If(intake):
            m.d.sync += counter_section.eq(is_counter_page)

        # ---- the beat (stage A): the verdict from the flags and the timers ------------------
        flags = engine.o_flags

        def flag(scope: str, name: str) -> Value:
            numbers = asm.flags_of(scope)
            return flags[numbers[name]] if name in numbers else Const(0, 1)

        def finished(scope: str, reasons: dict[int, str], name: str) -> Value:
            """A reason's flag with its timer finished (as :func:`.timers.finish_timers`)."""
            value = flag(scope, name)
            for number, reason in reasons.items():
                if reason == name:
                    fired = time.o_fired[number]
                    after = flag(scope, f"timer{number}.after")
                    before = flag(scope, f"timer{number}.before")
                    value = value | Mux(fired, after, before)
            return value

        def first(candidates: list[tuple[Value, int]], otherwise: int) -> Value:
            """The code of the first candidate whose condition holds (priority order)."""
            code: Value = Const(otherwise, 8)
            for condition, value in reversed(candidates):
                code = Mux(condition, value, code)
            return code

        # the programs' timer<k>.now flags, of the scope of the message's programs
        now = Signal(N_TIMERS)
        with m.Switch(check_type):
            for message_type, scope in (
                (MessageType.ORDER, "order"),
                (MessageType.FILL, "release"),
            ):
                with m.Case(message_type):
                    m.d.comb += now.eq(Cat(flag(scope, f"timer{k}.now") for k in range(N_TIMERS)))
        m.d.comb += time.i_now.eq(now)

        order_code = first(
            [
                (finished("order", ORDER_TIMERS, name), reason)
                for name, reason in ORDER_REASON_FLAGS.items()
            ],
            Reason.ACCEPT,
        )
        tick_code = first(
            [(flag("tick", name), reason) for name, reason in TICK_REASON_FLAGS.items()],
            0,
        )
        found = flag("release", "release.found")
        release_code = Mux(found, AckResult.OK, AckResult.UNKNOWN_ORDER)
        control_code = first(
            [
                (flag("control", "control.bad"), AckResult.BAD_ARGUMENT),
                (flag("control", "control.incomplete"), AckResult.LIMITS_INCOMPLETE),
            ],
            AckResult.OK,
        )
        fill_kill = first(
            [
                (finished("release", FILL_TIMERS, "release.fill_rate"), KillCause.FILL_RATE),
                (flag("release", "release.breach"), KillCause.POSITION_BREACH),
            ],
            KillCause.NONE,
        )

        # registered on the beat: what the flags and timers say then. The message itself
        # needs no copy: the payload shows it through the update stage (the contract), and
        # its index is the one its programs ran for
        taken = Signal()  # the message of the beat is acted on
        b_code = Signal(8)
        b_fill_kill = Signal(3)
        b_fired = Signal(N_TIMERS)
        b_type, b_index = msg_type, check_index
        b_arm_mode = field(MessageType.ARM, "mode")
        b_value = field(MessageType.SET_LIMIT, "value")
        m.d.sync += taken.eq(0)
        needs_program = Cat(msg_type == t for t in check_tables).any()
        ready = (
            (phase == _Phase.READY)
            & (check_type == msg_type)
            & (~counter_section | counters.o_gathered)
        )
        m.d.comb += self.o_ready.eq(~needs_program | ready)
        with m.If(beat):
            with m.If(~self.o_ready):
                m.d.comb += self.o_overrun.eq(1)
            with m.Else():
                m.d.sync += [
                    taken.eq(1),
                    b_fired.eq(time.o_fired),
                    b_fill_kill.eq(fill_kill),
                ]
                with m.Switch(msg_type):
                    with m.Case(MessageType.ORDER):
                        m.d.sync += b_code.eq(order_code)
                    with m.Case(MessageType.TICK):
                        m.d.sync += b_code.eq(tick_code)
                    with m.Case(MessageType.CANCEL, MessageType.FILL):
                        m.d.sync += b_code.eq(release_code)
                    with m.Case(
                        MessageType.SET_LIMIT,
                        MessageType.SET_INSTRUMENT,
                        MessageType.SET_POSITION,
                        MessageType.ARM,
                    ):
                        m.d.sync += b_code.eq(control_code)
                    with m.Default():
                        m.d.sync += b_code.eq(0)

        # ---- the update stage (c + 1) -------------------------------------------------------
        halted = state == TradingState.HALTED
        code = Mux((b_type == MessageType.ORDER) & halted, Reason.HALTED, b_code)
        status_words = self._status_words(m, reply, section, state, kill_cause, time.o_elapsed)
        load_type, load_payload = self._response(
            m, b_type, code, b_arm_mode, check_result, status_words, field
        )
        load = taken & (load_type != 0)
        alert_request = Signal()
        kill_event = Signal()  # counted
        kill_event_cause = Signal(3)
        armed = (state == TradingState.ACTIVE) | (state == TradingState.REDUCING)
        lim_heartbeat = Signal(LIMIT_WIDTHS[LimitId.HEARTBEAT_TIMEOUT])
        update_entry = Signal.like(engine.i_entry)
        has_update = Signal()
        with m.If(taken):
            with m.Switch(b_type):
                with m.Case(MessageType.KILL):
                    with m.If(~halted):
                        m.d.sync += [
                            state.eq(TradingState.HALTED),
                            kill_cause.eq(KillCause.COMMAND),
                        ]
                        m.d.comb += [kill_event.eq(1), kill_event_cause.eq(KillCause.COMMAND)]
                with m.Case(MessageType.FILL):
                    with m.If(~halted & (b_fill_kill != KillCause.NONE)):
                        m.d.sync += [state.eq(TradingState.HALTED), kill_cause.eq(b_fill_kill)]
                        m.d.comb += [
                            alert_request.eq(1),
                            kill_event.eq(1),
                            kill_event_cause.eq(b_fill_kill),
                        ]
                with m.Case(MessageType.ARM):
                    with m.If(code == AckResult.OK):
                        m.d.sync += [
                            state.eq(
                                Mux(
                                    b_arm_mode == ArmMode.ACTIVE,
                                    TradingState.ACTIVE,
                                    TradingState.REDUCING,
                                )
                            ),
                            kill_cause.eq(KillCause.NONE),
                        ]
                with m.Case(
                    MessageType.SET_LIMIT, MessageType.SET_INSTRUMENT, MessageType.SET_POSITION
                ):
                    with m.If((code == AckResult.OK) & armed):
                        m.d.sync += state.eq(TradingState.DISARMED)
                    with m.If(
                        (code == AckResult.OK)
                        & (b_type == MessageType.SET_LIMIT)
                        & (b_index == LimitId.HEARTBEAT_TIMEOUT)
                    ):
                        m.d.sync += lim_heartbeat.eq(b_value)
            # the update program, if this message has one
            with m.Switch(b_type):
                for message_type in _CHECKS:
                    table = self._update_entries(message_type)
                    if not table:
                        continue
                    with m.Case(message_type):
                        if None in table:
                            m.d.comb += [update_entry.eq(table[None]), has_update.eq(1)]
                        else:
                            with m.Switch(b_index):
                                for index, address in table.items():
                                    with m.Case(index):
                                        m.d.comb += [update_entry.eq(address), has_update.eq(1)]
            # a check's results serve one beat; a message without a program (KILL, HEARTBEAT)
            # leaves alone what runs: an update program, or the programs of its own payload
            accepted = (b_type != MessageType.ORDER) | (code == Reason.ACCEPT)
            saved_entry = Signal.like(engine.i_entry)
            with m.If(phase == _Phase.READY):
                m.d.sync += [
                    phase.eq(Mux(has_update & accepted, _Phase.UPDATE_WRITE, _Phase.IDLE)),
                    saved_entry.eq(update_entry),
                    step.eq(0),
                ]

        # ---- from c + 2: the update stage's time unit, the fired timers, the update program --
        with m.Switch(phase):
            with m.Case(_Phase.UPDATE_WRITE):
                m.d.sync += step.eq(step + 1)
                with m.Switch(step):
                    with m.Case(0):
                        m.d.comb += time.i_snapshot.eq(1)  # c + 2: the model's update unit
                    for word in range(file.unit.words):
                        with m.Case(1 + word):
                            m.d.comb += time.i_word.eq(word)
                            write(file.unit.address + word, time.o_word)
                    with m.Case(1 + file.unit.words):
                        write(file.beat.address, b_fired)
                    with m.Default():
                        start(saved_entry, keep_flags=True)  # it reads the check's flags
                        m.d.sync += [phase.eq(_Phase.UPDATE), step.eq(0)]
            with m.Case(_Phase.UPDATE):
                with m.If(step == 0):
                    m.d.sync += step.eq(1)
                with m.Elif(~engine.o_busy):
                    with m.If(pending):
                        begin_intake()
                    with m.Else():
                        m.d.sync += phase.eq(_Phase.IDLE)

        # ---- a new payload starts the programs over, or waits for the update program ------
        # (last: it wins over the phase changes above)
        updating = (phase == _Phase.UPDATE_WRITE) | (phase == _Phase.UPDATE)
        with m.If(self.i_payload_ready):
            with m.If(updating):
                m.d.sync += pending.eq(1)
            with m.Else():
                begin_intake()

        # ---- the watchdog and the button: they win a race with the message's update --------
        silence = Signal(AGE_BITS)
        with m.If(beat):
            m.d.sync += silence.eq(0)
        with m.Elif(time.o_unit_strobe & (silence != AGE_MAX)):
            m.d.sync += silence.eq(silence + 1)
        watchdog = armed & (silence > lim_heartbeat)
        button = self.i_kill_button & ~halted
        with m.If(watchdog | button):
            cause = Mux(watchdog, KillCause.WATCHDOG, KillCause.BUTTON)
            m.d.sync += [state.eq(TradingState.HALTED), kill_cause.eq(cause)]
            m.d.comb += [alert_request.eq(1), kill_event.eq(1), kill_event_cause.eq(cause)]

        # ---- the counters: the update stage's verdict, kills, bad frames, lost responses ----
        is_order = b_type == MessageType.ORDER
        m.d.comb += [
            counters.i_kill.eq(kill_event),
            counters.i_kill_cause.eq(kill_event_cause),
            counters.i_verdict.eq(taken & (is_order | (b_type == MessageType.TICK))),
            counters.i_verdict_index.eq(
                Mux(is_order, order_counter(0) + code, tick_counter(0) + b_code)
            ),
            counters.i_bad_frame.eq(self.i_bad_frame),
            counters.i_rsp_dropped.eq(self.i_rsp_dropped),
        ]

        # ---- the response register: a message's response first, then a pending ALERT -------
        rsp_valid = Signal()
        rsp_type = Signal(8)
        rsp_payload = Signal(len(payload))
        alert_pending = Signal()
        alert_cause = Signal(3)
        m.d.comb += [
            self.o_rsp.valid.eq(rsp_valid),
            self.o_rsp.payload.type.eq(rsp_type),
            self.o_rsp.payload.payload.eq(rsp_payload),
        ]
        m.d.sync += rsp_valid.eq(0)
        with m.If(load):
            m.d.sync += [rsp_valid.eq(1), rsp_type.eq(load_type), rsp_payload.eq(load_payload)]
            with m.If(alert_request):
                m.d.sync += [alert_pending.eq(1), alert_cause.eq(kill_event_cause)]
        with m.Elif(alert_request | alert_pending):
            alert_layout = PAYLOAD_LAYOUTS[MessageType.ALERT]
            alert = data.View(alert_layout, Signal(data.Layout.cast(alert_layout).size))
            m.d.comb += [
                alert.state.eq(TradingState.HALTED),
                alert.cause.eq(Mux(alert_pending, alert_cause, kill_event_cause)),
            ]
            m.d.sync += [
                rsp_valid.eq(1),
                rsp_type.eq(MessageType.ALERT),
                rsp_payload.eq(alert.as_value()),
                alert_pending.eq(0),
            ]
        return m

    def _status_words(
        self,
        m: Module,
        reply: Value,
        section: Value,
        state: Value,
        kill_cause: Value,
        elapsed: Value,
    ) -> Value:
        """A STATUS reply's words on the update stage: those gathered before the beat, with
        what may have changed since (:mod:`hdl.compact.status`): SUMMARY's trading state and
        kill cause, and the age of an instrument's reference (that of its program's time unit
        plus the units since, saturating)."""
        words = [reply.word_select(k, STATUS_WORD_BITS) for k in range(STATUS_WORDS)]
        latch = Cat(state, Const(0, 6), kill_cause)
        summary = Signal(STATUS_WORD_BITS)
        m.d.comb += summary.eq(Mux(section == StatusSection.SUMMARY, words[0] | latch, words[0]))
        age = Signal(AGE_BITS + 1)
        m.d.comb += age.eq(words[3][:AGE_BITS] + elapsed)
        first_pages = [instrument_section(i) for i in range(len(self.file.instruments))]
        is_first_page = Cat(section == number for number in first_pages).any()
        aged = Signal(STATUS_WORD_BITS)
        m.d.comb += aged.eq(
            Mux(is_first_page, Mux(age[AGE_BITS], AGE_MAX, age[:AGE_BITS]), words[3])
        )
        return Cat(summary, words[1], words[2], aged)

    def _response(
        self,
        m: Module,
        message_type: Value,
        code: Value,
        arm_mode: Value,
        check_result: Value,
        status_words: Value,
        field: Any,
    ) -> tuple[Signal, Signal]:
        """The type (0: none) and payload of the response to the message of the update
        stage; its fields from the payload, which still shows the message."""
        payload_bits = len(self.i_msg.payload.payload)
        load_type = Signal(8)
        load_payload = Signal(payload_bits)

        def respond(response_type: MessageType, **values: Any) -> None:
            layout = PAYLOAD_LAYOUTS[response_type]
            view = data.View(layout, Signal(data.Layout.cast(layout).size))
            m.d.comb += [getattr(view, name).eq(value) for name, value in values.items()]
            m.d.comb += [load_type.eq(response_type), load_payload.eq(view.as_value())]

        def ack(command: MessageType, argument: Value | int) -> None:
            respond(MessageType.ACK, command=command, argument=argument, result=code)

        with m.Switch(message_type):
            with m.Case(MessageType.ORDER):
                respond(
                    MessageType.ORDER_VERDICT,
                    client_id=field(MessageType.ORDER, "client_id"),
                    reason=code,
                )
            with m.Case(MessageType.TICK):
                respond(
                    MessageType.TICK_VERDICT,
                    instrument=field(MessageType.TICK, "instrument"),
                    timestamp=field(MessageType.TICK, "timestamp"),
                    reason=code,
                )
            for command in (MessageType.CANCEL, MessageType.FILL):
                with m.Case(command):
                    ack(command, field(command, "client_id"))
            with m.Case(MessageType.SET_LIMIT):
                ack(MessageType.SET_LIMIT, field(MessageType.SET_LIMIT, "limit_id"))
            for command in (MessageType.SET_INSTRUMENT, MessageType.SET_POSITION):
                with m.Case(command):
                    ack(command, field(command, "instrument"))
            with m.Case(MessageType.ARM):
                ack(MessageType.ARM, arm_mode)
            with m.Case(MessageType.KILL):
                ack(MessageType.KILL, 0)
            with m.Case(MessageType.CANCEL_ALL):
                ack(MessageType.CANCEL_ALL, check_result)
            with m.Case(MessageType.STATUS):
                respond(
                    MessageType.STATUS_REPLY,
                    section=field(MessageType.STATUS, "section"),
                    words=status_words,
                )
            with m.Case(MessageType.HELLO):
                respond(
                    MessageType.HELLO_REPLY,
                    version=PROTOCOL_VERSION,
                    n_instruments=len(self.file.instruments),
                    n_order_slots=len(self.file.slots),
                    time_unit_cycles=self.time_unit_cycles,
                    clock_hz=self.clock_hz,
                )
        return load_type, load_payload
