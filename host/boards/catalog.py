"""The supported boards: platform, board top, default clock, programmer and report names."""

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from amaranth.build import Platform

from hdl.boards.board_top import BoardTop, GuardFactory
from hdl.boards.guard import make_guard
from hdl.boards.icebreaker import ICEBreakerTop, icebreaker_platform
from hdl.boards.ulx3s import ULX3S_VARIANTS, ULX3STop, ulx3s_platform
from hdl.compact.core import CompactGuardCore
from hdl.protocol import N_INSTRUMENTS, N_ORDER_SLOTS

__all__ = ["BoardSpec", "BOARDS", "board_spec"]


@dataclass(frozen=True)
class BoardSpec:
    """Everything the build and flash commands need to know about one board.

    Attributes
    ----------
    name : str
        Command-line name, also the folder under ``bitstreams/``.
    title : str
        Human name.
    variants : Mapping[str, Callable[[], Platform]]
        FPGA size -> platform factory; a board with one FPGA has one entry.
    default_variant : str
        The variant built by default (and committed under ``bitstreams/``).
    top : type[BoardTop]
        The board top wrapping the guard.
    default_clock_hz : int
        ``sync`` clock of the committed build, a whole number of MHz.
    bitstream_suffix : str
        Extension of the bitstream the programmer takes (``.bin`` or ``.bit``).
    synth_opts : str
        Extra options for Yosys' ``synth_<family>``.
    loader_board : str
        openFPGALoader's ``--board`` name.
    loader_volatile : bool
        Whether openFPGALoader loads SRAM by default (``--write-flash`` persists); when false
        it always writes the configuration flash.
    serial_port : str
        Where the link's UART shows up on Linux.
    logic_resource, dsp_resource, bram_resource : str
        nextpnr's names for the LUT (logic cell), multiplier and block RAM cells.
    ff_resource : str or None
        nextpnr's name for flip-flops, where they are cells of their own.
    guard_options : Mapping[str, int]
        Size of the guard built for this board (``n_instruments``, ``n_order_slots``);
        empty for the protocol's full size.
    compact : bool
        The guard's core is :class:`hdl.compact.core.CompactGuardCore` (a microcoded engine
        for small FPGAs) instead of :class:`hdl.guard_core.GuardCore`.
    """

    name: str
    title: str
    variants: Mapping[str, Callable[[], Platform]]
    default_variant: str
    top: type[BoardTop]
    default_clock_hz: int
    bitstream_suffix: str
    synth_opts: str
    loader_board: str
    loader_volatile: bool
    serial_port: str
    logic_resource: str
    dsp_resource: str
    bram_resource: str
    ff_resource: str | None
    guard_options: Mapping[str, int]
    compact: bool = False

    def platform(self, variant: str | None = None) -> Platform:
        """A fresh platform for ``variant`` (default: :attr:`default_variant`).

        Raises
        ------
        ValueError
            If the variant is not one of :attr:`variants`.
        """
        variant = self.default_variant if variant is None else variant
        if variant not in self.variants:
            raise ValueError(
                f"{self.title} variant must be one of {sorted(self.variants)}, not {variant!r}"
            )
        return self.variants[variant]()

    def guard_factory(self) -> GuardFactory:
        """The guard gateware this board builds: :func:`hdl.boards.guard.make_guard` at
        :attr:`guard_options` size.

        Raises
        ------
        ValueError
            If :attr:`guard_options` names anything but ``n_instruments`` / ``n_order_slots``.
        """
        size = dict(self.guard_options)
        unknown = set(size) - {"n_instruments", "n_order_slots"}
        if unknown:
            raise ValueError(f"guard_options must size the core only, not set {sorted(unknown)}")
        if self.compact:
            core = functools.partial(
                CompactGuardCore,
                n_instruments=size.get("n_instruments", N_INSTRUMENTS),
                n_order_slots=size.get("n_order_slots", N_ORDER_SLOTS),
            )
            return functools.partial(make_guard, core=core)
        return functools.partial(
            make_guard,
            n_instruments=size.get("n_instruments"),
            n_order_slots=size.get("n_order_slots"),
        )


BOARDS: dict[str, BoardSpec] = {
    "icebreaker": BoardSpec(
        name="icebreaker",
        title="iCEBreaker",
        variants={"UP5K": icebreaker_platform},
        default_variant="UP5K",
        top=ICEBreakerTop,
        # The compact core reaches ~21 MHz on the UP5K (nextpnr, 2026-12): the PLL's 18 MHz
        # (exact from the 12 MHz oscillator) leaves ~15 % margin; 2 cycles = 111 ns.
        default_clock_hz=18_000_000,
        bitstream_suffix=".bin",
        # Multipliers go to the UP5K's eight SB_MAC16 instead of thousands of logic cells.
        synth_opts="-dsp",
        loader_board="ice40_generic",
        loader_volatile=False,
        serial_port="/dev/ttyUSB1",
        logic_resource="ICESTORM_LC",
        dsp_resource="ICESTORM_DSP",
        bram_resource="ICESTORM_RAM",
        ff_resource=None,
        # GuardCore needs ~2.4 UP5Ks at full size and ~1.4 at one instrument and two order
        # slots; the compact core at that size takes under 60 % of the UP5K's logic cells.
        guard_options={"n_instruments": 1, "n_order_slots": 2},
        compact=True,
    ),
    "ulx3s": BoardSpec(
        name="ulx3s",
        title="ULX3S",
        variants={
            size: (lambda size=size: ulx3s_platform(size))  # type: ignore[misc]
            for size in ULX3S_VARIANTS
        },
        default_variant="85F",
        top=ULX3STop,
        # The guard reaches ~60-63 MHz on the ECP5-85F (nextpnr, 2026-12): the PLL's 50 MHz
        # (exact from the 25 MHz oscillator) leaves over 20 % margin; 2 cycles = 40 ns.
        default_clock_hz=50_000_000,
        bitstream_suffix=".bit",
        synth_opts="",
        loader_board="ulx3s",
        loader_volatile=True,
        serial_port="/dev/ttyUSB0",
        logic_resource="TRELLIS_COMB",
        dsp_resource="MULT18X18D",
        bram_resource="DP16KD",
        ff_resource="TRELLIS_FF",
        guard_options={},
    ),
}


def board_spec(name: str) -> BoardSpec:
    """The :class:`BoardSpec` called ``name``.

    Raises
    ------
    ValueError
        If no board has that name.
    """
    if name not in BOARDS:
        raise ValueError(f"board must be one of {sorted(BOARDS)}, not {name!r}")
    return BOARDS[name]
