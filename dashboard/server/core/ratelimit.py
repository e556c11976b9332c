"""Failed-login limiter: a sliding one-minute window per username and per client address."""

import time
from collections import deque
from collections.abc import Callable

__all__ = ["LoginLimiter"]

_WINDOW_SECONDS = 60.0


class LoginLimiter:
    """Counts failed logins; :meth:`blocked` says when a key has had too many in a minute.

    Parameters
    ----------
    failures_per_minute : int
        Failures allowed in any 60 s window; the next attempt is refused.
    clock : callable
        Monotonic seconds (replaceable in tests).
    """

    def __init__(
        self, *, failures_per_minute: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if failures_per_minute < 1:
            raise ValueError(f"Failures per minute must be at least 1, not {failures_per_minute!r}")
        self._limit = failures_per_minute
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        now = self._clock()
        failures = self._failures.setdefault(key, deque())
        while failures and now - failures[0] >= _WINDOW_SECONDS:
            failures.popleft()
        if not failures:
            del self._failures[key]  # keep the table small: only keys with recent failures
            return deque()
        return failures

    def blocked(self, *keys: str) -> float:
        """Seconds until any of ``keys`` may try again (0.0 when none is blocked)."""
        wait = 0.0
        for key in keys:
            failures = self._recent(key)
            if len(failures) >= self._limit:
                wait = max(wait, _WINDOW_SECONDS - (self._clock() - failures[0]))
        return wait

    def fail(self, *keys: str) -> None:
        """Count one failed attempt against each of ``keys``."""
        now = self._clock()
        for key in keys:
            self._failures.setdefault(key, deque()).append(now)

    def reset(self, *keys: str) -> None:
        """Forget the failures of ``keys`` (after a successful login)."""
        for key in keys:
            self._failures.pop(key, None)
