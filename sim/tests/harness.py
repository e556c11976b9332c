"""Shared pieces of the cocotb test modules: metrics output and the cycle-exact GuardTop driver.

Cycle numbering matches the reference model: cycle 0 is the cycle at whose falling edge reset
is released, the first cycle whose closing edge samples ``rst`` low, i.e. the first cycle in
which the design runs from its initial state (Amaranth's simulator calls it cycle 0 as well).
Inputs for cycle ``k`` are set at its falling edge and outputs are read in its ReadOnly phase.
"""

import json
import os
from typing import Any

from sim.runner import METRICS_ENV

__all__ = ["write_metrics"]


def write_metrics(values: dict[str, Any], *, key: str) -> None:
    """Merge ``{key: values}`` into the metrics file the runner reads, if it asked for one."""
    path = os.environ.get(METRICS_ENV)
    if not path:
        return
    metrics: dict[str, Any] = {}
    if os.path.exists(path):
        with open(path) as existing:
            metrics = json.load(existing)
    metrics[key] = values
    with open(path, "w") as out:
        json.dump(metrics, out, indent=2, sort_keys=True)
