"""PLL settings: exact outputs, every divider and frequency inside the part's limits."""

import pytest

from hdl.boards.pll import ecp5_pll_config, ice40_pll_config

MHZ = 1_000_000


@pytest.mark.parametrize("f_out_mhz", [18, 24, 30, 36, 42, 48, 60, 72, 96])
def test_ice40_config_makes_exactly_the_requested_clock_within_limits(f_out_mhz: int) -> None:
    config = ice40_pll_config(12 * MHZ, f_out_mhz * MHZ)
    f_pfd = 12 * MHZ // (config.divr + 1)
    f_vco = f_pfd * (config.divf + 1)
    assert f_vco >> config.divq == f_out_mhz * MHZ
    assert (f_vco >> config.divq) << config.divq == f_vco
    assert 10 * MHZ <= f_pfd <= 133 * MHZ
    assert 533 * MHZ <= f_vco <= 1066 * MHZ
    assert 0 <= config.divr <= 15 and 0 <= config.divf <= 127 and 1 <= config.divq <= 6
    assert config.f_vco_hz == f_vco


def test_ice40_config_matches_icepll_for_30_mhz() -> None:
    # icepll -i 12 -o 30: DIVR=0 DIVF=79 DIVQ=5 FILTER_RANGE=1.
    config = ice40_pll_config(12 * MHZ, 30 * MHZ)
    assert (config.divr, config.divf, config.divq, config.filter_range) == (0, 79, 5, 1)


def test_ice40_filter_range_follows_the_phase_detector_frequency() -> None:
    assert ice40_pll_config(12 * MHZ, 24 * MHZ).filter_range == 1  # 12 MHz PFD
    assert ice40_pll_config(30 * MHZ, 60 * MHZ).filter_range == 3  # 30 MHz PFD


def test_ice40_refuses_a_clock_it_cannot_make_exactly() -> None:
    with pytest.raises(ValueError, match=r"^iCE40 PLL output must be reachable exactly"):
        ice40_pll_config(12 * MHZ, 25 * MHZ + 1)


def test_ice40_refuses_an_output_out_of_range() -> None:
    with pytest.raises(ValueError, match=r"^iCE40 PLL output must be 16\.\.275 MHz, not 12000000"):
        ice40_pll_config(12 * MHZ, 12 * MHZ)


@pytest.mark.parametrize("f_out_mhz", [30, 40, 50, 62.5, 75, 100, 125])
def test_ecp5_config_makes_exactly_the_requested_clock_within_limits(f_out_mhz: float) -> None:
    f_out = int(f_out_mhz * MHZ)
    config = ecp5_pll_config(25 * MHZ, f_out)
    f_pfd = 25 * MHZ / config.clki_div
    assert f_pfd * config.clkfb_div == f_out
    assert 400 * MHZ <= f_out * config.clkop_div <= 800 * MHZ
    assert 3.125 * MHZ <= f_pfd <= 400 * MHZ
    assert config.clkop_cphase == config.clkop_div // 2 - 1


def test_ecp5_config_matches_ecppll_for_62_5_mhz() -> None:
    # ecppll -i 25 -o 62.5: CLKI_DIV=2 CLKFB_DIV=5 CLKOP_DIV=10 CLKOP_CPHASE=4.
    config = ecp5_pll_config(25 * MHZ, 62_500_000)
    assert (config.clki_div, config.clkfb_div, config.clkop_div, config.clkop_cphase) == (
        2,
        5,
        10,
        4,
    )


def test_ecp5_refuses_an_output_out_of_range() -> None:
    with pytest.raises(ValueError, match=r"^ECP5 PLL output must be 3\.125\.\.400 MHz, not 500"):
        ecp5_pll_config(25 * MHZ, 500 * MHZ)


@pytest.mark.parametrize(
    ("f_in", "message", "error"),
    [
        (0, r"^f_in_hz must be positive, not 0$", ValueError),
        (1.5, r"^f_in_hz must be an int", TypeError),
    ],
)
def test_frequencies_are_checked(f_in: object, message: str, error: type[Exception]) -> None:
    with pytest.raises(error, match=message):
        ecp5_pll_config(f_in, 50 * MHZ)  # type: ignore[arg-type]
