"""Every simulation suite in one run, summarised in ``build/sim/summary.json``.

Used by ``make sim`` (``python -m sim``), ``quantum sim`` and the pytest wrapper.
"""

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.runner import BUILD_ROOT, SuiteResult, build, run_suite

__all__ = ["SUITES", "Suite", "run_all", "summarise"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Suite:
    """One cocotb test module and the design it runs on."""

    design: str
    module: str
    description: str


SUITES = (
    Suite("uart_echo", "test_uart_echo", "UART at the pin level"),
    Suite("guard_top", "test_framing", "damaged frames never acted on, counted, resync"),
    Suite("guard_top", "test_scenarios", "directed scenarios through GuardTop vs table and model"),
    Suite("guard_top", "test_random", "seeded random differential run vs GuardModel"),
    Suite("guard_top_compact", "test_random", "the same on the compact core (iCEBreaker)"),
)


def summarise(results: list[SuiteResult], *, seconds: float) -> dict[str, Any]:
    """The summary document: counts, mismatches, verdict latency per reason, speed."""
    latencies: dict[str, set[int]] = {}
    random_metrics: dict[str, Any] = {}
    mismatches = 0
    for result in results:
        for section in result.metrics.values():
            if not isinstance(section, dict):
                continue
            mismatches += int(section.get("mismatches", 0))
            for reason, cycles in section.get("verdict_latency_cycles", {}).items():
                latencies.setdefault(reason, set()).update(cycles)
        # the headline is GuardCore's run (the first); the others count in the mismatches
        random_metrics = random_metrics or result.metrics.get("random", {})
    # One number per reason when the latency is constant (the design rule); the list otherwise.
    latency_summary: dict[str, int | list[int]] = {
        reason: (min(cycles) if len(cycles) == 1 else sorted(cycles))
        for reason, cycles in sorted(latencies.items())
    }
    return {
        "passed": sum(r.passed for r in results),
        "failed": sum(r.failed for r in results),
        "suites": {
            r.name: {"passed": r.passed, "failed": r.failed, "seconds": round(r.seconds, 2)}
            for r in results
        },
        "random_messages": random_metrics.get("messages", 0),
        "random_seed": random_metrics.get("seed"),
        "random_coverage": random_metrics.get("coverage", {}),
        "mismatches": mismatches,
        "verdict_latency_cycles": latency_summary,
        "verdict_latency_constant": all(isinstance(v, int) for v in latency_summary.values())
        and len({v for v in latency_summary.values() if isinstance(v, int)}) <= 1,
        "cycles_per_second": round(random_metrics.get("cycles_per_second", 0.0)),
        "seconds": round(seconds, 1),
    }


def run_all(
    *,
    messages: int = 20_000,
    seed: int = 1,
    only: tuple[str, ...] = (),
    progress: Callable[[str], None] | None = None,
    summary_path: Path = BUILD_ROOT / "summary.json",
) -> dict[str, Any]:
    """Build what is needed, run the suites (``only`` filters by module name), write and
    return the summary."""
    say = progress or logger.info
    started = time.monotonic()
    suites = [s for s in SUITES if not only or s.module in only]
    for design in dict.fromkeys(s.design for s in suites):
        say(f"building {design} (reused when unchanged)")
        build(design)
    env = {"QUANTUM_SIM_MESSAGES": str(messages), "QUANTUM_SIM_SEED": str(seed)}
    results = []
    for number, suite in enumerate(suites, 1):
        say(f"[{number}/{len(suites)}] {suite.module}: {suite.description}")
        result = run_suite(suite.design, suite.module, extra_env=env)
        results.append(result)
        status = "ok" if result.failed == 0 else f"FAILED (log: {result.log_file})"
        say(
            f"    {result.passed} passed, {result.failed} failed in {result.seconds:.1f} s {status}"
        )
    summary = summarise(results, seconds=time.monotonic() - started)
    summary_path.parent.mkdir(parents=True, exist_ok=True)
    summary_path.write_text(json.dumps(summary, indent=2) + os.linesep)
    return summary
