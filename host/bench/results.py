"""The bench results file (docs/bench/results.json): figures, machine, versions, schema checks.

Every figure has a key (``section.name``), a value (or the reason it is missing: a number is
never invented), a unit, and optionally the key of a same-run *baseline* it is a ratio to.
Absolute times are noisy on a shared machine; ratios to a baseline measured in the same run
are what the lessons and the README lean on.
"""

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from host.bench.stats import ratio as _ratio

__all__ = [
    "SCHEMA_VERSION",
    "DEFAULT_RESULTS_PATH",
    "UNITS",
    "Figure",
    "Results",
    "ResultsError",
    "measured",
    "missing",
    "load",
    "save",
    "format_value",
]

SCHEMA_VERSION = 1
DEFAULT_RESULTS_PATH = Path(__file__).resolve().parents[2] / "docs" / "bench" / "results.json"

#: Units a figure may carry; a closed set so that formatting and plots never guess.
UNITS = (
    "ns",
    "us",
    "ms",
    "s",
    "cycles",
    "cycles/s",
    "events/s",
    "orders/s",
    "ticks/s",
    "messages/s",
    "bytes",
    "MHz",
    "cells",
    "%",
    "x",
    "count",
)

_KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9][a-z0-9_]*)+$")


class ResultsError(ValueError):
    """A results file or figure that breaks the schema; the message says what and where."""


@dataclass(frozen=True)
class Figure:
    """One number of the bench.

    Attributes
    ----------
    key : str
        ``section.name``, lower case, e.g. ``link.pty_round_trip_p50_us``.
    value : float or None
        None exactly when ``missing`` says why.
    unit : str
        One of :data:`UNITS`.
    description : str
        One line saying what was measured and how.
    source : str
        ``measured`` (this run), ``computed`` (arithmetic on this run's inputs) or
        ``published: <who, what, where>`` for a cited figure from elsewhere.
    baseline : str or None
        Key of the figure this one is a ratio to, measured in the same run.
    ratio : float or None
        ``value / baseline value``, filled by :meth:`Results.with_ratios`.
    missing : str or None
        Why there is no value (e.g. "dashboard.server.bench not available yet").
    """

    key: str
    value: float | None
    unit: str
    description: str
    source: str = "measured"
    baseline: str | None = None
    ratio: float | None = None
    missing: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not _KEY.match(self.key):
            raise ResultsError(f"Figure key must look like 'section.name', not {self.key!r}")
        if self.unit not in UNITS:
            raise ResultsError(f"Unit of {self.key} must be one of {UNITS}, not {self.unit!r}")
        if (self.value is None) == (self.missing is None):
            raise ResultsError(
                f"Figure {self.key} must have either a value or a missing reason, "
                f"not value={self.value!r} missing={self.missing!r}"
            )
        if self.value is not None:
            if isinstance(self.value, bool) or not isinstance(self.value, int | float):
                raise ResultsError(f"Value of {self.key} must be a number, not {self.value!r}")
            if not math.isfinite(self.value):
                raise ResultsError(f"Value of {self.key} must be finite, not {self.value!r}")
        if not (self.source in ("measured", "computed") or self.source.startswith("published: ")):
            raise ResultsError(
                f"Source of {self.key} must be 'measured', 'computed' or 'published: ...', "
                f"not {self.source!r}"
            )

    @property
    def published(self) -> bool:
        """True for a figure cited from elsewhere rather than measured in this run."""
        return self.source.startswith("published: ")


def measured(
    key: str,
    value: float,
    unit: str,
    description: str,
    *,
    baseline: str | None = None,
    source: str = "measured",
) -> Figure:
    """A figure with a value (``source`` "measured" or "computed")."""
    return Figure(key, float(value), unit, description, source=source, baseline=baseline)


def missing(key: str, unit: str, description: str, reason: str) -> Figure:
    """A figure this run could not measure, with the reason (never a made-up number)."""
    return Figure(key, None, unit, description, missing=reason)


@dataclass(frozen=True)
class Results:
    """A whole bench run: when, where, with what, and the figures by key."""

    date: str
    machine: Mapping[str, Any]
    versions: Mapping[str, str]
    figures: Mapping[str, Figure]
    command: str = "quantum bench"
    duration_s: float | None = None
    peers: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        figures: Iterable[Figure],
        *,
        date: str,
        machine: Mapping[str, Any],
        versions: Mapping[str, str],
        command: str = "quantum bench",
        duration_s: float | None = None,
        peers: Mapping[str, Any] | None = None,
    ) -> "Results":
        """Collect ``figures`` (keys must be unique) and compute every ratio to its baseline."""
        by_key: dict[str, Figure] = {}
        for figure in figures:
            if figure.key in by_key:
                raise ResultsError(f"Figure keys must be unique, not {figure.key!r} twice")
            by_key[figure.key] = figure
        results = cls(date, machine, versions, by_key, command, duration_s, dict(peers or {}))
        return results.with_ratios()

    def with_ratios(self) -> "Results":
        """A copy with each figure's ``ratio`` set where it and its baseline both have values.

        Raises
        ------
        ResultsError
            If a figure names a baseline key that is not in the run.
        """
        figures = {}
        for key, figure in self.figures.items():
            value_of_ratio = None
            if figure.baseline is not None:
                base = self.figures.get(figure.baseline)
                if base is None:
                    raise ResultsError(
                        f"Baseline of {key} must be a figure of the same run, "
                        f"not {figure.baseline!r}"
                    )
                if figure.value is not None and base.value is not None:
                    try:
                        value_of_ratio = _ratio(figure.value, base.value)
                    except ValueError:
                        value_of_ratio = None
            figures[key] = replace(figure, ratio=value_of_ratio)
        return replace(self, figures=figures)

    def __getitem__(self, key: str) -> Figure:
        try:
            return self.figures[key]
        except KeyError:
            raise KeyError(f"Bench key must be one of the results file's, not {key!r}") from None

    def __contains__(self, key: object) -> bool:
        return key in self.figures

    def to_json(self) -> dict[str, Any]:
        """The JSON document written to the results file."""
        return {
            "schema": SCHEMA_VERSION,
            "date": self.date,
            "command": self.command,
            "duration_s": self.duration_s,
            "machine": dict(self.machine),
            "versions": dict(self.versions),
            "figures": [asdict(f) for f in sorted(self.figures.values(), key=lambda f: f.key)],
            "peers": dict(self.peers),
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any], *, where: str = "results") -> "Results":
        """Parse and check a results document.

        Raises
        ------
        ResultsError
            On a wrong schema version, a missing top-level field or a bad figure; the
            message names ``where`` and the field.
        """
        if not isinstance(document, Mapping):
            raise ResultsError(f"{where} must be a JSON object, not {type(document).__name__}")
        if document.get("schema") != SCHEMA_VERSION:
            raise ResultsError(
                f"{where}: schema must be {SCHEMA_VERSION}, not {document.get('schema')!r}"
            )
        for name, kind in (("date", str), ("machine", dict), ("versions", dict)):
            if not isinstance(document.get(name), kind):
                raise ResultsError(
                    f"{where}: {name!r} must be a {kind.__name__}, not {document.get(name)!r}"
                )
        raw_figures = document.get("figures")
        if not isinstance(raw_figures, list):
            raise ResultsError(f"{where}: 'figures' must be a list, not {raw_figures!r}")
        figures = []
        for index, raw in enumerate(raw_figures):
            try:
                figures.append(Figure(**raw))
            except TypeError as error:
                raise ResultsError(f"{where}: figures[{index}] has bad fields ({error})") from None
            except ResultsError as error:
                raise ResultsError(f"{where}: figures[{index}]: {error}") from None
        results = cls.build(
            figures,
            date=document["date"],
            machine=document["machine"],
            versions=document["versions"],
            command=str(document.get("command", "quantum bench")),
            duration_s=document.get("duration_s"),
            peers=document.get("peers") or {},
        )
        for figure in figures:
            if figure.ratio is not None and results[figure.key].ratio is not None:
                if not math.isclose(figure.ratio, results[figure.key].ratio or 0.0, rel_tol=1e-6):
                    raise ResultsError(
                        f"{where}: ratio of {figure.key} must equal value / baseline, "
                        f"not {figure.ratio!r}"
                    )
        return results


def load(path: Path = DEFAULT_RESULTS_PATH) -> Results:
    """Read and check the results file at ``path``."""
    try:
        document = json.loads(Path(path).read_text())
    except json.JSONDecodeError as error:
        raise ResultsError(f"{path} must be valid JSON ({error})") from None
    return Results.from_json(document, where=str(path))


def save(results: Results, path: Path = DEFAULT_RESULTS_PATH) -> Path:
    """Write ``results`` to ``path`` (parents created), stable key order, trailing newline."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results.to_json(), indent=2, sort_keys=False) + "\n")
    return path


_SCALES = ((1e9, "G"), (1e6, "M"), (1e3, "k"))
_TIME_UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def _readable_time(value: float, unit: str) -> tuple[float, str]:
    """``value`` in the time unit that puts it in 1..1000 (ns at the least, s at the most):
    72,484 µs reads 72.5 ms."""
    seconds = value * _TIME_UNITS[unit]
    for name in ("ns", "us", "ms"):
        if abs(seconds) < 1000 * _TIME_UNITS[name]:
            return seconds / _TIME_UNITS[name], _UNIT_TEXT.get(name, name)
    return seconds, "s"


_UNIT_TEXT = {"us": "µs", "x": "×", "count": ""}


def _significant(value: float, digits: int = 3) -> str:
    if value == int(value) and abs(value) < 10**digits:
        return f"{int(value):,}"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(0, digits - 1 - magnitude)
    text = f"{value:,.{decimals}f}"
    # Beyond the usual 3 digits only to keep a cited figure's own precision: no padding zeros.
    return text.rstrip("0").rstrip(".") if digits > 3 and "." in text else text


def format_value(figure: Figure) -> str:
    """Human text for a figure's value with its unit, e.g. ``191 µs`` or ``1.23 M events/s``.

    A missing figure reads ``not measured (<reason>)``.
    """
    if figure.value is None:
        return f"not measured ({figure.missing})"
    value = figure.value
    # A cited figure is shown as precisely as its source gives it (471.7 ns, not 472 ns).
    digits = 4 if figure.published else 3
    unit = _UNIT_TEXT.get(figure.unit, figure.unit)
    if figure.unit.endswith("/s") or figure.unit == "count":
        for scale, prefix in _SCALES:
            if abs(value) >= scale:
                return " ".join(
                    part for part in (_significant(value / scale, digits), prefix, unit) if part
                )
    if figure.unit in _TIME_UNITS:
        value, unit = _readable_time(value, figure.unit)
    if figure.unit == "x":
        return f"{_significant(value, digits)}{unit}"
    return " ".join(part for part in (_significant(value, digits), unit) if part)
