"""LoginLimiter: N failures per sliding minute, per key."""

import pytest

from dashboard.server.core.ratelimit import LoginLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_limiter_when_limit_reached_then_blocked_until_oldest_failure_ages_out() -> None:
    clock = Clock()
    limiter = LoginLimiter(failures_per_minute=3, clock=clock)
    for step in range(3):
        assert limiter.blocked("user:vic") == 0.0
        limiter.fail("user:vic")
        clock.now += 10 * (step < 2)

    assert limiter.blocked("user:vic") == pytest.approx(40.0)
    clock.now += 40.0
    assert limiter.blocked("user:vic") == 0.0


def test_limiter_when_other_key_then_not_blocked() -> None:
    limiter = LoginLimiter(failures_per_minute=1, clock=Clock())
    limiter.fail("user:vic")

    assert limiter.blocked("user:vic") > 0
    assert limiter.blocked("user:ada") == 0.0


def test_limiter_when_reset_then_key_forgotten() -> None:
    limiter = LoginLimiter(failures_per_minute=1, clock=Clock())
    limiter.fail("user:vic")

    limiter.reset("user:vic")

    assert limiter.blocked("user:vic") == 0.0


def test_limiter_when_zero_allowed_then_value_error() -> None:
    with pytest.raises(ValueError, match=r"^Failures per minute must be at least 1, not 0$"):
        LoginLimiter(failures_per_minute=0)
