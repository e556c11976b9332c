"""The property suite of the gateware: P1-P6, how each is checked, and the summary file.

Each property runs as its own SymbiYosys job: first k-induction where it is worth trying
(``prove``), then, if induction does not close, bounded model checking to the suite's depth;
and always a cover run, so that an assumption cannot make a proof vacuous (a cover point
that cannot be reached fails the property).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from amaranth.hdl import Elaboratable

from hdl.framing import FrameDecoder
from hdl.guard_core import GuardCore
from sim.formal.framing_props import FrameDecoderSpec
from sim.formal.guard_props import FREE_INIT_PATTERNS, GuardCoreSpec, GuardProperty
from sim.formal.runner import CheckResult, Mode, Outcome, run_check

__all__ = [
    "PropertyCheck",
    "PropertyResult",
    "DEFAULT_DEPTH",
    "property_checks",
    "run_property",
    "run_suite",
]

#: Bounded depth of the default run (cycles from reset, i.e. from the free configuration).
DEFAULT_DEPTH = 40
#: P2's bounded depth (see :func:`property_checks`).
P2_DEPTH_CAP = 9
#: P3's bounded depth: each step past 16 costs minutes more (step 19 alone took over three).
P3_DEPTH_CAP = 16

_GUARD_SCRIPT = ("flatten",) + tuple(
    f"setattr -unset init top/w:dut.{pattern}" for pattern in FREE_INIT_PATTERNS
)


@dataclass(frozen=True)
class PropertyCheck:
    """How one property is checked.

    Attributes
    ----------
    id : str
        ``P1`` .. ``P6``.
    title : str
        The property in one line.
    build : callable
        Makes a fresh harness (a harness is elaborated once per run).
    induction : int or None
        k of a k-induction attempt first, or None to go straight to bounded checking.
    cover_depth : int or None
        Depth of the cover run, or None for the suite's depth.
    extra_script : tuple of str
        Yosys commands after ``prep`` (freeing the configuration registers).
    depth_cap : int or None
        The most cycles this property is checked to, whatever the suite's depth (for a
        property whose SAT problem grows too fast; the summary reports the depth reached).
    """

    id: str
    title: str
    build: Callable[[], Elaboratable]
    induction: int | None = None
    cover_depth: int | None = None
    extra_script: tuple[str, ...] = ()
    depth_cap: int | None = None


@dataclass(frozen=True)
class PropertyResult:
    """What the suite established for one property.

    ``outcome`` is ``proven`` (k-induction closed), ``bounded`` (no violation within
    ``depth`` cycles) or ``failed`` (a counterexample, or an unreachable cover point).
    """

    id: str
    title: str
    outcome: Outcome
    depth: int
    seconds: float
    checks: tuple[CheckResult, ...]

    def as_json(self) -> dict[str, Any]:
        """The result as plain JSON values."""
        return {
            "id": self.id,
            "title": self.title,
            "outcome": str(self.outcome),
            "depth": self.depth,
            "seconds": round(self.seconds, 1),
            "checks": [
                {
                    "mode": str(check.mode),
                    "outcome": str(check.outcome),
                    "depth": check.depth,
                    "seconds": round(check.seconds, 1),
                    "failed_assertions": list(check.failed_assertions),
                    "trace": str(check.trace) if check.trace else None,
                }
                for check in self.checks
            ],
        }


def property_checks(
    *,
    decoder_class: type[FrameDecoder] = FrameDecoder,
    core_class: type[GuardCore] = GuardCore,
) -> list[PropertyCheck]:
    """The six properties, on the given decoder and core classes (mutants in the tests)."""

    def guard(prop: GuardProperty) -> Callable[[], Elaboratable]:
        return lambda: GuardCoreSpec(prop, core_class)

    return [
        PropertyCheck(
            "P1",
            "killed, not armed or any limit unset => no accept",
            guard(GuardProperty.P1),
            extra_script=_GUARD_SCRIPT,
        ),
        PropertyCheck(
            "P2",
            "an accept implies every control's condition held",
            guard(GuardProperty.P2),
            extra_script=_GUARD_SCRIPT,
            # Depth 9 reaches the first possible accept (cycle 8); one step more and the
            # solver stalls for more than five minutes on 2 shared cores.
            depth_cap=P2_DEPTH_CAP,
        ),
        PropertyCheck(
            "P3",
            "after an accept, position and exposure are within limits (worst case)",
            guard(GuardProperty.P3),
            extra_script=_GUARD_SCRIPT,
            depth_cap=P3_DEPTH_CAP,
        ),
        PropertyCheck(
            "P4",
            "a bad-CRC frame yields no message, only the bad-frame strobe",
            lambda: FrameDecoderSpec(decoder_class),
        ),
        PropertyCheck(
            "P5",
            "heartbeat silence > timeout latches the kill by the deadline + 1 cycle",
            guard(GuardProperty.P5),
            extra_script=_GUARD_SCRIPT,
        ),
        PropertyCheck(
            "P6",
            "every response comes VERDICT_LATENCY cycles after its message",
            guard(GuardProperty.P6),
            extra_script=_GUARD_SCRIPT,
        ),
    ]


def run_property(
    check: PropertyCheck, *, depth: int, workdir: Path, cover: bool = True
) -> PropertyResult:
    """Check one property: induction if configured, else (or if it does not close) BMC."""
    results: list[CheckResult] = []
    if check.depth_cap is not None:
        depth = min(depth, check.depth_cap)

    def run(mode: Mode, run_depth: int) -> CheckResult:
        result = run_check(
            check.build(),
            name=f"{check.id}_{mode}",
            mode=mode,
            depth=run_depth,
            workdir=workdir,
            extra_script=check.extra_script,
        )
        results.append(result)
        return result

    outcome = Outcome.UNKNOWN
    established = depth
    if check.induction is not None:
        proof = run(Mode.PROVE, check.induction)
        if proof.outcome in (Outcome.PROVEN, Outcome.FAILED):
            outcome, established = proof.outcome, check.induction
    if outcome is Outcome.UNKNOWN:
        outcome = run(Mode.BMC, depth).outcome
    if cover and outcome is not Outcome.FAILED:
        if run(Mode.COVER, check.cover_depth or depth).outcome is not Outcome.COVERED:
            outcome = Outcome.FAILED
    return PropertyResult(
        id=check.id,
        title=check.title,
        outcome=outcome,
        depth=established,
        seconds=sum(result.seconds for result in results),
        checks=tuple(results),
    )


def run_suite(
    checks: Sequence[PropertyCheck],
    *,
    depth: int,
    workdir: Path,
    cover: bool = True,
    on_result: Callable[[PropertyResult], None] | None = None,
) -> dict[str, Any]:
    """Run ``checks`` and write ``workdir/summary.json``; returns the summary.

    The summary holds ``properties``, ``proven``, ``bounded``, ``failed``, ``depth`` (the
    bounded depth) and ``results`` (one entry per property, with every SymbiYosys run).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    results = []
    for check in checks:
        result = run_property(check, depth=depth, workdir=workdir, cover=cover)
        results.append(result)
        if on_result is not None:
            on_result(result)
    summary = {
        "properties": len(results),
        "proven": sum(result.outcome is Outcome.PROVEN for result in results),
        "bounded": sum(result.outcome is Outcome.BOUNDED for result in results),
        "failed": sum(result.outcome is Outcome.FAILED for result in results),
        "depth": depth,
        "results": {result.id: result.as_json() for result in results},
    }
    (workdir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary
