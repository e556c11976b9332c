"""The gateware tops that the Verilator simulations build, with their simulation parameters."""

from amaranth.hdl import Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from hdl.top import GuardTop
from hdl.uart import UARTReceiver, UARTTransmitter

__all__ = ["SIM_CLOCK_HZ", "SIM_TIME_UNIT_CYCLES", "UART_ECHO_DIVISOR", "UARTEcho", "DESIGNS"]

#: Nominal clock of the simulated guard. sim-serve paces the model to wall time at this rate
#: (when it can keep up), so one cycle is 1 us of wall time ...
SIM_CLOCK_HZ = 1_000_000
#: ... and one time unit is one cycle: 1 us, the same unit as on a board (time_unit_cycles =
#: 1 us of cycles) and as the model backend, so one set of limits means the same everywhere.
SIM_TIME_UNIT_CYCLES = 1

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


def _guard_top() -> wiring.Component:
    return GuardTop(clock_hz=SIM_CLOCK_HZ, time_unit_cycles=SIM_TIME_UNIT_CYCLES)


def _uart_echo() -> wiring.Component:
    return UARTEcho(divisor=UART_ECHO_DIVISOR)


#: Design name -> factory of its top. The name is also the Verilog top module's name.
DESIGNS = {"guard_top": _guard_top, "uart_echo": _uart_echo}
