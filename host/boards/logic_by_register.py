"""Which register's input logic the LUTs of a synthesised design belong to.

The per-module table (:mod:`host.boards.module_stats`) puts almost all of the guard's logic in
one module, the core. To see which part of the core costs what, this walks the netlist that
the build's synthesis wrote (Yosys JSON, flattened, mapped to the FPGA's cells) and charges
every logic cell (LUT, carry, wide mux) to the registers, memories, multipliers and ports it
drives through logic alone. A cell that feeds several of them is split evenly between them,
so the shares add up to the design's logic cells and nothing is counted twice.

The names are those of the register's signal (``guard.guard.core.order_bits_b``): the
checks that a register captures show up under its name, the response payload under
``o_rsp__payload``, and so on.
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

__all__ = [
    "LOGIC_CELL_KINDS",
    "OTHERS",
    "logic_by_register",
    "top_logic",
    "format_logic_by_register",
]

#: Logic cell type -> kind, iCE40 and ECP5 together; every other cell type ends the walk.
LOGIC_CELL_KINDS: dict[str, str] = {
    "SB_LUT4": "lut",
    "LUT4": "lut",
    "$lut": "lut",
    "SB_CARRY": "carry",
    "CCU2C": "carry",
    "PFUMX": "mux",
    "L6MUX21": "mux",
}
#: Cell types that are neither logic nor storage and are left out (Yosys bookkeeping).
_IGNORED_TYPES = frozenset({"$scopeinfo"})
_OUTPUT_PORTS = frozenset({"Q", "O", "Y", "CO", "Z", "OFX", "COUT", "F0", "F1"})
_BIT_INDEX = re.compile(r"\[\d+\]$")


def _outputs(cell: dict[str, Any]) -> Iterable[int]:
    directions = cell.get("port_directions", {})
    for port, bits in cell["connections"].items():
        if directions.get(port, "output" if port in _OUTPUT_PORTS else "input") == "output":
            yield from (bit for bit in bits if isinstance(bit, int))


def _inputs(cell: dict[str, Any]) -> Iterable[int]:
    directions = cell.get("port_directions", {})
    for port, bits in cell["connections"].items():
        if directions.get(port, "output" if port in _OUTPUT_PORTS else "input") != "output":
            yield from (bit for bit in bits if isinstance(bit, int))


def _net_names(module: dict[str, Any]) -> dict[int, str]:
    """The shortest user-given name of every net bit, without its bit index."""
    names: dict[int, str] = {}
    for name, net in module.get("netnames", {}).items():
        if net.get("hide_name") or name.startswith("$"):
            continue
        for bit in net["bits"]:
            if isinstance(bit, int) and (bit not in names or len(name) < len(names[bit])):
                names[bit] = name
    return names


def _sink_name(cell_name: str, cell: dict[str, Any], names: dict[int, str]) -> str:
    """A flip-flop is named by its output net; a memory or multiplier by its instance."""
    outputs = list(_outputs(cell))
    if len(outputs) == 1 and outputs[0] in names:
        return names[outputs[0]]
    # Memory and DSP instances are named <path>.<row>.<column> or carry Yosys suffixes.
    return re.sub(r"(\.\d+)+$", "", cell_name.split("$")[0].rstrip("._")) or cell["type"]


def logic_by_register(netlist: dict[str, Any], *, top: str = "top") -> dict[str, dict[str, float]]:
    """Logic cells of ``top`` charged to the registers they feed, by kind.

    Parameters
    ----------
    netlist : dict
        Yosys ``write_json`` output of the synthesised (flattened, cell-mapped) design.
    top : str
        The module to break down.

    Returns
    -------
    dict
        ``{name: {kind: cells}}`` with kinds from :data:`LOGIC_CELL_KINDS`; shared cells are
        split, so the values are fractional and add up to the module's logic cells. Logic
        that reaches no register, memory, multiplier or port is under ``"(unused)"``.

    Raises
    ------
    ValueError
        If ``netlist`` has no module ``top``.
    """
    module = netlist.get("modules", {}).get(top) if isinstance(netlist, dict) else None
    if not isinstance(module, dict):
        raise ValueError(f"the netlist must have a module {top!r}")
    names = _net_names(module)
    cells = {
        name: cell
        for name, cell in module.get("cells", {}).items()
        if cell["type"] not in _IGNORED_TYPES
    }
    readers: dict[int, list[str]] = defaultdict(list)
    for name, cell in cells.items():
        for bit in _inputs(cell):
            readers[bit].append(name)
    port_sinks: dict[int, str] = {}
    for port_name, port in module.get("ports", {}).items():
        if port["direction"] != "input":
            for bit in port["bits"]:
                if isinstance(bit, int):
                    port_sinks[bit] = f"port {port_name}"

    sink_names = {
        name: _BIT_INDEX.sub("", _sink_name(name, cell, names))
        for name, cell in cells.items()
        if cell["type"] not in LOGIC_CELL_KINDS
    }
    # The sinks each logic cell reaches through logic alone, found depth first from the cell
    # towards its readers. Synthesised logic has no combinational loops; should one appear,
    # a cell already being expanded is not entered again (the loop adds nothing it reaches).
    reached: dict[str, frozenset[str]] = {}
    expanding: set[str] = set()

    def sinks_of(start: str) -> frozenset[str]:
        stack = [(start, False)]
        while stack:
            name, expanded = stack.pop()
            if name in reached:
                continue
            followers = [r for bit in _outputs(cells[name]) for r in readers.get(bit, ())]
            logic = [r for r in followers if r not in sink_names]
            if not expanded:
                pending = [r for r in logic if r not in reached and r not in expanding]
                if pending:
                    expanding.add(name)
                    stack.append((name, True))
                    stack.extend((r, False) for r in pending)
                    continue
            expanding.discard(name)
            found = {sink_names[r] for r in followers if r in sink_names}
            found.update(port_sinks[bit] for bit in _outputs(cells[name]) if bit in port_sinks)
            for follower in logic:
                found.update(reached.get(follower, ()))
            reached[name] = frozenset(found)
        return reached[start]

    charged: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for name, cell in cells.items():
        kind = LOGIC_CELL_KINDS.get(cell["type"])
        if kind is None:
            continue
        sinks = sinks_of(name) or frozenset({"(unused)"})
        for sink in sinks:
            charged[sink][kind] += 1 / len(sinks)
    return {sink: dict(kinds) for sink, kinds in charged.items()}


#: The entry of :func:`top_logic` that sums every register below the largest.
OTHERS = "(all others)"


def top_logic(charged: dict[str, dict[str, float]], count: int = 20) -> dict[str, dict[str, int]]:
    """The ``count`` largest entries of :func:`logic_by_register`, largest first, and the
    rest summed under :data:`OTHERS`; rounded to whole cells."""
    ranked = sorted(charged.items(), key=lambda item: -sum(item[1].values()))
    rest: dict[str, float] = defaultdict(float)
    for _, kinds in ranked[count:]:
        for kind, value in kinds.items():
            rest[kind] += value
    entries = ranked[:count] + ([(OTHERS, dict(rest))] if rest else [])
    return {
        name: {kind: round(value) for kind, value in sorted(kinds.items())}
        for name, kinds in entries
    }


def format_logic_by_register(entries: dict[str, dict[str, int]]) -> str:
    """A table of :func:`top_logic`'s result, with each entry's share of all its cells."""
    kinds = sorted({kind for counts in entries.values() for kind in counts})
    total = sum(sum(counts.values()) for counts in entries.values()) or 1
    width = max((len(name) for name in entries), default=8)
    lines = [f"{'register':<{width}}  " + "".join(f"{k:>7}" for k in kinds) + "   share"]
    for name, counts in entries.items():
        cells = sum(counts.values())
        lines.append(
            f"{name:<{width}}  "
            + "".join(f"{counts.get(k, 0):>7}" for k in kinds)
            + f"  {100 * cells / total:5.1f} %"
        )
    return "\n".join(lines)
