"""Deliberately broken copies of gateware modules, to show that the formal flow catches bugs.

A mutant is the source of a module under ``hdl/`` with one textual change, written to a
temporary folder and imported under a new name; the original module is never edited. Each
entry of :data:`MUTANTS` names the property that must fail on it.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

__all__ = ["Mutant", "MUTANTS", "load_mutant"]


@dataclass(frozen=True)
class Mutant:
    """One deliberate fault.

    Attributes
    ----------
    name : str
        Short identifier (also the module name of the mutated copy).
    module : str
        The module to copy, e.g. ``"hdl.framing"``.
    class_name : str
        The class the harness takes from the copy.
    original : str
        Source text replaced; must occur exactly once.
    replacement : str
        What replaces it.
    caught_by : str
        The property that must fail on this mutant.
    description : str
        The fault in words.
    """

    name: str
    module: str
    class_name: str
    original: str
    replacement: str
    caught_by: str
    description: str


MUTANTS = (
    Mutant(
        name="decoder_ignores_crc",
        module="hdl.framing",
        class_name="FrameDecoder",
        original="& crc_unit.match_detected",
        replacement="",
        caught_by="P4",
        description="the frame decoder accepts frames whatever their CRC",
    ),
    Mutant(
        name="core_ignores_kill_latch",
        module="hdl.guard_core",
        class_name="GuardCore",
        original="halted = state == TradingState.HALTED",
        replacement="halted = Const(0, 1)",
        caught_by="P1",
        description="a HALTED core still accepts orders (the kill latch check of C1 disabled)",
    ),
    Mutant(
        name="core_reads_kill_latch_early",
        module="hdl.guard_core",
        class_name="GuardCore",
        original="halted = state == TradingState.HALTED",
        replacement=(
            "halted = Signal(name='halted_on_check_stage')\n"
            "        m.d.sync += halted.eq(state == TradingState.HALTED)"
        ),
        caught_by="P1",
        description="the kill latch is read on the check stage only: a kill on an order's "
        "beat cycle does not stop it",
    ),
    Mutant(
        name="core_skips_max_quantity",
        module="hdl.guard_core",
        class_name="GuardCore",
        original="order_bits_b.eq(order.fails),",
        replacement=(
            "order_bits_b.eq(order.fails & "
            "~Const(1 << STAGE_A_REASONS.index(Reason.MAX_QUANTITY), 32)),"
        ),
        caught_by="P2",
        description="the core never rejects for MAX_QUANTITY (C5 disabled)",
    ),
    Mutant(
        name="core_skips_max_notional",
        module="hdl.guard_core",
        class_name="GuardCore",
        original="product > lim[LimitId.MAX_ORDER_NOTIONAL],",
        replacement="Const(0, 1),",
        caught_by="P2",
        description="the core never rejects for MAX_NOTIONAL (C6 disabled)",
    ),
    Mutant(
        name="core_bad_frame_kills",
        module="hdl.guard_core",
        class_name="GuardCore",
        original="button = self.i_kill_button & ",
        replacement="button = (self.i_kill_button | self.i_bad_frame) & ",
        caught_by="P4",
        description="a bad frame latches the kill (state changed by a bad-CRC frame)",
    ),
    Mutant(
        name="core_watchdog_off",
        module="hdl.guard_core",
        class_name="GuardCore",
        original="silence > lim[LimitId.HEARTBEAT_TIMEOUT]",
        replacement="Const(0, 1)",
        caught_by="P5",
        description="the heartbeat watchdog never fires (C16 disabled)",
    ),
)


def load_mutant(mutant: Mutant, workdir: Path) -> type:
    """Write the mutated copy of ``mutant.module`` into ``workdir`` and return its class.

    Raises
    ------
    ValueError
        If ``mutant.original`` does not occur exactly once in the module's source (the module
        changed: update the mutant).
    """
    original_module = importlib.import_module(mutant.module)
    source = inspect.getsource(original_module)
    count = source.count(mutant.original)
    if count != 1:
        raise ValueError(
            f"Mutation text of {mutant.name} must occur once in {mutant.module}, not {count} times"
        )
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"mutant_{mutant.name}.py"
    path.write_text(source.replace(mutant.original, mutant.replacement))
    module_name = f"_formal_mutant_{mutant.name}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ValueError(f"Mutant file must be importable, not {path}")
    module: ModuleType = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return getattr(module, mutant.class_name)
