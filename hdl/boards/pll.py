"""PLL settings for the iCE40 (SB_PLL40) and ECP5 (EHXPLLL), computed like icepll/ecppll."""

from dataclasses import dataclass

__all__ = ["ICE40PLLConfig", "ice40_pll_config", "ECP5PLLConfig", "ecp5_pll_config"]

_MHZ = 1_000_000

# iCE40 sysCLOCK PLL limits (Lattice TN1251 and icepll.cc), in Hz.
_ICE40_PFD_RANGE = (10 * _MHZ, 133 * _MHZ)
_ICE40_VCO_RANGE = (533 * _MHZ, 1066 * _MHZ)
_ICE40_OUT_RANGE = (16 * _MHZ, 275 * _MHZ)
# Loop filter setting by phase-detector frequency (upper bounds, exclusive), from icepll.cc.
_ICE40_FILTER_BOUNDS = (17 * _MHZ, 26 * _MHZ, 44 * _MHZ, 66 * _MHZ, 101 * _MHZ)

# ECP5 EHXPLLL limits (Lattice TN1263 and ecppll.cpp), in Hz.
_ECP5_PFD_RANGE = (3_125_000, 400 * _MHZ)
_ECP5_VCO_RANGE = (400 * _MHZ, 800 * _MHZ)
_ECP5_OUT_RANGE = (3_125_000, 400 * _MHZ)


@dataclass(frozen=True)
class ICE40PLLConfig:
    """Parameters of an ``SB_PLL40_*`` in SIMPLE feedback mode.

    ``f_out = f_in * (divf + 1) / ((divr + 1) * 2**divq)``.

    Attributes
    ----------
    divr, divf, divq : int
        Reference, feedback and output dividers as written to the primitive.
    filter_range : int
        Loop filter setting for the phase-detector frequency.
    f_in_hz, f_out_hz, f_vco_hz : int
        Input, output and VCO frequencies.
    """

    divr: int
    divf: int
    divq: int
    filter_range: int
    f_in_hz: int
    f_out_hz: int
    f_vco_hz: int


def ice40_pll_config(f_in_hz: int, f_out_hz: int) -> ICE40PLLConfig:
    """The iCE40 PLL setting that makes exactly ``f_out_hz`` from ``f_in_hz``.

    Parameters
    ----------
    f_in_hz, f_out_hz : int
        Reference and wanted output frequency in Hz.

    Raises
    ------
    ValueError
        If the output frequency is out of range or cannot be made exactly (the design counts
        time in whole clock cycles per microsecond, so an approximate clock is refused).
    """
    _check_frequency("f_in_hz", f_in_hz)
    _check_frequency("f_out_hz", f_out_hz)
    if not _ICE40_OUT_RANGE[0] <= f_out_hz <= _ICE40_OUT_RANGE[1]:
        raise ValueError(f"iCE40 PLL output must be 16..275 MHz, not {f_out_hz!r} Hz")
    for divr in range(16):
        f_pfd, remainder = divmod(f_in_hz, divr + 1)
        if remainder or not _ICE40_PFD_RANGE[0] <= f_pfd <= _ICE40_PFD_RANGE[1]:
            continue
        for divq in range(1, 7):
            f_vco = f_out_hz << divq
            divf_plus_one, remainder = divmod(f_vco, f_pfd)
            if remainder or not 1 <= divf_plus_one <= 128:
                continue
            if not _ICE40_VCO_RANGE[0] <= f_vco <= _ICE40_VCO_RANGE[1]:
                continue
            filter_range = 1 + sum(f_pfd >= bound for bound in _ICE40_FILTER_BOUNDS)
            return ICE40PLLConfig(
                divr=divr,
                divf=divf_plus_one - 1,
                divq=divq,
                filter_range=filter_range,
                f_in_hz=f_in_hz,
                f_out_hz=f_out_hz,
                f_vco_hz=f_vco,
            )
    raise ValueError(
        f"iCE40 PLL output must be reachable exactly from {f_in_hz} Hz, not {f_out_hz!r} Hz"
    )


@dataclass(frozen=True)
class ECP5PLLConfig:
    """Parameters of an ``EHXPLLL`` with CLKOP fed back (``FEEDBK_PATH="CLKOP"``).

    ``f_out = f_in * clkfb_div / clki_div`` and ``f_vco = f_out * clkop_div``.

    Attributes
    ----------
    clki_div, clkfb_div, clkop_div : int
        Input, feedback and CLKOP dividers.
    clkop_cphase : int
        Coarse phase of CLKOP for 0 degrees, ``clkop_div // 2 - 1`` as ecppll writes it.
    f_in_hz, f_out_hz, f_vco_hz : int
        Input, output and VCO frequencies.
    """

    clki_div: int
    clkfb_div: int
    clkop_div: int
    clkop_cphase: int
    f_in_hz: int
    f_out_hz: int
    f_vco_hz: int


def ecp5_pll_config(f_in_hz: int, f_out_hz: int) -> ECP5PLLConfig:
    """The ECP5 PLL setting that makes exactly ``f_out_hz`` from ``f_in_hz``.

    Parameters
    ----------
    f_in_hz, f_out_hz : int
        Reference and wanted output frequency in Hz.

    Raises
    ------
    ValueError
        If the output frequency is out of range or cannot be made exactly.
    """
    _check_frequency("f_in_hz", f_in_hz)
    _check_frequency("f_out_hz", f_out_hz)
    if not _ECP5_OUT_RANGE[0] <= f_out_hz <= _ECP5_OUT_RANGE[1]:
        raise ValueError(f"ECP5 PLL output must be 3.125..400 MHz, not {f_out_hz!r} Hz")
    for clki_div in range(1, 129):
        f_pfd, remainder = divmod(f_in_hz, clki_div)
        if remainder or not _ECP5_PFD_RANGE[0] <= f_pfd <= _ECP5_PFD_RANGE[1]:
            continue
        clkfb_div, remainder = divmod(f_out_hz, f_pfd)
        if remainder or not 1 <= clkfb_div <= 80:
            continue
        # The VCO nearest the middle of its range has the most lock margin.
        candidates = [
            div
            for div in range(1, 129)
            if _ECP5_VCO_RANGE[0] <= f_out_hz * div <= _ECP5_VCO_RANGE[1]
        ]
        if not candidates:
            continue
        middle = sum(_ECP5_VCO_RANGE) // 2
        clkop_div = min(candidates, key=lambda div: abs(f_out_hz * div - middle))
        return ECP5PLLConfig(
            clki_div=clki_div,
            clkfb_div=clkfb_div,
            clkop_div=clkop_div,
            clkop_cphase=clkop_div // 2 - 1,
            f_in_hz=f_in_hz,
            f_out_hz=f_out_hz,
            f_vco_hz=f_out_hz * clkop_div,
        )
    raise ValueError(
        f"ECP5 PLL output must be reachable exactly from {f_in_hz} Hz, not {f_out_hz!r} Hz"
    )


def _check_frequency(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int (Hz), not {value!r}")
    if value <= 0:
        raise ValueError(f"{name} must be positive, not {value!r}")
