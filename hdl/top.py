"""The guard's top level: frame decoder -> core -> response FIFO -> frame encoder.

The core is :class:`hdl.guard_core.GuardCore`, or on a small FPGA
:class:`hdl.compact.core.CompactGuardCore`, which also takes the decoder's payload strobe.

:class:`GuardTop` has byte streams (for simulation and the pty bridge); :class:`GuardUARTTop`
adds the UART for boards, whose own tops (``hdl/boards/``) add PLL, LEDs and the button.
"""

from collections.abc import Callable

from amaranth.hdl import Module, Mux, Signal, Value
from amaranth.lib import fifo, stream, wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from hdl.block_ram import read_register
from hdl.framing import FrameDecoder, FrameEncoder
from hdl.protocol import MESSAGE_LAYOUT
from hdl.uart import UARTReceiver, UARTTransmitter, uart_divisor

__all__ = ["GuardTop", "GuardUARTTop", "CoreFactory"]

#: Builds the guard core from ``clock_hz`` and ``time_unit_cycles`` (keyword arguments).
CoreFactory = Callable[..., wiring.Component]


class _BlockRAMFIFO(fifo.SyncFIFOBuffered):
    """:class:`~amaranth.lib.fifo.SyncFIFOBuffered` with its storage in block RAM.

    Yosys keeps a memory this shallow (a few rows of one message) in flip-flops: on an
    iCE40UP5K that alone was ~700 flip-flops and ~370 LUTs of read mux, where block RAM is
    otherwise idle. The behaviour (levels, ``w_rdy``/``r_rdy`` timing, the read register) is
    the library's; only the read register is written out next to an asynchronous read port,
    so that Yosys merges it into the block RAM itself and honours ``no_rw_check`` there. The
    library's read port is clocked already, and on such a port Yosys emulates read-first
    collisions in logic: a full-width bypass register and mux (~360 flip-flops and ~190 LUTs
    for a 176-bit message), although a FIFO never reads the row it writes. The read register
    has no initial value (:func:`hdl.block_ram.read_register`), or Yosys would emulate one
    with another full-width mux.
    """

    def elaborate(self, platform: object) -> Module:
        if self.depth < 2:
            raise ValueError(f"Depth must be at least 2, not {self.depth}")
        m = Module()
        inner_depth = self.depth - 1
        inner_level = Signal(range(inner_depth + 1))
        inner_r_rdy = Signal()
        do_write = self.w_rdy & self.w_en
        do_inner_read = inner_r_rdy & (~self.r_rdy | self.r_en)
        m.d.comb += [
            self.w_rdy.eq(inner_level != inner_depth),
            inner_r_rdy.eq(inner_level != 0),
            self.level.eq(inner_level + self.r_rdy),
            self.w_level.eq(self.level),
            self.r_level.eq(self.level),
        ]

        storage = Memory(
            shape=self.width,
            depth=inner_depth,
            init=[],
            attrs={"ram_style": "block", "no_rw_check": 1},
        )
        m.submodules.storage = storage
        w_port = storage.write_port()
        r_port = storage.read_port(domain="comb")
        produce = Signal(range(inner_depth))
        consume = Signal(range(inner_depth))

        def increment(pointer: Signal) -> Value:
            return Mux(pointer == inner_depth - 1, 0, pointer + 1)

        m.d.comb += [
            w_port.addr.eq(produce),
            w_port.data.eq(self.w_data),
            w_port.en.eq(do_write),
            r_port.addr.eq(consume),
        ]
        with m.If(do_write):
            m.d.sync += produce.eq(increment(produce))
        # r_data is read only while r_rdy, so after a read has landed in the register
        read_data = read_register(self.width, name="read_data")
        m.d.comb += self.r_data.eq(read_data)
        with m.If(do_inner_read):
            m.d.sync += [consume.eq(increment(consume)), read_data.eq(r_port.data)]
        with m.If(do_write & ~do_inner_read):
            m.d.sync += inner_level.eq(inner_level + 1)
        with m.If(do_inner_read & ~do_write):
            m.d.sync += inner_level.eq(inner_level - 1)
        with m.If(do_inner_read):
            m.d.sync += self.r_rdy.eq(1)
        with m.Elif(self.r_en):
            m.d.sync += self.r_rdy.eq(0)
        return m


def _default_core(*, clock_hz: int, time_unit_cycles: int, **size: int) -> wiring.Component:
    from hdl.guard_core import GuardCore

    return GuardCore(clock_hz=clock_hz, time_unit_cycles=time_unit_cycles, **size)


class GuardTop(wiring.Component):
    """The whole guard between two byte streams.

    Responses leave GuardCore into a FIFO of ``fifo_depth`` messages; when it is full, the
    response is lost and GuardCore is told (``i_rsp_dropped``) so that it counts the drop.
    The frame being sent stays in the FIFO (its read register) until its delimiter is out:
    the encoder keeps no copy of it.

    Parameters
    ----------
    clock_hz : int
        Clock frequency (reported in the HELLO reply).
    time_unit_cycles : int
        Cycles per time unit of every window and timeout.
    fifo_depth : int
        Response FIFO depth in messages, the frame being sent included; at least 4.
    core : callable, optional
        Builds the core (for tests of the plumbing); defaults to :class:`hdl.guard_core.GuardCore`.
    n_instruments, n_order_slots : int, optional
        The default core's size (see :class:`hdl.guard_core.GuardCore`); its defaults when None.

    Attributes
    ----------
    i_rx : stream.Signature(8), in
        Bytes from the host.
    o_tx : stream.Signature(8), out
        Bytes to the host.
    i_kill_button : Signal(1), in
        Level-high kill (synchronised and debounced by the board top).
    o_state : Signal(2), out
        :class:`hdl.protocol.TradingState`.
    decoder, core, encoder, responses
        The submodules, created here so that a simulation harness can observe their ports.
    """

    i_rx: In(stream.Signature(8))
    o_tx: Out(stream.Signature(8))
    i_kill_button: In(1)
    o_state: Out(2)

    def __init__(
        self,
        *,
        clock_hz: int,
        time_unit_cycles: int,
        fifo_depth: int = 5,
        core: CoreFactory | None = None,
        n_instruments: int | None = None,
        n_order_slots: int | None = None,
    ) -> None:
        if not isinstance(clock_hz, int) or clock_hz <= 0:
            raise ValueError(f"Clock frequency must be a positive integer, not {clock_hz!r}")
        if not isinstance(time_unit_cycles, int) or time_unit_cycles <= 0:
            raise ValueError(
                f"Time unit cycles must be a positive integer, not {time_unit_cycles!r}"
            )
        if not isinstance(fifo_depth, int) or fifo_depth < 4:
            raise ValueError(f"FIFO depth must be an integer of at least 4, not {fifo_depth!r}")
        self.clock_hz = clock_hz
        self.time_unit_cycles = time_unit_cycles
        size = {
            name: value
            for name, value in (("n_instruments", n_instruments), ("n_order_slots", n_order_slots))
            if value is not None
        }
        if core is not None and size:
            raise ValueError(f"A core factory must not come with a size, not {size!r}")
        factory = core if core is not None else _default_core
        self.decoder = FrameDecoder()
        self.core = factory(clock_hz=clock_hz, time_unit_cycles=time_unit_cycles, **size)
        self.responses = _BlockRAMFIFO(width=MESSAGE_LAYOUT.size, depth=fifo_depth)
        self.encoder = FrameEncoder()
        super().__init__()

    def elaborate(self, platform: object) -> Module:
        m = Module()
        m.submodules.decoder = decoder = self.decoder
        m.submodules.core = core = self.core
        m.submodules.responses = responses = self.responses
        m.submodules.encoder = encoder = self.encoder

        wiring.connect(m, wiring.flipped(self.i_rx), decoder.i_data)
        wiring.connect(m, decoder.o_msg, core.i_msg)
        if "i_payload_ready" in core.signature.members:
            # a core that starts on the payload while the CRC arrives (hdl.compact)
            m.d.comb += core.i_payload_ready.eq(decoder.o_payload_ready)
        m.d.comb += [
            core.i_bad_frame.eq(decoder.o_bad_frame),
            core.i_kill_button.eq(self.i_kill_button),
            self.o_state.eq(core.o_state),
            responses.w_data.eq(core.o_rsp.payload),
            responses.w_en.eq(core.o_rsp.valid),
            core.i_rsp_dropped.eq(core.o_rsp.valid & ~responses.w_rdy),
            encoder.i_msg.payload.eq(responses.r_data),
            encoder.i_msg.valid.eq(responses.r_rdy),
            responses.r_en.eq(encoder.i_msg.ready),
        ]
        wiring.connect(m, encoder.o_data, wiring.flipped(self.o_tx))
        return m


class GuardUARTTop(wiring.Component):
    """:class:`GuardTop` behind an 8N1 UART, for boards.

    Parameters
    ----------
    clock_hz : int
        Clock frequency.
    baud : int
        UART baud rate (the divisor is ``clock_hz // baud``).
    time_unit_cycles : int
        Cycles per time unit; 1 us worth of cycles on a board.
    core : callable, optional
        As for :class:`GuardTop`.
    n_instruments, n_order_slots : int, optional
        As for :class:`GuardTop`.

    Attributes
    ----------
    rx : Signal(1), in
        UART receive pin (idle high).
    tx : Signal(1), out
        UART transmit pin (idle high).
    i_kill_button : Signal(1), in
    o_state : Signal(2), out
    o_rx_byte, o_tx_byte : Signal(1), out
        One-cycle strobes per byte received / sent (stretch them for activity LEDs).
    o_framing_errors : Signal(16), out
        UART bytes dropped for a bad stop bit.
    """

    rx: In(1, init=1)
    tx: Out(1, init=1)
    i_kill_button: In(1)
    o_state: Out(2)
    o_rx_byte: Out(1)
    o_tx_byte: Out(1)
    o_framing_errors: Out(16)

    def __init__(
        self,
        *,
        clock_hz: int,
        baud: int = 115_200,
        time_unit_cycles: int,
        core: CoreFactory | None = None,
        n_instruments: int | None = None,
        n_order_slots: int | None = None,
    ) -> None:
        self.divisor = uart_divisor(clock_hz=clock_hz, baud=baud)
        self.guard = GuardTop(
            clock_hz=clock_hz,
            time_unit_cycles=time_unit_cycles,
            core=core,
            n_instruments=n_instruments,
            n_order_slots=n_order_slots,
        )
        _check_pace(self.guard.core, divisor=self.divisor, clock_hz=clock_hz, baud=baud)
        super().__init__()

    def elaborate(self, platform: object) -> Module:
        m = Module()
        m.submodules.guard = guard = self.guard
        m.submodules.receiver = receiver = UARTReceiver(divisor=self.divisor)
        m.submodules.transmitter = transmitter = UARTTransmitter(divisor=self.divisor)
        wiring.connect(m, receiver.o_data, guard.i_rx)
        wiring.connect(m, guard.o_tx, transmitter.i_data)
        tx_byte = Signal()
        m.d.comb += [
            receiver.i_rx.eq(self.rx),
            self.tx.eq(transmitter.o_tx),
            guard.i_kill_button.eq(self.i_kill_button),
            self.o_state.eq(guard.o_state),
            self.o_rx_byte.eq(receiver.o_data.valid & receiver.o_data.ready),
            tx_byte.eq(transmitter.i_data.valid & transmitter.i_data.ready),
            self.o_tx_byte.eq(tx_byte),
            self.o_framing_errors.eq(receiver.o_framing_errors),
        ]
        return m


#: Bit times (8N1: 10 a byte) from a frame's payload to its delimiter (the CRC's second byte
#: and the delimiter), and from a delimiter to the next one (the shortest frame's 5 bytes).
_LEAD_BITS = 2 * 10
_SPACING_BITS = 5 * 10


def _check_pace(core: wiring.Component, *, divisor: int, clock_hz: int, baud: int) -> None:
    """Refuse a baud rate at which the UART's bytes come faster than the core takes them.

    A core that runs programs on the payload before the beat (:mod:`hdl.compact`) has a
    contract: ``lead_cycles`` from the payload to the delimiter, and ``update_cycles`` more
    from one delimiter to the next; a faster frame gets no reply. At a board's 115200 baud
    the UART gives thousands of cycles; at a few Mbaud it would not.
    """
    lead = getattr(core, "lead_cycles", 0)
    update = getattr(core, "update_cycles", 0)
    needed = max(-(-lead // _LEAD_BITS), -(-(lead + update) // _SPACING_BITS))
    if divisor < needed:
        raise ValueError(
            f"Baud rate must be at most {clock_hz // needed} for this core at {clock_hz} Hz "
            f"(it takes {lead} cycles between a frame's payload and its delimiter, 2 bytes on "
            f"the link), not {baud}"
        )
