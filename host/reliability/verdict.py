"""The safety verdict every fault-injection run reports the same way."""

from dataclasses import asdict
from typing import Any

__all__ = ["FaultRunVerdict"]


class FaultRunVerdict:
    """Mixin for a fault run's result dataclass: ``safe`` when no problem was recorded and the
    run really exercised its fault (:meth:`exercised`), and ``as_dict`` for the summary."""

    problems: list[str]

    def exercised(self) -> bool:
        """Whether the fault happened at least once (a run that never broke anything proves
        nothing); each result says what that means for it."""
        return True

    @property
    def safe(self) -> bool:
        """No safety problem, and the fault was lived through at least once."""
        return not self.problems and self.exercised()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready figures (the reliability summary)."""
        return {**asdict(self), "safe": self.safe}  # type: ignore[call-overload]
