"""``quantum build`` and ``quantum flash`` on the command line (no synthesis, no board)."""

import pytest

from host.cli import build_parser, main

# A constructor that refuses its arguments leaves an object Amaranth reports as unused.
pytestmark = pytest.mark.filterwarnings("ignore:.*created but never used")


def test_build_help_names_the_boards_and_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(["build", "--help"])
    assert stop.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "{icebreaker,ulx3s}" in text
    assert "(default: icebreaker)" in text
    assert "(default: 115200)" in text
    assert "ulx3s 85F" in text


def test_build_refuses_an_unknown_variant(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--no-banner", "build", "--board", "ulx3s", "--variant", "99F"])
    assert code == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "ULX3S variant must be one of ['12F', '25F', '45F', '85F'], not '99F'" in out


def test_build_refuses_a_clock_the_pll_cannot_make(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--no-banner", "build", "--board", "icebreaker", "--clock-mhz", "500"])
    assert code == 1
    assert "iCE40 PLL output must be 16..275 MHz" in " ".join(capsys.readouterr().out.split())


def test_flash_dry_run_of_an_unknown_board_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--no-banner", "flash", "--board", "de10", "--dry-run"])
    assert stop.value.code == 2
