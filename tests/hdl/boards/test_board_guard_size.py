"""Each board builds the guard at the size its catalog asks for (in the gateware, not a label)."""

import re

import pytest
from amaranth.back import rtlil

from hdl.boards.guard import make_guard
from hdl.compact.core import CompactGuardCore
from hdl.compact.microcode import MICRO_OP_BITS
from host.boards.catalog import BOARDS

# Guards built only to read their size are never elaborated.
pytestmark = pytest.mark.filterwarnings("ignore:.*created but never used")

_CLOCK = {"clock_hz": 12_000_000, "time_unit_cycles": 12, "baud": 115_200}


def _built_rows(design_text: str) -> tuple[int, int]:
    """Instrument rows and order slots present in RTLIL, counted from their register names."""
    instruments = {int(n) for n in re.findall(r"\\i(\d+)_position\b", design_text)}
    slots = {int(n) for n in re.findall(r"\\s(\d+)_client_id\b", design_text)}
    return len(instruments), len(slots)


@pytest.mark.parametrize(("n_instruments", "n_order_slots"), [(1, 2), (2, 3), (4, 8)])
def test_make_guard_builds_the_requested_size(n_instruments: int, n_order_slots: int) -> None:
    guard = make_guard(**_CLOCK, n_instruments=n_instruments, n_order_slots=n_order_slots)
    core = guard.guard.core
    assert (core.n_instruments, core.n_order_slots) == (n_instruments, n_order_slots)
    assert _built_rows(rtlil.convert(guard, name="top")) == (n_instruments, n_order_slots)


def test_make_guard_without_a_size_builds_the_protocol_size() -> None:
    core = make_guard(**_CLOCK).guard.core
    assert (core.n_instruments, core.n_order_slots) == (4, 8)


@pytest.mark.parametrize("board", sorted(BOARDS))
def test_board_build_elaborates_the_catalog_size(board: str) -> None:
    """What ``quantum build`` synthesises: the board top around the catalog's guard factory."""
    spec = BOARDS[board]
    top = spec.top(clock_hz=spec.default_clock_hz, guard_factory=spec.guard_factory())
    plan = spec.platform().prepare(top, "top", synth_opts=spec.synth_opts)
    expected = (
        spec.guard_options.get("n_instruments", 4),
        spec.guard_options.get("n_order_slots", 8),
    )
    if not spec.compact:
        assert _built_rows(plan.files["top.il"]) == expected
        return
    # the compact core keeps the rows in its register file: its programs for this size are
    # the ROM that was elaborated (their length differs from one size to the next)
    core = spec.guard_factory()(**_CLOCK).guard.core
    assert isinstance(core, CompactGuardCore)
    assert (len(core.file.instruments), len(core.file.slots)) == expected
    rom = f"memory width {MICRO_OP_BITS} size {len(core.file.assembler.program)} \\rom"
    assert rom in plan.files["top.il"]


def test_icebreaker_builds_the_reduced_guard() -> None:
    assert dict(BOARDS["icebreaker"].guard_options) == {"n_instruments": 1, "n_order_slots": 2}
