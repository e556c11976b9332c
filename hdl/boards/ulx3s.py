"""Board top for the ULX3S (ECP5 12F/25F/45F/85F, 25 MHz oscillator, FTDI FT231X UART)."""

from amaranth.build import Platform
from amaranth.hdl import ClockDomain, Const, Instance, Module, Signal, Value
from amaranth_boards.ulx3s import (
    ULX3S_12F_Platform,
    ULX3S_25F_Platform,
    ULX3S_45F_Platform,
    ULX3S_85F_Platform,
)

from hdl.boards.board_top import BoardTop, Indicators, input_pin, output_pin
from hdl.boards.pll import ecp5_pll_config

__all__ = ["ULX3STop", "ULX3S_VARIANTS", "ulx3s_platform"]

#: ECP5 size -> amaranth-boards platform class. The 85F is the default build.
ULX3S_VARIANTS = {
    "12F": ULX3S_12F_Platform,
    "25F": ULX3S_25F_Platform,
    "45F": ULX3S_45F_Platform,
    "85F": ULX3S_85F_Platform,
}


def ulx3s_platform(variant: str = "85F") -> Platform:
    """The ULX3S platform for the ECP5 size ``variant`` (one of :data:`ULX3S_VARIANTS`).

    Raises
    ------
    ValueError
        If ``variant`` is not a known size.
    """
    if variant not in ULX3S_VARIANTS:
        raise ValueError(f"ULX3S variant must be one of {sorted(ULX3S_VARIANTS)}, not {variant!r}")
    return ULX3S_VARIANTS[variant]()


class ULX3STop(BoardTop):
    """The guard on a ULX3S.

    The 25 MHz oscillator feeds an ``EHXPLLL`` unless ``clock_hz`` is 25 MHz. The link is the
    FT231X on the US1 connector (``/dev/ttyUSB0`` on Linux). LEDs D0..D7: D0 armed (blinks
    while REDUCING), D1 REDUCING, D2 disarmed, D3 killed, D4 kill button held, D5 alive (slow
    blink), D6 receive activity, D7 transmit activity. FIRE1 (``button_fire`` 0) is the kill
    switch.

    Parameters
    ----------
    **kwargs
        See :class:`~hdl.boards.board_top.BoardTop`.
    """

    OSCILLATOR_HZ = 25_000_000

    @classmethod
    def validate_clock(cls, clock_hz: int) -> None:
        """The oscillator itself, or a clock the PLL makes exactly."""
        if clock_hz != cls.OSCILLATOR_HZ:
            ecp5_pll_config(cls.OSCILLATOR_HZ, clock_hz)

    def add_clock(self, m: Module, platform: Platform) -> Value:
        """The PLL (or the oscillator itself) drives ``sync``; PLL lock releases reset."""
        m.domains.sync = sync = ClockDomain("sync")
        clk25 = input_pin(m, platform.request("clk25", dir="-"))
        if self.clock_hz == self.OSCILLATOR_HZ:
            m.d.comb += sync.clk.eq(clk25)
            return Const(1)
        config = ecp5_pll_config(self.OSCILLATOR_HZ, self.clock_hz)
        locked = Signal()
        m.submodules.pll = Instance(
            "EHXPLLL",
            a_FREQUENCY_PIN_CLKI=str(self.OSCILLATOR_HZ / 1e6),
            a_FREQUENCY_PIN_CLKOP=str(self.clock_hz / 1e6),
            a_ICP_CURRENT="12",
            a_LPF_RESISTOR="8",
            a_MFG_ENABLE_FILTEROPAMP="1",
            a_MFG_GMCREF_SEL="2",
            p_PLLRST_ENA="DISABLED",
            p_INTFB_WAKE="DISABLED",
            p_STDBY_ENABLE="DISABLED",
            p_DPHASE_SOURCE="DISABLED",
            p_OUTDIVIDER_MUXA="DIVA",
            p_OUTDIVIDER_MUXB="DIVB",
            p_OUTDIVIDER_MUXC="DIVC",
            p_OUTDIVIDER_MUXD="DIVD",
            p_CLKI_DIV=config.clki_div,
            p_CLKOP_ENABLE="ENABLED",
            p_CLKOP_DIV=config.clkop_div,
            p_CLKOP_CPHASE=config.clkop_cphase,
            p_CLKOP_FPHASE=0,
            p_FEEDBK_PATH="CLKOP",
            p_CLKFB_DIV=config.clkfb_div,
            i_RST=Const(0),
            i_STDBY=Const(0),
            i_CLKI=clk25,
            o_CLKOP=sync.clk,
            i_CLKFB=sync.clk,
            i_PHASESEL0=Const(0),
            i_PHASESEL1=Const(0),
            i_PHASEDIR=Const(1),
            i_PHASESTEP=Const(1),
            i_PHASELOADREG=Const(1),
            i_PLLWAKESYNC=Const(0),
            i_ENCLKOP=Const(0),
            o_LOCK=locked,
        )
        # nextpnr derives the constraint of the PLL output from its dividers and the
        # oscillator's constraint; one set here would name a net that no longer exists.
        return locked

    def request_kill_button(self, m: Module, platform: Platform) -> Value:
        """FIRE1, active high with a pull-down."""
        return input_pin(m, platform.request("button_fire", 0, dir="-"))

    def drive_leds(self, m: Module, platform: Platform, indicators: Indicators) -> None:
        """Eight LEDs in a row."""
        shown = [
            indicators.armed,
            indicators.reducing,
            indicators.disarmed,
            indicators.killed,
            indicators.kill_button,
            indicators.alive,
            indicators.rx_activity,
            indicators.tx_activity,
        ]
        for index, value in enumerate(shown):
            output_pin(m, platform.request("led", index, dir="-"), value)
