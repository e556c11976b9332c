"""The processes a test started, read from Linux's /proc: who are whose children, whether one
still runs, and its command line. Shared by the tests that stop or kill the engine, the demo
and sim-serve and then check what is left running."""

import contextlib
from pathlib import Path

__all__ = ["children", "descendants", "running", "command_line"]


def children(pid: int) -> list[int]:
    """The direct children of ``pid``'s main thread (empty once it is gone)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def descendants(pid: int) -> set[int]:
    """Every process below ``pid``, started by any of its threads, at any depth."""
    found: set[int] = set()
    pending = [pid]
    while pending:
        tasks = Path(f"/proc/{pending.pop()}/task")
        for task in tasks.glob("*/children") if tasks.exists() else []:
            with contextlib.suppress(OSError):
                for child in map(int, task.read_text().split()):
                    if child not in found:
                        found.add(child)
                        pending.append(child)
    return found


def running(pid: int) -> bool:
    """Running, not a zombie waiting for a parent (or an init) to reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def command_line(pid: int) -> str:
    """The command line of ``pid``, its arguments joined by spaces ("" once it is gone)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""
