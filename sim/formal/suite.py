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
from hdl.protocol import N_INSTRUMENTS, N_ORDER_SLOTS
from sim.formal.bad_frame_props import BadFrameCone, check_bad_frame_cone
from sim.formal.framing_props import FrameDecoderSpec
from sim.formal.guard_props import (
    FREE_INIT_PATTERNS,
    NOTIONAL_CONTROLS,
    P2_CONTROLS,
    SLOT_CONTROLS,
    GuardCoreSpec,
    GuardProperty,
)
from sim.formal.runner import CheckResult, Mode, Outcome, run_check

__all__ = [
    "Part",
    "PropertyCheck",
    "PropertyResult",
    "DEFAULT_DEPTH",
    "property_checks",
    "run_property",
    "run_suite",
]

#: Bounded depth of the default run (cycles from reset, i.e. from the free configuration).
DEFAULT_DEPTH = 40
#: k of the k-induction attempts: the cycle before the beat (the payload is registered), the
#: beat (the check stage), the update stage, the response and the cycle after it fit with room
#: for the 5-cycle beat spacing.
INDUCTION_DEPTH = 6
#: Seconds after which one solver run is given up (an error, never a pass): a proof that
#: stalls must not hang `make formal`.
CHECK_TIMEOUT = 1200
#: Depth of the cover runs of the guard properties: the first possible accept is at cycle 8.
GUARD_COVER_DEPTH = 12

_GUARD_SCRIPT = ("flatten",) + tuple(
    f"setattr -unset init top/w:dut.{pattern}" for pattern in FREE_INIT_PATTERNS
)


@dataclass(frozen=True)
class Part:
    """One check of a property: a SymbiYosys job on the harness ``build`` makes (a fresh one
    per run), or a ``static`` check that needs no solver (given its name and work folder)."""

    name: str
    build: Callable[[], Elaboratable] | None = None
    static: Callable[[str, Path], CheckResult] | None = None


@dataclass(frozen=True)
class PropertyCheck:
    """How one property is checked.

    Attributes
    ----------
    id : str
        ``P1`` .. ``P6``.
    title : str
        The property in one line.
    parts : tuple of Part
        The property split into separate solver calls (smaller SAT problems); it holds when
        every part holds. The cover run is made on the first part (all parts of a property
        share their assumptions).
    configuration : str
        The build of the gateware the property is checked on, in words.
    induction : int or None
        k of a k-induction attempt first, or None to go straight to bounded checking.
    cover_depth : int or None
        Depth of the cover run, or None for the suite's depth.
    extra_script : tuple of str
        Yosys commands after ``prep`` (freeing the configuration registers).
    depth_cap : int or None
        The most cycles this property is checked to, whatever the suite's depth.
    """

    id: str
    title: str
    parts: tuple[Part, ...]
    configuration: str
    induction: int | None = None
    cover_depth: int | None = None
    extra_script: tuple[str, ...] = ()
    depth_cap: int | None = None


@dataclass(frozen=True)
class PropertyResult:
    """What the suite established for one property.

    ``outcome`` is ``proven`` (k-induction closed for every part), ``bounded`` (no violation
    within ``depth`` cycles; some part did not close by induction) or ``failed`` (a
    counterexample, or an unreachable cover point). ``depth`` is the bounded depth, or the
    induction length k when proven.
    """

    id: str
    title: str
    outcome: Outcome
    depth: int
    seconds: float
    configuration: str
    checks: tuple[CheckResult, ...]

    def as_json(self) -> dict[str, Any]:
        """The result as plain JSON values."""
        return {
            "id": self.id,
            "title": self.title,
            "outcome": str(self.outcome),
            "mode": "k-induction" if self.outcome is Outcome.PROVEN else "bmc",
            "depth": self.depth,
            "seconds": round(self.seconds, 1),
            "configuration": self.configuration,
            "checks": [
                {
                    "name": check.name,
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
    n_instruments: int = N_INSTRUMENTS,
    n_order_slots: int = N_ORDER_SLOTS,
) -> list[PropertyCheck]:
    """The six properties, on the given decoder and core classes (mutants in the tests) and
    the given core size."""
    core_size = f"GuardCore(n_instruments={n_instruments}, n_order_slots={n_order_slots})"
    guard_config = f"{core_size}, time_unit_cycles=1"

    def guard(prop: GuardProperty, **options: Any) -> Callable[[], Elaboratable]:
        return lambda: GuardCoreSpec(
            prop,
            core_class,
            n_instruments=n_instruments,
            n_order_slots=n_order_slots,
            **options,
        )

    def single(build: Callable[[], Elaboratable]) -> tuple[Part, ...]:
        return (Part("", build),)

    def bad_frame_cone(name: str, workdir: Path) -> CheckResult:
        harness = BadFrameCone(core_class, n_instruments=n_instruments, n_order_slots=n_order_slots)
        return check_bad_frame_cone(harness, name=name, workdir=workdir)

    # One solver call per control keeps each small (all of them in one call did not finish in
    # ten minutes on the full core). The two controls that compare the order with every open
    # slot (SLOT_CONTROLS: C13 duplicate client id, C15 self-trade) are one call per slot:
    # against all 8 slots at once the 3-cycle induction step ran for over ten minutes (and a
    # bounded run reached 18 cycles in four), against one slot it closes in seconds.

    def guard_check(
        property_id: str, title: str, parts: tuple[Part, ...], configuration: str
    ) -> PropertyCheck:
        """A property of the guard core: k-induction, a cover run, the guard's Yosys script."""
        return PropertyCheck(
            property_id,
            title,
            parts,
            configuration,
            induction=INDUCTION_DEPTH,
            cover_depth=GUARD_COVER_DEPTH,
            extra_script=_GUARD_SCRIPT,
        )

    stage_a = tuple(name for name in P2_CONTROLS if name not in NOTIONAL_CONTROLS)
    return [
        guard_check(
            "P1",
            "killed, not armed or any limit unset => no accept",
            single(guard(GuardProperty.P1)),
            guard_config,
        ),
        guard_check(
            "P2",
            "an accept implies every control's condition held (C1-C13, C15)",
            tuple(
                Part(name, guard(GuardProperty.P2, controls=(name,)))
                for name in stage_a
                if name not in SLOT_CONTROLS
            )
            + tuple(
                Part(f"{name}_slot{slot}", guard(GuardProperty.P2, controls=(name,), slot=slot))
                for name in SLOT_CONTROLS
                for slot in range(n_order_slots)
            )
            + (Part("notional", guard(GuardProperty.P2, controls=NOTIONAL_CONTROLS)),),
            guard_config,
        ),
        guard_check(
            "P3",
            "after an accept, the order's side of the position and the gross exposure are "
            "within their limits (worst case with open orders)",
            single(guard(GuardProperty.P3)),
            guard_config,
        ),
        PropertyCheck(
            "P4",
            "a bad-CRC frame yields no message, only the bad-frame strobe (decoder), and the "
            "strobe reaches no core register but the counters' (core)",
            (
                Part("decoder", lambda: FrameDecoderSpec(decoder_class)),
                Part("core", static=bad_frame_cone),
            ),
            f"{decoder_class.__name__}; {core_size}",
            induction=INDUCTION_DEPTH,
        ),
        guard_check(
            "P5",
            "heartbeat silence > timeout latches the kill by the deadline + 1 cycle",
            single(guard(GuardProperty.P5)),
            guard_config,
        ),
        guard_check(
            "P6",
            "every response comes VERDICT_LATENCY cycles after its message",
            single(guard(GuardProperty.P6)),
            guard_config,
        ),
    ]


def run_property(
    check: PropertyCheck, *, depth: int, workdir: Path, cover: bool = True
) -> PropertyResult:
    """Check one property: per part, induction if configured, else (or if it does not
    close) BMC; then a cover run on the first part."""
    results: list[CheckResult] = []
    if check.depth_cap is not None:
        depth = min(depth, check.depth_cap)

    def run(part: Part, mode: Mode, run_depth: int) -> CheckResult:
        suffix = f"_{part.name}" if part.name else ""
        assert part.build is not None
        result = run_check(
            part.build(),
            name=f"{check.id}{suffix}_{mode}",
            mode=mode,
            depth=run_depth,
            workdir=workdir,
            extra_script=check.extra_script,
            timeout=CHECK_TIMEOUT,
        )
        results.append(result)
        return result

    part_outcomes = []
    for part in check.parts:
        outcome = Outcome.UNKNOWN
        if part.static is not None:
            static = part.static(f"{check.id}_{part.name}_{Mode.STRUCTURE}", workdir)
            results.append(static)
            outcome = static.outcome
        elif check.induction is not None:
            proof = run(part, Mode.PROVE, check.induction)
            if proof.outcome in (Outcome.PROVEN, Outcome.FAILED):
                outcome = proof.outcome
        if outcome is Outcome.UNKNOWN:
            outcome = run(part, Mode.BMC, depth).outcome
        part_outcomes.append(outcome)
        if outcome is Outcome.FAILED:
            break
    if Outcome.FAILED in part_outcomes:
        outcome = Outcome.FAILED
    elif all(outcome is Outcome.PROVEN for outcome in part_outcomes):
        outcome = Outcome.PROVEN
    else:
        outcome = Outcome.BOUNDED
    solver_parts = [part for part in check.parts if part.build is not None]
    if cover and outcome is not Outcome.FAILED and solver_parts:
        covered = run(solver_parts[0], Mode.COVER, check.cover_depth or depth)
        if covered.outcome is not Outcome.COVERED:
            outcome = Outcome.FAILED
    return PropertyResult(
        id=check.id,
        title=check.title,
        outcome=outcome,
        depth=check.induction if outcome is Outcome.PROVEN and check.induction else depth,
        seconds=sum(result.seconds for result in results),
        configuration=check.configuration,
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
