"""8N1 UART receiver and transmitter with byte streams (Amaranth has none in its library)."""

from amaranth.hdl import Module, Signal
from amaranth.lib import stream, wiring
from amaranth.lib.cdc import FFSynchronizer
from amaranth.lib.wiring import In, Out

__all__ = ["UARTReceiver", "UARTTransmitter", "uart_divisor"]


def uart_divisor(*, clock_hz: int, baud: int) -> int:
    """Clock cycles per bit, ``clock_hz // baud``, validated.

    Raises
    ------
    ValueError
        If either is not a positive integer, or the divisor is below 4 (the receiver needs a
        few cycles per bit to sample the middle of it).
    """
    if not isinstance(clock_hz, int) or clock_hz <= 0:
        raise ValueError(f"Clock frequency must be a positive integer, not {clock_hz!r}")
    if not isinstance(baud, int) or baud <= 0:
        raise ValueError(f"Baud rate must be a positive integer, not {baud!r}")
    divisor = clock_hz // baud
    if divisor < 4:
        raise ValueError(f"Clock cycles per bit must be at least 4, not {divisor!r}")
    return divisor


def _check_divisor(divisor: object) -> int:
    if not isinstance(divisor, int) or isinstance(divisor, bool):
        raise TypeError(f"Divisor must be an integer, not {divisor!r}")
    if divisor < 4:
        raise ValueError(f"Divisor must be at least 4 clock cycles per bit, not {divisor!r}")
    return divisor


class UARTReceiver(wiring.Component):
    """8N1 receiver: 2-FF synchroniser, start-bit check at mid-bit, one sample per bit.

    A byte whose stop bit is low is a framing error: counted and not emitted. A byte that
    arrives while the previous one is still unread is an overrun: counted and dropped.

    Parameters
    ----------
    divisor : int
        Clock cycles per bit (``clock_hz // baud``, see :func:`uart_divisor`).

    Attributes
    ----------
    i_rx : Signal(1), in
        The line, idle high (asynchronous: synchronised inside).
    o_data : stream.Signature(8), out
        Received bytes.
    o_framing_errors : Signal(16), out
        Bytes dropped for a low stop bit (wraps).
    o_overruns : Signal(16), out
        Bytes dropped because ``o_data`` was not read in time (wraps).
    """

    i_rx: In(1, init=1)
    o_data: Out(stream.Signature(8))
    o_framing_errors: Out(16)
    o_overruns: Out(16)

    def __init__(self, *, divisor: int) -> None:
        self.divisor = _check_divisor(divisor)
        super().__init__()

    def elaborate(self, platform: object) -> Module:
        m = Module()
        rx = Signal(init=1)
        m.submodules.sync = FFSynchronizer(self.i_rx, rx, init=1)

        timer = Signal(range(self.divisor + self.divisor // 2 + 1))
        bit = Signal(range(8))
        shift = Signal(8)

        with m.If(self.o_data.ready):
            m.d.sync += self.o_data.valid.eq(0)

        def emit(byte: object) -> None:
            with m.If(self.o_data.valid & ~self.o_data.ready):
                m.d.sync += self.o_overruns.eq(self.o_overruns + 1)
            with m.Else():
                m.d.sync += [self.o_data.payload.eq(byte), self.o_data.valid.eq(1)]

        with m.FSM():
            with m.State("IDLE"):
                with m.If(~rx):
                    m.d.sync += timer.eq(self.divisor // 2 - 1)
                    m.next = "START"
            with m.State("START"):
                with m.If(timer != 0):
                    m.d.sync += timer.eq(timer - 1)
                with m.Elif(rx):
                    m.next = "IDLE"  # a glitch, not a start bit
                with m.Else():
                    m.d.sync += [timer.eq(self.divisor - 1), bit.eq(0)]
                    m.next = "DATA"
            with m.State("DATA"):
                with m.If(timer != 0):
                    m.d.sync += timer.eq(timer - 1)
                with m.Else():
                    m.d.sync += [shift.eq((shift >> 1) | (rx << 7)), timer.eq(self.divisor - 1)]
                    m.d.sync += bit.eq(bit + 1)
                    with m.If(bit == 7):
                        m.next = "STOP"
            with m.State("STOP"):
                with m.If(timer != 0):
                    m.d.sync += timer.eq(timer - 1)
                with m.Else():
                    with m.If(rx):
                        emit(shift)
                        m.next = "IDLE"
                    with m.Else():
                        m.d.sync += self.o_framing_errors.eq(self.o_framing_errors + 1)
                        m.next = "BREAK"
            with m.State("BREAK"):
                # Wait for the line to go idle again so a long low is one error, not many.
                with m.If(rx):
                    m.next = "IDLE"
        return m


class UARTTransmitter(wiring.Component):
    """8N1 transmitter: start bit, 8 data bits LSB first, one stop bit.

    Parameters
    ----------
    divisor : int
        Clock cycles per bit (``clock_hz // baud``, see :func:`uart_divisor`).

    Attributes
    ----------
    i_data : stream.Signature(8), in
        Bytes to send; ``ready`` is high while the line is idle.
    o_tx : Signal(1), out
        The line, idle high.
    """

    i_data: In(stream.Signature(8))
    o_tx: Out(1, init=1)

    def __init__(self, *, divisor: int) -> None:
        self.divisor = _check_divisor(divisor)
        super().__init__()

    def elaborate(self, platform: object) -> Module:
        m = Module()
        timer = Signal(range(self.divisor))
        bits_left = Signal(range(11))
        shift = Signal(10, init=0x3FF)

        m.d.comb += [self.o_tx.eq(shift[0]), self.i_data.ready.eq(bits_left == 0)]
        with m.If(bits_left == 0):
            with m.If(self.i_data.valid):
                # stop bit (1), data, start bit (0); shifted out from bit 0
                m.d.sync += [
                    shift.eq((1 << 9) | (self.i_data.payload << 1)),
                    bits_left.eq(10),
                    timer.eq(self.divisor - 1),
                ]
        with m.Elif(timer != 0):
            m.d.sync += timer.eq(timer - 1)
        with m.Else():
            m.d.sync += [
                shift.eq((shift >> 1) | (1 << 9)),
                bits_left.eq(bits_left - 1),
                timer.eq(self.divisor - 1),
            ]
        return m
