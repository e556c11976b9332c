"""What every board top shares: the guard, the UART pins, the kill switch and status lights."""

import abc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from amaranth.build import Platform
from amaranth.hdl import Elaboratable, Module, Signal, Value
from amaranth.lib import io
from amaranth.lib.cdc import FFSynchronizer, ResetSynchronizer

from hdl.boards.kill_switch import KillSwitch
from hdl.boards.pulse_stretcher import PulseStretcher
from hdl.protocol import TradingState

__all__ = [
    "BoardGuard",
    "GuardFactory",
    "Indicators",
    "BoardTop",
    "DEFAULT_BAUD",
    "input_pin",
    "output_pin",
]

#: The link's default rate (DESIGN.md section 2); both boards' FTDI parts go much faster.
DEFAULT_BAUD = 115_200
_US_PER_S = 1_000_000
# The LEDs and the button count a shared 1 ms tick, so their counters stay a few bits wide.
_TICKS_PER_S = 1_000


def input_pin(m: Module, port: io.PortLike) -> Value:
    """The level of input ``port`` (a platform resource requested with ``dir="-"``)."""
    buffer = io.Buffer("i", port)
    m.submodules += buffer
    return buffer.i


def output_pin(m: Module, port: io.PortLike, value: Value) -> None:
    """Drive output ``port`` (requested with ``dir="-"``) with ``value``."""
    buffer = io.Buffer("o", port)
    m.submodules += buffer
    m.d.comb += buffer.o.eq(value)


class BoardGuard(Protocol):
    """What a board top needs of the guard gateware: UART pins, kill input, state output."""

    rx: Value
    tx: Value
    i_kill_button: Value
    o_state: Value


#: Builds the guard for a board: ``factory(clock_hz=..., time_unit_cycles=..., baud=...)``.
GuardFactory = Callable[..., Any]


@dataclass(frozen=True)
class Indicators:
    """Signals a board shows on its LEDs, all in the ``sync`` domain, active high.

    Attributes
    ----------
    armed : Value
        ACTIVE, steady; blinking while REDUCING (only position-reducing orders pass).
    reducing, disarmed, killed : Value
        Trading state is REDUCING, DISARMED (fail closed, nothing accepted), HALTED (kill latch).
    kill_button : Value
        The debounced kill switch is held.
    rx_activity, tx_activity : Value
        Stretched pulses for bytes on the UART receive and transmit pins.
    alive : Value
        A slow blink proving the clock runs and the design is out of reset.
    """

    armed: Value
    reducing: Value
    disarmed: Value
    killed: Value
    kill_button: Value
    rx_activity: Value
    tx_activity: Value
    alive: Value


class BoardTop(Elaboratable, abc.ABC):
    """Base of the board tops: wraps the guard with clocking, kill switch and LEDs.

    Subclasses make the ``sync`` clock domain (:meth:`add_clock`) and map
    :class:`Indicators` to their LEDs (:meth:`drive_leds`). Time inside the guard is counted
    in microseconds (``time_unit_cycles = clock_hz / 1 MHz``), so the clock must be a whole
    number of MHz.

    Parameters
    ----------
    clock_hz : int
        Frequency of the ``sync`` domain, a whole number of MHz.
    baud : int
        UART rate of the link.
    guard_factory : GuardFactory
        Builds the guard gateware (see :class:`BoardGuard`).
    led_hold_s : float
        How long an activity pulse stays lit.
    debounce_s : float
        How long the kill button must be stable before its level counts.

    Raises
    ------
    ValueError
        If the clock is not a whole number of MHz or the board's PLL cannot make it, or a
        rate or time is not positive.
    """

    #: Clock on the board's oscillator pin, Hz.
    OSCILLATOR_HZ: int

    def __init__(
        self,
        *,
        clock_hz: int,
        baud: int = DEFAULT_BAUD,
        guard_factory: GuardFactory,
        led_hold_s: float = 0.05,
        debounce_s: float = 0.01,
    ) -> None:
        if isinstance(clock_hz, bool) or not isinstance(clock_hz, int):
            raise TypeError(f"clock_hz must be an int, not {clock_hz!r}")
        if clock_hz <= 0 or clock_hz % _US_PER_S:
            raise ValueError(f"clock_hz must be a positive whole number of MHz, not {clock_hz!r}")
        if isinstance(baud, bool) or not isinstance(baud, int):
            raise TypeError(f"baud must be an int, not {baud!r}")
        if not 0 < baud * 4 <= clock_hz:
            raise ValueError(f"baud must be positive and at most clock_hz / 4, not {baud!r}")
        if not led_hold_s > 0:
            raise ValueError(f"led_hold_s must be positive, not {led_hold_s!r}")
        if not debounce_s > 0:
            raise ValueError(f"debounce_s must be positive, not {debounce_s!r}")
        if not callable(guard_factory):
            raise TypeError(f"guard_factory must be callable, not {guard_factory!r}")
        self.validate_clock(clock_hz)
        self.clock_hz = clock_hz
        self.baud = baud
        self.time_unit_cycles = clock_hz // _US_PER_S
        self.guard_factory = guard_factory
        self.led_hold_ticks = max(1, round(led_hold_s * _TICKS_PER_S))
        self.debounce_ticks = max(1, round(debounce_s * _TICKS_PER_S))

    @classmethod
    @abc.abstractmethod
    def validate_clock(cls, clock_hz: int) -> None:
        """Raise ValueError if the board cannot make ``clock_hz`` (checked in ``__init__``)."""

    @abc.abstractmethod
    def add_clock(self, m: Module, platform: Platform) -> Value:
        """Add the ``sync`` domain to ``m``, clocked at :attr:`clock_hz` with a clock constraint,
        and return a signal that is high once that clock is stable (PLL locked). The base class
        drives the domain's reset from it."""

    @abc.abstractmethod
    def request_kill_button(self, m: Module, platform: Platform) -> Value:
        """The kill button's level, active high, asynchronous."""

    @abc.abstractmethod
    def drive_leds(self, m: Module, platform: Platform, indicators: Indicators) -> None:
        """Show ``indicators`` on the board's LEDs."""

    def elaborate(self, platform: Platform) -> Module:
        """Clock, guard, UART pins, kill switch and indicators."""
        m = Module()
        clock_good = self.add_clock(m, platform)
        # Hold the design in reset until the clock is stable; the synchroniser releases it
        # cleanly on a clock edge. (iCE40 block RAM also needs a few microseconds after
        # configuration before it reads correctly, which the PLL lock time covers.)
        m.submodules.reset_sync = ResetSynchronizer(~clock_good, domain="sync")

        guard: BoardGuard = self.guard_factory(
            clock_hz=self.clock_hz, time_unit_cycles=self.time_unit_cycles, baud=self.baud
        )
        m.submodules.guard = guard

        uart = platform.request("uart", 0, dir="-")
        uart_rx = input_pin(m, uart.rx)
        m.d.comb += guard.rx.eq(uart_rx)
        output_pin(m, uart.tx, guard.tx)

        # One prescaler makes the millisecond tick for every slow counter below.
        tick = Signal()
        prescaler = Signal(range(self.clock_hz // _TICKS_PER_S))
        m.d.comb += tick.eq(prescaler == 0)
        with m.If(tick):
            m.d.sync += prescaler.eq(self.clock_hz // _TICKS_PER_S - 1)
        with m.Else():
            m.d.sync += prescaler.eq(prescaler - 1)

        m.submodules.kill_switch = kill_switch = KillSwitch(stable_ticks=self.debounce_ticks)
        m.d.comb += [
            kill_switch.i_tick.eq(tick),
            kill_switch.i_button.eq(self.request_kill_button(m, platform)),
            guard.i_kill_button.eq(kill_switch.o_kill),
        ]

        # The UART idles high; any low bit on either pin is traffic.
        rx_level = Signal(init=1)
        m.submodules.rx_level_sync = FFSynchronizer(uart_rx, rx_level, init=1)
        m.submodules.rx_stretch = rx_stretch = PulseStretcher(hold_ticks=self.led_hold_ticks)
        m.submodules.tx_stretch = tx_stretch = PulseStretcher(hold_ticks=self.led_hold_ticks)
        m.d.comb += [
            rx_stretch.i_event.eq(~rx_level),
            rx_stretch.i_tick.eq(tick),
            tx_stretch.i_event.eq(~guard.tx),
            tx_stretch.i_tick.eq(tick),
        ]

        # Milliseconds, wrapping every 1.024 s: the top bit is a 1 Hz blink, bit 7 a 4 Hz one.
        blink = Signal(10)
        with m.If(tick):
            m.d.sync += blink.eq(blink + 1)
        slow, fast = blink[9], blink[7]

        state = guard.o_state
        indicators = Indicators(
            armed=(state == TradingState.ACTIVE) | ((state == TradingState.REDUCING) & fast),
            reducing=state == TradingState.REDUCING,
            disarmed=state == TradingState.DISARMED,
            killed=state == TradingState.HALTED,
            kill_button=kill_switch.o_kill,
            rx_activity=rx_stretch.o_pulse,
            tx_activity=tx_stretch.o_pulse,
            alive=slow,
        )
        self.drive_leds(m, platform, indicators)
        return m
