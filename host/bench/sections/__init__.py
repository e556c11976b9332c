"""Bench sections, one module per measured part; each turns a :class:`BenchContext` into figures.

A section never invents a number: where the code it measures does not exist yet, or a run
fails, it returns the figure as *missing* with the reason.
"""

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from host.bench.results import Figure, missing

__all__ = [
    "BenchContext",
    "Section",
    "find_function",
    "missing_all",
    "call_accepting",
    "pick",
    "pick_samples",
    "ROOT",
]

_log = logging.getLogger(__name__)

#: The repository root (sections read build/ and bitstreams/ from here).
ROOT = Path(__file__).resolve().parents[3]


@dataclass
class BenchContext:
    """What every section gets.

    Attributes
    ----------
    quick : bool
        Small sizes, for tests and a first look; figures are noisier.
    root : Path
        Repository root.
    work_dir : Path
        Scratch folder for generated data (under build/).
    samples : dict of str to numpy.ndarray
        Latency samples in microseconds, by label, collected for the plot.
    shared : dict of str to Any
        Results one section hands to a later one in the same run (the engine's throughput on
        the generated data is measured once and reported by both the host and peers parts).
    """

    quick: bool = False
    root: Path = ROOT
    work_dir: Path = ROOT / "build" / "bench"
    samples: dict[str, np.ndarray] = field(default_factory=dict)
    shared: dict[str, Any] = field(default_factory=dict)


#: A section: context in, figures out.
Section = Callable[[BenchContext], list[Figure]]


def find_function(module: str, name: str) -> Callable[..., Any] | str:
    """The function ``module.name`` if it can be imported, else the reason it cannot.

    Other parts of the project expose their measuring functions under agreed names; this is
    how the bench calls what exists and records the rest as missing.
    """
    try:
        imported = importlib.import_module(module)
    except ImportError as error:
        return f"{module} is not available ({error})"
    function = getattr(imported, name, None)
    if not callable(function):
        return f"{module}.{name} is not available"
    return function


def missing_all(specs: list[tuple[str, str, str]], reason: str) -> list[Figure]:
    """Every ``(key, unit, description)`` in ``specs`` as missing with ``reason``."""
    _log.warning("bench: %s", reason)
    return [missing(key, unit, description, reason) for key, unit, description in specs]


def call_accepting(function: Callable[..., Any], **kwargs: Any) -> Any:
    """Call ``function`` with only those of ``kwargs`` its signature accepts.

    The measuring functions of other parts differ in which size knobs they take; the bench
    offers its sizes and each function picks what it understands.
    """
    import inspect

    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return function()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return function(**kwargs)
    return function(**{name: value for name, value in kwargs.items() if name in parameters})


def pick(result: Any, *names: str) -> float | None:
    """The first of ``names`` in the mapping ``result`` that holds a finite number, else None."""
    if not isinstance(result, dict):
        return None
    for name in names:
        value = result.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            if np.isfinite(value):
                return float(value)
    return None


def pick_samples(result: Any, *names: str) -> np.ndarray | None:
    """The first of ``names`` in ``result`` that holds a non-empty list of numbers."""
    if not isinstance(result, dict):
        return None
    for name in names:
        value = result.get(name)
        if value is not None and len(value):
            array = np.asarray(value, dtype=float)
            if array.ndim == 1 and np.all(np.isfinite(array)):
                return array
    return None
