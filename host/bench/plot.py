"""The latency plot: each measured distribution as a CDF on a log time axis, next to published
FPGA figures, so the orders of magnitude between the parts are visible at a glance."""

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: the bench runs headless

import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402

from host.bench.results import Figure  # noqa: E402

__all__ = ["plot_latencies"]

_log = logging.getLogger(__name__)


def plot_latencies(
    samples: Mapping[str, np.ndarray],
    path: Path,
    *,
    references: Sequence[Figure] = (),
    title: str = "Quantum HFT latency distributions (this run)",
) -> Path:
    """Write a PNG of the empirical CDF of every sample set (microseconds) to ``path``.

    Parameters
    ----------
    samples : mapping of str to numpy.ndarray
        Latencies in microseconds by label; empty mappings give a plot saying so.
    path : Path
        Where the PNG goes (parents created).
    references : sequence of Figure
        Single figures in ns or us drawn as vertical lines: published ones dashed and labelled
        as published, this run's (e.g. the gateware verdict time per board) solid.

    Raises
    ------
    ValueError
        If a sample set is empty. Non-positive samples (a log axis cannot show them) are left
        out, logged and counted in the legend.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure, axes = plt.subplots(figsize=(10, 5.5), dpi=120)
    for label, values in samples.items():
        data = np.sort(np.asarray(values, dtype=float))
        if data.size == 0:
            raise ValueError(f"Samples of {label!r} must be non-empty")
        positive = data[data > 0]
        dropped = data.size - positive.size
        if dropped:
            # A log axis cannot show them; say so in the legend rather than hide it.
            _log.warning("plot: %d non-positive samples of %r not drawn", dropped, label)
        if positive.size == 0:
            continue
        quantiles = np.arange(1, positive.size + 1) / positive.size
        note = f", {dropped} ≤ 0 not drawn" if dropped else ""
        axes.step(
            positive,
            quantiles,
            where="post",
            label=f"{label} (p50 {np.median(data):.3g} µs{note})",
        )
    for index, reference in enumerate(references):
        if reference.value is None or reference.unit not in ("ns", "us"):
            continue
        value_us = reference.value / 1e3 if reference.unit == "ns" else reference.value
        if reference.published:
            who = reference.source.removeprefix("published: ").split(",")[0].split(" (")[0]
            who = who.split(" on ")[0]
            label, style = f"{who}: {reference.value:g} {reference.unit} (published)", "--"
        else:
            label, style = f"{reference.key}: {reference.value:.3g} {reference.unit}", "-"
        axes.axvline(value_us, linestyle=style, linewidth=1, color="grey")
        # Stagger the labels so that neighbouring lines stay readable.
        axes.annotate(
            label,
            (value_us, 0.03 + 0.22 * (index % 3)),
            rotation=90,
            fontsize=7,
            color="dimgrey",
            ha="right",
            va="bottom",
        )
    if not samples:
        axes.text(0.5, 0.5, "no latency samples in this run", ha="center", transform=axes.transAxes)
    axes.set_xscale("log")
    axes.set_xlabel("latency (µs, log scale)")
    axes.set_ylabel("fraction of samples ≤ latency")
    axes.set_ylim(0, 1.01)
    axes.grid(True, which="both", alpha=0.3)
    axes.set_title(title)
    if samples:
        axes.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path
