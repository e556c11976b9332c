"""Runs the bench sections in order, with a progress bar, and writes the results file and plot."""

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from host.bench import machine
from host.bench import peers as peer_section
from host.bench.baselines import BASELINES
from host.bench.plot import plot_latencies
from host.bench.references import REFERENCE_FIGURES
from host.bench.results import Figure, Results, save
from host.bench.sections import ROOT, BenchContext, Section, dashboard, gateware, host_engine, link

__all__ = ["SECTIONS", "BenchRun", "run_bench", "DEFAULT_PLOT_NAME"]

_log = logging.getLogger(__name__)

#: Section name -> function, in the order they run (cheap and deterministic first).
SECTIONS: dict[str, Section] = {
    "gateware": gateware.run,
    "link": link.run,
    "host": host_engine.run,
    "dashboard": dashboard.run,
}

DEFAULT_PLOT_NAME = "latency.png"


@dataclass(frozen=True)
class BenchRun:
    """What :func:`run_bench` wrote."""

    results: Results
    results_path: Path
    plot_path: Path | None


def run_bench(
    *,
    out: Path,
    only: Sequence[str] = (),
    quick: bool = False,
    plot: bool = True,
    root: Path = ROOT,
    extra: Callable[[BenchContext], tuple[list[Figure], dict]] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> BenchRun:
    """Run the sections, then write ``out`` and, beside it, the latency plot.

    Parameters
    ----------
    out : Path
        The results file to write.
    only : sequence of str
        Section names to run (all of :data:`SECTIONS` when empty).
    quick : bool
        Small sizes (seconds, noisier figures).
    plot : bool
        Also write ``latency.png`` beside ``out``.
    extra : callable, optional
        Runs after the sections and returns more figures plus a ``peers`` document
        (``quantum bench --peers``).
    progress : callable, optional
        Called as ``progress(section, index, total)`` before each section.

    Raises
    ------
    ValueError
        If ``only`` names an unknown section.
    """
    unknown = [name for name in only if name not in SECTIONS]
    if unknown:
        raise ValueError(f"Sections must be among {sorted(SECTIONS)}, not {unknown!r}")
    names = list(only) or list(SECTIONS)
    context = BenchContext(quick=quick, root=root, work_dir=root / "build" / "bench")
    context.work_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    figures: list[Figure] = list(REFERENCE_FIGURES)
    total = len(names) + (1 if extra else 0)
    for index, name in enumerate(names):
        if progress:
            progress(name, index, total)
        section_start = time.perf_counter()
        figures += SECTIONS[name](context)
        _log.info("bench: section %s took %.1f s", name, time.perf_counter() - section_start)
    peers: dict = {}
    if extra is not None:
        if progress:
            progress("peers", len(names), total)
        more, peers = extra(context)
        figures += more
    elif not only:
        # Keep the key set of a full run stable: lessons quote the peers' keys.
        figures += peer_section.not_requested()
    if progress:
        progress("done", total, total)
    command = (
        "quantum bench" + (" --quick" if quick else "") + "".join(f" --only {n}" for n in only)
    )
    results = Results.build(
        _with_baselines(figures),
        date=datetime.now(UTC).isoformat(timespec="seconds"),
        machine=machine.machine_info(),
        versions=machine.versions(),
        command=command + (" --peers" if extra else ""),
        duration_s=round(time.perf_counter() - started, 1),
        peers=peers,
    )
    results_path = save(results, out)
    plot_path = None
    if plot:
        references = [f for f in REFERENCE_FIGURES if f.unit == "ns"] + [
            f for f in results.figures.values() if f.key.endswith("_verdict_ns") and f.value
        ]
        plot_path = plot_latencies(
            context.samples, Path(out).with_name(DEFAULT_PLOT_NAME), references=references
        )
    return BenchRun(results, results_path, plot_path)


def _with_baselines(figures: list[Figure]) -> list[Figure]:
    """Give each figure its baseline from :data:`BASELINES`, dropping a baseline that is not
    in the run (with ``--only`` it may belong to a section that did not run: the figure keeps
    its value and loses the ratio rather than failing the whole run)."""
    from dataclasses import replace

    keys = {figure.key for figure in figures}
    figures = [
        replace(figure, baseline=BASELINES[figure.key])
        if figure.baseline is None and figure.key in BASELINES
        else figure
        for figure in figures
    ]
    return [
        figure
        if figure.baseline is None or figure.baseline in keys
        else replace(figure, baseline=None)
        for figure in figures
    ]
