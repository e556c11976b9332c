"""Fuzzing of the CSV loaders (host/data/loaders.py) with hypothesis.

Files in the four exchange layouts are generated -- good rows in the forms the exchange and
spreadsheets write, rows with one field replaced by hostile text, torn rows, invalid UTF-8,
blank lines, right and wrong headers, CR LF endings, duplicates, zip archives, and now and
then plain random bytes -- and each is loaded twice, strictly and with ``skip_bad_rows``.

An independent row-by-row reference (plain Python ``int``/``float``, the documented rules)
says which lines are good, and what event each good line is. The loader must then:

* strictly: return exactly the reference's events, or raise :class:`BadRowError` naming the
  file and the first bad line;
* skipping: return exactly the good lines' events and count every bad line;
* never raise anything else, never drop a row without counting it.
"""

import math
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hypothesis
import numpy as np
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st

from host.data.events import LAYOUTS, EventKind
from host.data.loaders import BadRowError, LoadStats, load_file

__all__ = ["CsvCase", "CsvFuzzReport", "csv_cases", "check_case", "expected_outcome", "fuzz_csv"]

_INT64 = (-(2**63), 2**63 - 1)
_MICROSECONDS_ABOVE = 10**14
_BOOLEANS = {"true": True, "false": False, "True": True, "False": False}
_SIDES = {"BUY": 1, "SELL": -1}
_KEPT_FINDINGS = 20

#: What each column holds; "text" columns are carried but not read by the loader.
_KINDS: dict[str, tuple[str, ...]] = {
    "aggTrades": ("int", "float", "float", "int", "int", "time", "bool"),
    "trades": ("int", "float", "float", "float", "time", "bool"),
    "bookTicker": ("int", "float", "float", "float", "float", "time", "time"),
    "liquidationSnapshot": (
        "time",
        "side",
        "text",
        "text",
        "float",
        "float",
        "float",
        "text",
        "float",
        "float",
    ),
}

#: Field texts that have broken parsers before: overflow, non-finite, other number syntaxes,
#: separators, control characters, look-alike digits.
_HOSTILE = (
    "",
    " ",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "Infinity",
    "1e400",
    "-1",
    "-9223372036854775809",
    "9223372036854775808",
    "99999999999999999999999999",
    "1e3",
    "1.5",
    "0x10",
    "1_000",
    "\uff11\uff12",
    "\u0661\u0662",
    "true",
    "TRUE",
    "yes",
    "BUY",
    "buy",
    '"1"',
    "\x00",
    "\x0c",
    "\x1c",
    "\u2028",
    "\r",
    "1,2",
)


@dataclass(frozen=True)
class CsvCase:
    """One generated file: its layout, name suffix and bytes."""

    layout: str
    data: bytes
    zipped: bool = False


@dataclass
class CsvFuzzReport:
    """What a campaign loaded and what it found."""

    cases: int = 0
    loaded_clean: int = 0
    rejected_strict: int = 0
    rows_loaded: int = 0
    bad_rows_counted: int = 0
    duplicates_counted: int = 0
    findings: list[str] = field(default_factory=list)
    finding_count: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Figures for summary.json."""
        return {
            "cases": self.cases,
            "loads": 2 * self.cases,
            "files_without_bad_rows": self.loaded_clean,
            "files_rejected_with_file_and_line": self.rejected_strict,
            "rows_loaded_skipping": self.rows_loaded,
            "bad_rows_counted_skipping": self.bad_rows_counted,
            "duplicates_counted": self.duplicates_counted,
            "findings": self.finding_count,
            "finding_examples": self.findings[:10],
        }

    def add_finding(self, text: str) -> None:
        self.finding_count += 1
        if len(self.findings) < _KEPT_FINDINGS:
            self.findings.append(text)


# -- the reference ---------------------------------------------------------------------------

Event = tuple[int, int, int, int, int, float, float, float, float]


class _Bad(Exception):
    pass


def _int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise _Bad from None
    if not _INT64[0] <= value <= _INT64[1]:
        raise _Bad
    return value


def _time(text: str) -> int:
    value = _int(text)
    if value < 0:
        raise _Bad
    return value if value > _MICROSECONDS_ABOVE else value * 1000


def _float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _Bad from None
    if not math.isfinite(value):
        raise _Bad
    return value


def _mapped(text: str, mapping: dict[str, Any]) -> Any:
    value = mapping.get(text.strip())
    if value is None:
        raise _Bad
    return value


def _event(layout: str, fields: list[str]) -> Event:
    """(ts, exch_ts, kind, side, seq, p1, q1, p2, q2) of one good row, or _Bad."""
    if layout in ("aggTrades", "trades"):
        time_at = 5 if layout == "aggTrades" else 4
        taker_sold = _mapped(fields[-1], _BOOLEANS)
        ts = _time(fields[time_at])
        seq, price, qty = _int(fields[0]), _float(fields[1]), _float(fields[2])
        return (ts, ts, EventKind.TRADE, -1 if taker_sold else 1, seq, price, qty, 0.0, 0.0)
    if layout == "bookTicker":
        seq = _int(fields[0])
        bid, bid_qty, ask, ask_qty = (_float(text) for text in fields[1:5])
        exch_ts, ts = _time(fields[5]), _time(fields[6])
        return (ts, exch_ts, EventKind.QUOTE, 0, seq, bid, bid_qty, ask, ask_qty)
    ts = _time(fields[0])
    side = _mapped(fields[1], _SIDES)
    price, average = _float(fields[5]), _float(fields[6])
    last, accumulated = _float(fields[8]), _float(fields[9])
    return (
        ts,
        ts,
        EventKind.LIQUIDATION,
        side,
        0,
        average if average > 0 else price,
        last if last > 0 else accumulated,
        0.0,
        0.0,
    )


@dataclass
class Expected:
    """The reference's reading of a file."""

    events: list[Event]
    bad_lines: list[int]
    duplicates: int


def expected_outcome(layout: str, data: bytes) -> Expected:
    """Read ``data`` line by line with the documented rules."""
    columns = LAYOUTS[layout]
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    events: list[Event] = []
    bad: list[int] = []
    seen: set[bytes] = set()
    duplicates = 0
    for number, raw in enumerate(lines, start=1):
        raw = raw.removesuffix(b"\r")
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            bad.append(number)
            continue
        if not line.strip():
            continue
        fields = line.split(",")
        if number == 1 and not any(_is_float(text) for text in fields):
            if [f.strip().lower() for f in fields] != [c.lower() for c in columns]:
                bad.append(number)
            continue
        if layout == "liquidationSnapshot":
            if raw in seen:
                duplicates += 1
                continue
            seen.add(raw)
        if len(fields) != len(columns):
            bad.append(number)
            continue
        try:
            events.append(_event(layout, fields))
        except _Bad:
            bad.append(number)
    return Expected(events, bad, duplicates)


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# -- the generator ---------------------------------------------------------------------------


def _good_field_strategy(kind: str) -> st.SearchStrategy[str]:
    if kind == "int":
        return st.integers(0, 2**63 - 1).map(str) | st.integers(0, 10**9).map(str)
    if kind == "time":
        return st.integers(0, 2**62).map(str) | st.integers(
            1_500_000_000_000, 1_900_000_000_000
        ).map(str)
    if kind == "float":
        finite = st.floats(allow_nan=False, allow_infinity=False)
        return (
            finite.map(repr)
            | st.floats(0, 1e6, allow_nan=False).map(lambda x: f"{x:.8f}")
            | st.integers(0, 10**6).map(str)
        )
    if kind == "bool":
        return st.sampled_from(sorted(_BOOLEANS))
    if kind == "side":
        return st.sampled_from(sorted(_SIDES))
    return st.sampled_from(["LIMIT", "IOC", "FILLED", "MARKET", ""])


# Built once: building strategies per draw costs more than the loads being tested.
_GOOD_FIELDS = {
    kind: _good_field_strategy(kind) for kind in ("int", "time", "float", "bool", "side", "text")
}
_DAMAGE = st.sampled_from(["none"] * 6 + ["hostile", "text", "columns", "bytes"])
_HOSTILE_FIELD = st.sampled_from(_HOSTILE)
_TEXT_FIELD = st.text(max_size=8)
_INSERTED_BYTES = st.binary(min_size=1, max_size=3)


@st.composite
def _row(draw: st.DrawFn, layout: str) -> bytes:
    fields = [draw(_GOOD_FIELDS[kind]) for kind in _KINDS[layout]]
    damage = draw(_DAMAGE)
    if damage in ("hostile", "text"):
        position = draw(st.integers(0, len(fields) - 1))
        fields[position] = draw(_HOSTILE_FIELD if damage == "hostile" else _TEXT_FIELD)
    elif damage == "columns":
        if draw(st.booleans()) and len(fields) > 1:
            del fields[draw(st.integers(0, len(fields) - 1))]
        else:
            fields.insert(draw(st.integers(0, len(fields))), draw(_GOOD_FIELDS["int"]))
    if draw(st.booleans()):
        # Cosmetic whitespace the loader must tolerate around numbers.
        position = draw(st.integers(0, len(fields) - 1))
        fields[position] = f" {fields[position]} "
    row = ",".join(fields).encode("utf-8", "surrogatepass")
    if damage == "bytes":
        position = draw(st.integers(0, len(row)))
        row = row[:position] + draw(_INSERTED_BYTES) + row[position:]
    return row


@st.composite
def csv_cases(draw: st.DrawFn) -> CsvCase:
    """A file in one of the layouts, mostly plausible, sometimes hostile."""
    layout = draw(st.sampled_from(sorted(LAYOUTS)))
    zipped = draw(st.integers(0, 19)) == 0
    if draw(st.integers(0, 24)) == 0:
        return CsvCase(layout, draw(st.binary(max_size=200)), zipped)
    rows = draw(st.lists(_row(layout), max_size=12))
    if layout == "liquidationSnapshot" and rows and draw(st.booleans()):
        rows.insert(draw(st.integers(0, len(rows))), draw(st.sampled_from(rows)))
    for _ in range(draw(st.integers(0, 2))):
        rows.insert(draw(st.integers(0, len(rows))), draw(st.sampled_from([b"", b"  ", b"\t"])))
    header = draw(st.sampled_from(["none", "none", "exact", "upper", "bom", "wrong"]))
    names = ",".join(LAYOUTS[layout])
    if header == "exact":
        rows.insert(0, names.encode())
    elif header == "upper":
        rows.insert(0, names.upper().encode())
    elif header == "bom":
        rows.insert(0, b"\xef\xbb\xbf" + names.encode())
    elif header == "wrong":
        rows.insert(0, names.replace("price", "prize").replace("time", "tme").encode() + b",x")
    ending = draw(st.sampled_from([b"\n", b"\r\n"]))
    final_newline = bool(rows) and draw(st.booleans())
    data = ending.join(rows) + (ending if final_newline else b"")
    return CsvCase(layout, data, zipped)


# -- the check -------------------------------------------------------------------------------


def _write(case: CsvCase, directory: Path) -> Path:
    name = f"FUZZ-{case.layout}-case.csv"
    if not case.zipped:
        path = directory / name
        path.write_bytes(case.data)
        return path
    path = directory / f"{name}.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(name, case.data)
    return path


def _events(array: np.ndarray) -> list[Event]:
    fields = ("ts", "exch_ts", "kind", "side", "seq", "p1", "q1", "p2", "q2")
    return [tuple(row) for row in array[list(fields)].tolist()]


def _same(got: list[Event], want: list[Event]) -> bool:
    # -0.0 == 0.0 and every value is finite, so plain equality is exact here.
    return got == want


def check_case(case: CsvCase, directory: Path, report: CsvFuzzReport) -> None:
    """Load ``case`` strictly and skipping; record a finding for any broken promise."""
    report.cases += 1
    path = _write(case, directory)
    expected = expected_outcome(case.layout, case.data)
    where = f"{case.layout}{' (zip)' if case.zipped else ''} {case.data[:300]!r}"
    try:
        events = load_file(path)
    except BadRowError as error:
        prefix = f"{path}:{expected.bad_lines[0]}: " if expected.bad_lines else None
        if prefix is None or not str(error).startswith(prefix):
            report.add_finding(f"strict load raised {error} but expected {prefix!r}: {where}")
        else:
            report.rejected_strict += 1
    except Exception as error:  # noqa: BLE001 -- any other exception is the finding
        report.add_finding(f"strict load raised {type(error).__name__}: {error}: {where}")
    else:
        if expected.bad_lines:
            report.add_finding(f"strict load accepted bad lines {expected.bad_lines}: {where}")
        elif not _same(_events(events), expected.events):
            report.add_finding(f"strict load returned other events than the reference: {where}")
        else:
            report.loaded_clean += 1
    stats = LoadStats()
    try:
        events = load_file(path, skip_bad_rows=True, stats=stats)
    except Exception as error:  # noqa: BLE001
        report.add_finding(f"skipping load raised {type(error).__name__}: {error}: {where}")
        return
    counted = stats.bad_rows.get(str(path), 0)
    duplicates = stats.duplicates.get(str(path), 0)
    if counted != len(expected.bad_lines) or duplicates != expected.duplicates:
        report.add_finding(
            f"skipping load counted {counted} bad and {duplicates} duplicate rows, expected "
            f"{len(expected.bad_lines)} and {expected.duplicates}: {where}"
        )
    elif not _same(_events(events), expected.events):
        report.add_finding(f"skipping load returned other events than the reference: {where}")
    else:
        report.rows_loaded += len(events)
        report.bad_rows_counted += counted
        report.duplicates_counted += duplicates


#: Cases per hypothesis run: its engine remembers every case of a run (a 10k run grew past
#: 600 MB), so a long campaign runs in batches (seed, seed + 1, ...) to keep memory flat.
BATCH = 2_000


def fuzz_csv(cases: int, seed: int, work_dir: Path | None = None) -> CsvFuzzReport:
    """Generate and check ``cases`` files (each loaded strictly and skipping)."""
    report = CsvFuzzReport()
    with tempfile.TemporaryDirectory(dir=work_dir) as directory:
        for batch, start in enumerate(range(0, cases, BATCH)):
            _fuzz_batch(min(BATCH, cases - start), seed + batch, Path(directory), report)
    return report


def _fuzz_batch(cases: int, seed: int, directory: Path, report: CsvFuzzReport) -> None:
    @hypothesis.settings(
        max_examples=cases,
        deadline=None,
        database=None,
        # Findings are recorded, not raised: nothing to shrink, one bug hides no other.
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.seed(seed)
    @given(case=csv_cases())
    def run(case: CsvCase) -> None:
        check_case(case, directory, report)

    run()
