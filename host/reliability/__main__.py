"""``python -m host.reliability``: the long fault-injection runs, written to summary.json."""

import argparse
import asyncio
import json
import logging
import resource
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from host.reliability import fault_runs, fuzz_and_load
from host.reliability.noisy_link import run_noisy_session

__all__ = ["main"]

logger = logging.getLogger(__name__)

#: Every scenario's name in summary.json, in the order they run.
SCENARIOS = (
    "codec_fuzz",
    "noisy_link",
    "database_outage",
    "link_death_sim",
    "engine_restart",
    "csv_fuzz",
    "api_fuzz",
    "websocket_load",
)


def _codec_fuzz(frames: int, seed: int) -> dict[str, Any]:
    from sim.formal.codec_fuzz import collision_allowance, fuzz_frames

    report = fuzz_frames(frames, seed)
    figures = {k: v for k, v in asdict(report).items() if k != "examples"}
    passed = report.findings() == [] and report.undetected <= collision_allowance(report.cases)
    return {"passed": passed, **figures}


def _noisy_link(orders: int, seed: int) -> dict[str, Any]:
    result = asyncio.run(run_noisy_session(orders=orders, rate=1e-3, seed=seed, timeout=0.05))
    damaged_both_sides = result.host_bad_frames > 0 and result.guard_bad_frames > 0
    return {"passed": result.safe and damaged_both_sides, **result.as_dict()}


def _timed(name: str, run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    if fuzz_and_load.skipped(name):
        return {"passed": True, "not_selected": True}
    started = time.monotonic()
    try:
        figures = run()
    except Exception as error:  # noqa: BLE001 -- one broken scenario must not hide the others
        logger.exception("scenario %s crashed", name)
        figures = {"passed": False, "error": f"{type(error).__name__}: {error}"}
    figures["seconds"] = round(time.monotonic() - started, 3)
    figures["peak_rss_mb"] = round(_peak_rss_mb(), 1)
    logger.info("%s: passed=%s", name, figures["passed"])
    return figures


def _peak_rss_mb() -> float:
    # The high-water mark (Linux: KiB), not the current RSS: a spike between samples counts.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    """Run every long scenario and write the summary; exit 1 if any failed."""
    parser = argparse.ArgumentParser(prog="python -m host.reliability", description=__doc__)
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("build/reliability/summary.json"),
        help="summary file (default: %(default)s)",
    )
    parser.add_argument(
        "--fuzz-frames",
        type=int,
        default=1_000_000,
        help="damaged frames for the codec fuzz (default: %(default)s)",
    )
    parser.add_argument(
        "--noisy-orders",
        type=int,
        default=5_000,
        help="orders through the damaged link (default: %(default)s)",
    )
    parser.add_argument("--db-outages", type=int, default=5, help="MariaDB cuts and hangs each")
    parser.add_argument("--link-deaths", type=int, default=4, help="sim-serve deaths, 0: skip")
    parser.add_argument(
        "--engine-restarts", type=int, default=3, help="paper engine SIGKILLs, 0: skip"
    )
    parser.add_argument("--seed", type=int, default=20261125, help="(default: %(default)s)")
    fuzz_and_load.add_arguments(parser)
    args = parser.parse_args(argv)
    unknown = sorted(set(args.only) - set(SCENARIOS))
    if unknown:
        known = ", ".join(SCENARIOS)
        parser.error(f"--only: unknown scenario {', '.join(unknown)}; known: {known}")
    fuzz_and_load.select(args)
    scenarios = {
        "codec_fuzz": _timed("codec_fuzz", lambda: _codec_fuzz(args.fuzz_frames, args.seed)),
        "noisy_link": _timed("noisy_link", lambda: _noisy_link(args.noisy_orders, args.seed)),
    }
    if args.db_outages:
        scenarios["database_outage"] = _timed(
            "database_outage", lambda: fault_runs.db_outages(args.db_outages, args.seed)
        )
    if args.link_deaths:
        scenarios["link_death_sim"] = _timed(
            "link_death_sim", lambda: fault_runs.link_deaths(args.link_deaths)
        )
    if args.engine_restarts:
        scenarios["engine_restart"] = _timed(
            "engine_restart", lambda: fault_runs.engine_restarts(args.engine_restarts, args.seed)
        )
    for name, run in fuzz_and_load.runs(args).items():
        scenarios[name] = _timed(name, run)
    scenarios = {name: s for name, s in scenarios.items() if not s.get("not_selected")}
    summary = {
        "passed": all(s["passed"] for s in scenarios.values()),
        "scenarios": scenarios,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2, default=str) + "\n")
    logger.info("wrote %s (passed=%s)", args.out, summary["passed"])
    return 0 if summary["passed"] else 1


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # Thousands of expected bad frames and timeouts would bury the figures.
    logging.getLogger("host.link").setLevel(logging.ERROR)
    raise SystemExit(main())
