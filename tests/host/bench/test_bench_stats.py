"""Percentiles, summaries, ratios and rates of host.bench.stats."""

import math

import numpy as np
import pytest

from host.bench.stats import percentile, rate, ratio, summarize


def test_percentile_when_interpolating_then_matches_rank_arithmetic() -> None:
    samples = [10.0, 20.0, 30.0, 40.0]
    assert percentile(samples, 0) == 10.0
    assert percentile(samples, 100) == 40.0
    # Rank 0.5 * 3 = 1.5: halfway between 20 and 30.
    assert percentile(samples, 50) == 25.0


def test_summarize_when_one_outlier_then_p50_unmoved_and_tail_sees_it() -> None:
    samples = np.concatenate([np.full(999, 5.0), [500.0]])
    summary = summarize(samples)
    assert summary["p50"] == 5.0
    assert summary["p99"] == 5.0
    assert summary["p999"] > 5.0
    assert summary["max"] == 500.0
    assert summary["jitter"] == summary["p99"] - summary["p50"]
    assert summary["n"] == 1000


def test_summarize_when_uniform_ramp_then_percentiles_follow() -> None:
    summary = summarize(np.arange(1, 1001, dtype=float))
    assert math.isclose(summary["p50"], 500.5)
    assert math.isclose(summary["p99"], 990.01)
    assert math.isclose(summary["mean"], 500.5)


@pytest.mark.parametrize("bad", [[], [1.0, float("nan")], [[1.0, 2.0]]])
def test_summarize_when_samples_unusable_then_value_error(bad: list) -> None:
    with pytest.raises(ValueError, match=r"^Samples must"):
        summarize(bad)


def test_percentile_when_q_out_of_range_then_value_error() -> None:
    with pytest.raises(ValueError, match=r"^Percentile must be in 0\.\.100, not 101$"):
        percentile([1.0], 101)


def test_ratio_when_positive_then_quotient() -> None:
    assert ratio(30.0, 10.0) == 3.0


@pytest.mark.parametrize(("value", "baseline"), [(1.0, 0.0), (-1.0, 2.0), (1.0, float("inf"))])
def test_ratio_when_not_positive_finite_then_value_error(value: float, baseline: float) -> None:
    with pytest.raises(ValueError, match=r"must be a positive finite number"):
        ratio(value, baseline)


def test_rate_when_counted_then_events_per_second() -> None:
    assert rate(1000, 0.5) == 2000.0
    with pytest.raises(ValueError, match=r"^Seconds must be positive, not 0$"):
        rate(1, 0)
    with pytest.raises(ValueError, match=r"^Count must be non-negative, not -1$"):
        rate(-1, 1.0)
