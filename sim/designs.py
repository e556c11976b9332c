"""The gateware tops that the Verilator simulations build, with their simulation parameters."""

import functools

from amaranth.hdl import Const, Module, Mux, Signal
from amaranth.lib import stream, wiring
from amaranth.lib.wiring import In, Out

from hdl.compact.core import CompactGuardCore
from hdl.protocol import MESSAGE_LAYOUT
from hdl.top import CoreFactory, GuardTop
from hdl.uart import UARTReceiver, UARTTransmitter
from host.boards.catalog import BOARDS

__all__ = [
    "SIM_CLOCK_HZ",
    "SIM_TIME_UNIT_CYCLES",
    "UART_ECHO_DIVISOR",
    "UARTEcho",
    "GuardTopProbe",
    "BURST_BYTES",
    "DESIGN_SIZES",
    "DESIGNS",
]

#: Clock of the simulated guard, as its HELLO reply reports it. Verilator steps this design at
#: ~17 k cycles per wall second while a test drives it cycle by cycle and ~100 k while it runs
#: free, so sim-serve can pace it to wall time at 20 kHz and keep up: simulated time then
#: matches wall time, and a host that converts seconds to time units with the HELLO reply
#: (as the engine does) gets a watchdog and windows that mean what they say.
SIM_CLOCK_HZ = 20_000
#: One time unit is one cycle (50 us here); the model is built with the same value.
SIM_TIME_UNIT_CYCLES = 1

#: The guard's size per design (the protocol's full size when empty): the compact core's is
#: the iCEBreaker's, from the board catalog, so that the board builds what is simulated.
DESIGN_SIZES: dict[str, dict[str, int]] = {
    "guard_top": {},
    "guard_top_compact": dict(BOARDS["icebreaker"].guard_options),
}

#: Bytes the pty bridge hands the probe at once, and takes from it at once.
BURST_BYTES = 32

#: Cycles per bit of the pin-level UART test (fast, but still several samples per bit).
UART_ECHO_DIVISOR = 8


class UARTEcho(wiring.Component):
    """Receiver straight into transmitter: every byte received on ``rx`` is sent on ``tx``.

    Attributes
    ----------
    rx : Signal(1), in
    tx : Signal(1), out
    o_framing_errors : Signal(16), out
    """

    rx: In(1, init=1)
    tx: Out(1, init=1)
    o_framing_errors: Out(16)

    def __init__(self, *, divisor: int) -> None:
        self.divisor = divisor
        super().__init__()

    def elaborate(self, platform: object) -> Module:
        m = Module()
        m.submodules.receiver = receiver = UARTReceiver(divisor=self.divisor)
        m.submodules.transmitter = transmitter = UARTTransmitter(divisor=self.divisor)
        wiring.connect(m, receiver.o_data, transmitter.i_data)
        m.d.comb += [
            receiver.i_rx.eq(self.rx),
            self.tx.eq(transmitter.o_tx),
            self.o_framing_errors.eq(receiver.o_framing_errors),
        ]
        return m


class GuardTopProbe(wiring.Component):
    """:class:`GuardTop` with its internal handshakes brought out, for cycle-exact checks.

    The simulation compares GuardCore's responses with the reference model cycle by cycle, so
    it needs the cycle of every message beat entering the core and every response leaving it.

    Attributes
    ----------
    i_rx, o_tx, i_kill_button, o_state
        As on :class:`GuardTop`.
    o_tap_msg_valid, o_tap_msg : Signal(1), Signal(MESSAGE_LAYOUT), out
        The decoder -> core beat.
    o_tap_bad_frame : Signal(1), out
        The decoder's bad-frame strobe.
    o_tap_rsp_valid, o_tap_rsp : Signal(1), Signal(MESSAGE_LAYOUT), out
        The core -> FIFO beat.
    o_tap_rsp_dropped : Signal(1), out
        The FIFO-full strobe into the core.
    o_tap_any : Signal(1), out
        Any of the above, or a byte leaving on ``o_tx``: one read tells a quiet cycle.
    o_tap_ready : Signal(1), out
        A delimiter now would have its message taken: always, but for a compact core whose
        programs still run (:attr:`hdl.compact.core.CompactGuardCore.o_ready`).
    i_burst_data, i_burst_len, i_burst_load : in
        Up to :data:`BURST_BYTES` bytes (first byte in the low bits) fed to the decoder one per
        cycle after a one-cycle ``i_burst_load``; ``o_burst_busy`` while they go in. The pty
        bridge uses this so that Python need not act on every cycle.
    i_capture : Signal(1), in
        When high, bytes leaving the guard are collected in ``o_out_data``/``o_out_len``
        (first byte in the low bits) instead of going out on ``o_tx``; ``i_out_clear`` empties
        the buffer (a byte leaving on that cycle becomes its first).
    """

    i_rx: In(stream.Signature(8))
    o_tx: Out(stream.Signature(8))
    i_kill_button: In(1)
    o_state: Out(2)
    o_tap_msg_valid: Out(1)
    o_tap_msg: Out(MESSAGE_LAYOUT)
    o_tap_bad_frame: Out(1)
    o_tap_rsp_valid: Out(1)
    o_tap_rsp: Out(MESSAGE_LAYOUT)
    o_tap_rsp_dropped: Out(1)
    o_tap_any: Out(1)
    o_tap_ready: Out(1)
    i_burst_data: In(8 * BURST_BYTES)
    i_burst_len: In(range(BURST_BYTES + 1))
    i_burst_load: In(1)
    o_burst_busy: Out(1)
    i_capture: In(1)
    o_out_data: Out(8 * BURST_BYTES)
    o_out_len: Out(range(BURST_BYTES + 1))
    i_out_clear: In(1)

    def __init__(
        self, *, clock_hz: int, time_unit_cycles: int, core: CoreFactory | None = None
    ) -> None:
        self.guard = GuardTop(clock_hz=clock_hz, time_unit_cycles=time_unit_cycles, core=core)
        super().__init__()

    def elaborate(self, platform: object) -> Module:
        m = Module()
        m.submodules.guard = guard = self.guard

        # Input: either the i_rx port or a loaded burst, one byte per cycle.
        burst = Signal(8 * BURST_BYTES)
        burst_left = Signal(range(BURST_BYTES + 1))
        with m.If(self.i_burst_load):
            m.d.sync += [burst.eq(self.i_burst_data), burst_left.eq(self.i_burst_len)]
        with m.Elif(burst_left != 0):
            m.d.sync += [burst.eq(burst >> 8), burst_left.eq(burst_left - 1)]
        m.d.comb += [
            self.o_burst_busy.eq(burst_left != 0),
            guard.i_rx.valid.eq(Mux(burst_left != 0, 1, self.i_rx.valid)),
            guard.i_rx.payload.eq(Mux(burst_left != 0, burst[:8], self.i_rx.payload)),
            self.i_rx.ready.eq(guard.i_rx.ready & (burst_left == 0)),
        ]

        # Output: either the o_tx port or the capture buffer.
        capture_ready = self.o_out_len != BURST_BYTES
        beat = guard.o_tx.valid & capture_ready & self.i_capture
        with m.If(self.i_out_clear):
            m.d.sync += self.o_out_len.eq(beat)
            with m.If(beat):
                m.d.sync += self.o_out_data[:8].eq(guard.o_tx.payload)
        with m.Elif(beat):
            m.d.sync += [
                self.o_out_data.word_select(self.o_out_len, 8).eq(guard.o_tx.payload),
                self.o_out_len.eq(self.o_out_len + 1),
            ]
        m.d.comb += [
            guard.o_tx.ready.eq(Mux(self.i_capture, capture_ready, self.o_tx.ready)),
            self.o_tx.valid.eq(guard.o_tx.valid & ~self.i_capture),
            self.o_tx.payload.eq(guard.o_tx.payload),
        ]

        m.d.comb += [
            guard.i_kill_button.eq(self.i_kill_button),
            self.o_state.eq(guard.o_state),
            self.o_tap_msg_valid.eq(guard.decoder.o_msg.valid),
            self.o_tap_msg.eq(guard.decoder.o_msg.payload),
            self.o_tap_bad_frame.eq(guard.decoder.o_bad_frame),
            self.o_tap_rsp_valid.eq(guard.core.o_rsp.valid),
            self.o_tap_rsp.eq(guard.core.o_rsp.payload),
            self.o_tap_rsp_dropped.eq(guard.core.i_rsp_dropped),
            self.o_tap_ready.eq(
                guard.core.o_ready if "o_ready" in guard.core.signature.members else Const(1)
            ),
            self.o_tap_any.eq(
                guard.decoder.o_msg.valid
                | guard.decoder.o_bad_frame
                | guard.core.o_rsp.valid
                | guard.core.i_rsp_dropped
                | (self.o_tx.valid & self.o_tx.ready)
            ),
        ]
        return m


def _guard_top() -> wiring.Component:
    return GuardTopProbe(clock_hz=SIM_CLOCK_HZ, time_unit_cycles=SIM_TIME_UNIT_CYCLES)


def _guard_top_compact() -> wiring.Component:
    core = functools.partial(CompactGuardCore, **DESIGN_SIZES["guard_top_compact"])
    return GuardTopProbe(clock_hz=SIM_CLOCK_HZ, time_unit_cycles=SIM_TIME_UNIT_CYCLES, core=core)


def _uart_echo() -> wiring.Component:
    return UARTEcho(divisor=UART_ECHO_DIVISOR)


#: Design name -> factory of its top. The name is also the Verilog top module's name.
DESIGNS = {
    "guard_top": _guard_top,
    "guard_top_compact": _guard_top_compact,
    "uart_echo": _uart_echo,
}
