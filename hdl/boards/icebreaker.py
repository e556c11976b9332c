"""Board top for the iCEBreaker (iCE40UP5K, 12 MHz oscillator, FTDI FT2232H UART)."""

from amaranth.build import Platform
from amaranth.hdl import ClockDomain, Const, Instance, Module, Signal, Value
from amaranth_boards.icebreaker import ICEBreakerPlatform

from hdl.boards.board_top import BoardTop, Indicators, input_pin, output_pin
from hdl.boards.pll import ice40_pll_config

__all__ = ["ICEBreakerTop", "icebreaker_platform"]


def icebreaker_platform() -> ICEBreakerPlatform:
    """The iCEBreaker platform with the snap-off LED/button PMOD (on PMOD2) added."""
    platform = ICEBreakerPlatform()
    platform.add_resources(platform.break_off_pmod)
    return platform


class ICEBreakerTop(BoardTop):
    """The guard on an iCEBreaker.

    The 12 MHz oscillator feeds the PLL (``SB_PLL40_PAD``, the oscillator pin is a PLL pad)
    unless ``clock_hz`` is 12 MHz. The link is the FT2232H's second channel (``/dev/ttyUSB1``
    on Linux). LEDs: on the main board, green = armed (blinks while REDUCING), red = killed;
    on the snap-off PMOD, LED2 = receive activity, LED3 = transmit activity, LED4 = alive
    (slow blink), LED5 = disarmed, red LED1 = kill button held. The user button next to the
    USB connector is the kill switch.

    Parameters
    ----------
    **kwargs
        See :class:`~hdl.boards.board_top.BoardTop`.
    """

    OSCILLATOR_HZ = 12_000_000

    @classmethod
    def validate_clock(cls, clock_hz: int) -> None:
        """The oscillator itself, or a clock the PLL makes exactly."""
        if clock_hz != cls.OSCILLATOR_HZ:
            ice40_pll_config(cls.OSCILLATOR_HZ, clock_hz)

    def add_clock(self, m: Module, platform: Platform) -> Value:
        """The PLL (or the oscillator itself) drives ``sync``; PLL lock releases reset."""
        m.domains.sync = sync = ClockDomain("sync")
        if self.clock_hz == self.OSCILLATOR_HZ:
            m.d.comb += sync.clk.eq(input_pin(m, platform.request("clk12", dir="-")))
            return Const(1)
        config = ice40_pll_config(self.OSCILLATOR_HZ, self.clock_hz)
        locked = Signal()
        m.submodules.pll = Instance(
            "SB_PLL40_PAD",
            p_FEEDBACK_PATH="SIMPLE",
            p_DIVR=config.divr,
            p_DIVF=config.divf,
            p_DIVQ=config.divq,
            p_FILTER_RANGE=config.filter_range,
            i_PACKAGEPIN=platform.request("clk12", dir="-").io,
            i_RESETB=Const(1),
            i_BYPASS=Const(0),
            o_PLLOUTGLOBAL=sync.clk,
            o_LOCK=locked,
        )
        # nextpnr derives the constraint of the PLL output from its dividers and the
        # oscillator's constraint; one set here would name a net that no longer exists.
        return locked

    def request_kill_button(self, m: Module, platform: Platform) -> Value:
        """The main board's user button (active low on the pin; the platform inverts it)."""
        return input_pin(m, platform.request("button", 0, dir="-"))

    def drive_leds(self, m: Module, platform: Platform, indicators: Indicators) -> None:
        """Two LEDs on the board, five on the snap-off PMOD."""
        shown = [
            ("led_g", 0, indicators.armed),
            ("led_r", 0, indicators.killed),
            ("led_r", 1, indicators.kill_button),
            ("led_g", 1, indicators.rx_activity),
            ("led_g", 2, indicators.tx_activity),
            ("led_g", 3, indicators.alive),
            ("led_g", 4, indicators.disarmed),
        ]
        for name, number, value in shown:
            output_pin(m, platform.request(name, number, dir="-"), value)
