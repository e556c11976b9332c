"""Board tops elaborate for every board and size, with the right pins, PLL and clock."""

import gc

import pytest
from amaranth.hdl import Elaboratable, Module, Signal

from hdl.boards.board_top import BoardTop
from host.boards.catalog import BOARDS

# A constructor that refuses its arguments leaves an object Amaranth reports as unused.
pytestmark = pytest.mark.filterwarnings("ignore:.*created but never used")


class EchoGuard(Elaboratable):
    """A stand-in for the guard: echoes rx to tx and shows HALTED while killed."""

    def __init__(self, *, clock_hz: int, time_unit_cycles: int, baud: int) -> None:
        self.clock_hz, self.time_unit_cycles, self.baud = clock_hz, time_unit_cycles, baud
        self.rx = Signal(init=1)
        self.tx = Signal(init=1)
        self.i_kill_button = Signal()
        self.o_state = Signal(2)

    def elaborate(self, platform: object) -> Module:
        m = Module()
        m.d.sync += [self.tx.eq(self.rx), self.o_state.eq(self.i_kill_button * 3)]
        return m


def _files(board: str, variant: str | None = None, clock_mhz: int | None = None) -> dict:
    spec = BOARDS[board]
    clock_hz = spec.default_clock_hz if clock_mhz is None else clock_mhz * 1_000_000
    top = spec.top(clock_hz=clock_hz, guard_factory=EchoGuard)
    plan = spec.platform(variant).prepare(top, "top", synth_opts=spec.synth_opts)
    return dict(plan.files.items())


def test_icebreaker_pins_uart_button_and_leds() -> None:
    pcf = _files("icebreaker")["top.pcf"]
    for port, pin in [
        ("uart_0__rx", 6),
        ("uart_0__tx", 9),
        ("button_0", 10),
        ("led_g_0", 37),
        ("led_r_0", 11),
    ]:
        assert f"set_io {port}__io {pin}" in pcf or f"set_io {port} {pin}" in pcf, port


def test_icebreaker_uses_the_pll_pad_with_the_exact_dividers() -> None:
    rtlil = _files("icebreaker", clock_mhz=30)["top.il"]
    assert "SB_PLL40_PAD" in rtlil
    assert "DIVF" in rtlil and "79" in rtlil


def test_icebreaker_at_the_oscillator_frequency_needs_no_pll() -> None:
    assert "SB_PLL40" not in _files("icebreaker", clock_mhz=12)["top.il"]


@pytest.mark.parametrize("variant", ["12F", "25F", "45F", "85F"])
def test_ulx3s_builds_for_every_ecp5_size(variant: str) -> None:
    files = _files("ulx3s", variant=variant, clock_mhz=50)
    script = files["build_top.sh"]
    assert f" --{variant[:-1]}k " in script  # nextpnr-ecp5's device option, e.g. --85k
    lpf = files["top.lpf"]
    for pin in ("M1", "L4", "R1", "B2", "H3"):  # FTDI rx/tx, FIRE1, LED0, LED7
        assert f'SITE "{pin}"' in lpf, pin
    assert "EHXPLLL" in files["top.il"]


def test_ulx3s_at_the_oscillator_frequency_needs_no_pll() -> None:
    assert "EHXPLLL" not in _files("ulx3s", clock_mhz=25)["top.il"]


def test_the_time_unit_is_one_microsecond() -> None:
    top = BOARDS["ulx3s"].top(clock_hz=50_000_000, guard_factory=EchoGuard)
    assert top.time_unit_cycles == 50


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"clock_hz": 12_500_000}, ValueError, r"^clock_hz must be a positive whole number of MHz"),
        ({"clock_hz": 24_000_000, "baud": 7_000_000}, ValueError, r"^baud must be positive"),
        ({"clock_hz": "24"}, TypeError, r"^clock_hz must be an int, not '24'$"),
        ({"clock_hz": 25_000_000}, ValueError, r"^iCE40 PLL output must be reachable exactly"),
        ({"clock_hz": 24_000_000, "debounce_s": 0}, ValueError, r"^debounce_s must be positive"),
    ],
)
def test_board_top_parameters_are_checked(kwargs: dict, error: type, message: str) -> None:
    top_class: type[BoardTop] = BOARDS["icebreaker"].top
    with pytest.raises(error, match=message):
        top_class(guard_factory=EchoGuard, **kwargs)
    gc.collect()  # report the refused object's "never used" warning here, where it is filtered
