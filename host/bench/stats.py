"""Summary statistics of latency samples: percentiles, jitter and same-run ratios."""

from collections.abc import Sequence

import numpy as np

__all__ = ["percentile", "summarize", "ratio", "rate"]


def _as_array(samples: Sequence[float] | np.ndarray) -> np.ndarray:
    array = np.asarray(samples, dtype=float)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"Samples must be a non-empty 1-D sequence, not shape {array.shape!r}")
    if not np.all(np.isfinite(array)):
        raise ValueError("Samples must all be finite, not contain NaN or infinity")
    return array


def percentile(samples: Sequence[float] | np.ndarray, q: float) -> float:
    """The ``q``-th percentile (0..100) of ``samples``, linear interpolation between ranks.

    Parameters
    ----------
    samples : sequence of float
        Non-empty, finite.
    q : float
        Percentile in 0..100.

    Raises
    ------
    ValueError
        If ``samples`` is empty or not finite, or ``q`` is outside 0..100.
    """
    if not 0 <= q <= 100:
        raise ValueError(f"Percentile must be in 0..100, not {q!r}")
    return float(np.percentile(_as_array(samples), q))


def summarize(samples: Sequence[float] | np.ndarray) -> dict[str, float]:
    """p50, p99, p99.9, mean, min, max, jitter and count of latency ``samples``.

    Jitter is reported as p99 - p50: the spread a trader actually feels, which unlike the
    standard deviation is not dominated by one outlier.
    """
    array = _as_array(samples)
    p50, p99, p999 = (float(v) for v in np.percentile(array, [50, 99, 99.9]))
    return {
        "p50": p50,
        "p99": p99,
        "p999": p999,
        "mean": float(array.mean()),
        "min": float(array.min()),
        "max": float(array.max()),
        "jitter": p99 - p50,
        "n": float(array.size),
    }


def ratio(value: float, baseline: float) -> float:
    """``value / baseline``; both must be positive (a ratio to zero means nothing).

    Raises
    ------
    ValueError
        If either is not a positive finite number.
    """
    for name, number in (("Value", value), ("Baseline", baseline)):
        if not (np.isfinite(number) and number > 0):
            raise ValueError(f"{name} must be a positive finite number, not {number!r}")
    return value / baseline


def rate(count: int, seconds: float) -> float:
    """Events per second for ``count`` events in ``seconds``.

    Raises
    ------
    ValueError
        If ``count`` is negative or ``seconds`` is not positive.
    """
    if count < 0:
        raise ValueError(f"Count must be non-negative, not {count!r}")
    if not seconds > 0:
        raise ValueError(f"Seconds must be positive, not {seconds!r}")
    return count / seconds
