"""Waiting for a condition in the fault scenarios: the time it took is often the figure."""

import asyncio
import time
from collections.abc import Callable

__all__ = ["until"]


async def until(
    condition: Callable[[], bool], timeout: float, what: str, step: float = 0.005
) -> float:
    """Wait until ``condition()`` is true; returns the seconds it took.

    Raises
    ------
    TimeoutError
        If it is still false after ``timeout`` seconds; ``what`` says what was awaited.
    """
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"Expected {what} within {timeout:g} s")
        await asyncio.sleep(step)
    return time.monotonic() - started
