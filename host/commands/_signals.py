"""SIGTERM as Ctrl-C, for the commands that stop through ``KeyboardInterrupt``."""

import signal
from types import FrameType

__all__ = ["interrupt_on_sigterm"]


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def interrupt_on_sigterm() -> None:
    """Make SIGTERM raise ``KeyboardInterrupt`` in the main thread: ``kill`` or a service
    manager then stops the command through the same clean path as Ctrl-C."""
    signal.signal(signal.SIGTERM, _raise_interrupt)
