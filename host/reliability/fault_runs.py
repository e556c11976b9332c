"""The long fault-injection runs of ``python -m host.reliability``: repeated database
outages, repeated deaths of the link to the Verilator gateware and repeated SIGKILLs of the
engine, as summary entries.

Each returns the figures of :mod:`host.reliability.db_outage` or
:mod:`host.reliability.link_death` plus ``passed`` and the worst case of each timing, so the
summary reads at a glance. The short versions are tests in ``tests/reliability``.
"""

import asyncio
import contextlib
import tempfile
from pathlib import Path
from typing import Any

from host.reliability.db_outage import run_db_outage, temporary_mariadb_database
from host.reliability.engine_restart import run_engine_restart
from host.reliability.link_death import run_link_death

__all__ = ["db_outages", "engine_restarts", "link_deaths"]


def db_outages(outages: int, seed: int, *, outage_s: float = 5.0) -> dict[str, Any]:
    """``outages`` cuts (connections reset), then ``outages`` hangs (connections open,
    nothing answers) of a throw-away MariaDB database behind a proxy (the server itself is
    never stopped), then ``outages`` locks of a SQLite file by another process, of
    ``outage_s`` seconds each, while the engine paper-trades."""
    runs = {}
    for fault in ("cut", "hang", "lock"):
        with contextlib.ExitStack() as stack:
            if fault == "lock":
                folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="quantum-"))
                url = f"sqlite:///{Path(folder) / 'outage.db'}"
            else:
                url = stack.enter_context(temporary_mariadb_database())
            result = asyncio.run(
                run_db_outage(
                    url,
                    cycles=outages,
                    outage_s=outage_s,
                    orders_per_phase=10,
                    # About 30 s of replay per outage at 60x: the data must outlast the run.
                    events=max(60_000, 40_000 * outages),
                    speed=60.0,
                    seed=seed % 2**31,
                    fault=fault,
                    store_timeout_s=2.0,
                )
            )
        figures = result.as_dict()
        cycles = figures["cycles"]
        runs[fault] = {
            "passed": result.safe,
            "outages": len(cycles),
            "max_detect_s": max((c["detect_s"] for c in cycles), default=None),
            "max_recover_s": max((c["recover_s"] for c in cycles), default=None),
            "max_rearm_s": max((c["rearm_s"] for c in cycles), default=None),
            **figures,
        }
    return {"passed": all(r["passed"] for r in runs.values()), **runs}


def link_deaths(deaths: int) -> dict[str, Any]:
    """``deaths`` link deaths of the real Verilator gateware (sim-serve killed, then frozen,
    alternately), each followed by a new sim-serve and the operator's re-arm."""
    faults = ["kill" if n % 2 == 0 else "freeze" for n in range(deaths)]
    result = asyncio.run(run_link_death(faults))
    figures = result.as_dict()
    cycles = figures["cycles"]
    return {
        "passed": result.safe,
        "deaths": len(cycles),
        "max_detect_s": max((c["detect_s"] for c in cycles), default=None),
        "open_orders_cancelled": sum(c["open_orders_at_fault"] for c in cycles),
        **figures,
    }


def engine_restarts(restarts: int, seed: int) -> dict[str, Any]:
    """``restarts`` SIGKILLs of a ``quantum paper`` process, each followed by a second run
    on the same database (a new seed's data each time)."""
    runs = [run_engine_restart(seed=seed % 2**31 + 2 * n).as_dict() for n in range(restarts)]
    return {
        "passed": all(run["safe"] for run in runs),
        "restarts": len(runs),
        "trades_lost_or_duplicated": sum(
            abs(run["trades_stored"] - run["trades_at_kill"] - run["fills_second_run"])
            for run in runs
        ),
        "max_restart_s": max((run["restart_s"] for run in runs), default=None),
        "runs": runs,
    }
