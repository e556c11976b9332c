"""Loaders for the exchange's public CSV layouts (with or without a header row, plain or zip).

A file is recognised by its name, ``<SYMBOL>-<layout>[-anything].csv[.zip]`` as the exchange
publishes it (``BTCUSDT-aggTrades-2024-03-01.csv``). A first line with no number in it is a
header and must name the layout's columns (any case, a byte-order mark allowed). Lines end at
LF (CR LF too), so line numbers are an editor's. Columns are converted whole with numpy; a
row that does not parse (not UTF-8, wrong column count, not a number, beyond 64 bits, not
finite, a negative time) is reported as ``file:line`` and either stops the load
(:class:`BadRowError`, naming the first bad line of the file) or, with ``skip_bad_rows=True``,
is skipped, counted in :class:`LoadStats` and logged -- never dropped silently. Times are
milliseconds; values above 1e14 are microseconds (the exchange's spot files since 2025).
Duplicate rows of liquidationSnapshot files (the exchange publishes some twice) are dropped
and counted. host/reliability/csv_fuzz.py holds these promises against generated files.
"""

import logging
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from host.data.events import LAYOUTS, EventKind, empty_events, merge_events

__all__ = [
    "BadRowError",
    "LoadStats",
    "MarketData",
    "parse_file_name",
    "load_file",
    "load_directory",
    "to_microseconds",
]

logger = logging.getLogger(__name__)

_FILE_NAME = re.compile(r"^(?P<symbol>[A-Z0-9]+)-(?P<layout>[A-Za-z]+)(?:-.*)?\.csv(?:\.zip)?$")
_MICROSECONDS_ABOVE = 1e14
_BOOLEANS = {"true": True, "false": False, "True": True, "False": False}
_SIDES = {"BUY": 1, "SELL": -1}


class BadRowError(ValueError):
    """A row that does not match its layout; the message names the file and line."""


@dataclass
class LoadStats:
    """What a load read, skipped and deduplicated, per file."""

    rows: dict[str, int] = field(default_factory=dict)
    bad_rows: dict[str, int] = field(default_factory=dict)
    duplicates: dict[str, int] = field(default_factory=dict)

    @property
    def total_bad_rows(self) -> int:
        """Bad rows skipped over all files."""
        return sum(self.bad_rows.values())


@dataclass
class MarketData:
    """A merged timeline of events and the symbols their ``sym`` field indexes."""

    events: np.ndarray
    symbols: list[str]
    stats: LoadStats


def parse_file_name(path: Path) -> tuple[str, str] | None:
    """``(symbol, layout)`` of a file named like the exchange's, or None for other files."""
    match = _FILE_NAME.match(path.name)
    if match is None or match["layout"] not in LAYOUTS:
        return None
    return match["symbol"], match["layout"]


def to_microseconds(times: np.ndarray) -> np.ndarray:
    """Exchange times (ms, or us when above 1e14) as integer microseconds."""
    times = np.asarray(times, dtype=np.int64)
    return np.where(times > _MICROSECONDS_ABOVE, times, times * 1000)


def _read_lines(path: Path) -> list[bytes]:
    """The file's lines as bytes, split on LF only (CR LF ends a line too), so that a line
    number is the one an editor shows: ``str.splitlines`` would also split on form feeds and
    other separators that can sit inside a damaged row."""
    if path.suffix == ".zip":
        try:
            with zipfile.ZipFile(path) as archive:
                names = [n for n in archive.namelist() if n.endswith(".csv")]
                if len(names) != 1:
                    raise BadRowError(f"{path}: zip must hold exactly one .csv, not {names!r}")
                data = archive.read(names[0])
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as error:
            raise BadRowError(f"{path}: must be a readable zip archive, not ({error})") from None
    else:
        data = path.read_bytes()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [line[:-1] if line.endswith(b"\r") else line for line in lines]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _looks_like_header(fields: list[str]) -> bool:
    """A first line none of whose fields is a number: a header (right or wrong), not data."""
    return not any(_is_number(text) for text in fields)


class _Table:
    """Split rows of one file, with the original line number of each, for error messages.

    Every problem is recorded per line (the first one found on it); with ``skip_bad_rows``
    the lines are counted and left out, otherwise :meth:`finish` raises for the first one in
    file order, so the error names the line a reader meets first.
    """

    def __init__(self, path: Path, layout: str, skip_bad_rows: bool, stats: LoadStats) -> None:
        self.path = path
        self.layout = layout
        self.columns = LAYOUTS[layout]
        self.skip_bad_rows = skip_bad_rows
        self.stats = stats
        self.bad: set[int] = set()
        self.problems: dict[int, str] = {}
        self.rows: list[list[str]] = []
        self.line_numbers: list[int] = []
        seen: set[bytes] = set()
        duplicates = 0
        for number, raw in enumerate(_read_lines(path), start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]  # a UTF-8 byte-order mark, as spreadsheet programs write
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                self.reject(number, f"row must be UTF-8 text, not {raw!r} ({error.reason})")
                continue
            if not line.strip():
                continue
            fields = line.split(",")
            if number == 1 and _looks_like_header(fields):
                names = tuple(name.strip().lower() for name in fields)
                if names != tuple(name.lower() for name in self.columns):
                    self.reject(1, f"header must be {','.join(self.columns)}, not {line!r}")
                continue
            if layout == "liquidationSnapshot":
                if raw in seen:
                    duplicates += 1
                    continue
                seen.add(raw)
            if len(fields) != len(self.columns):
                self.reject(number, f"row must have {len(self.columns)} columns, not {len(fields)}")
                continue
            self.rows.append(fields)
            self.line_numbers.append(number)
        if duplicates:
            stats.duplicates[str(path)] = duplicates

    def reject(self, line: int, message: str) -> None:
        """Record the first problem of a line."""
        self.problems.setdefault(line, message)

    def finish(self) -> None:
        """Raise for the first bad line, or count and log the bad lines when skipping."""
        if not self.problems:
            return
        first = min(self.problems)
        if not self.skip_bad_rows:
            more = len(self.problems) - 1
            also = f" (and {more} more bad row{'s' if more > 1 else ''})" if more else ""
            raise BadRowError(f"{self.path}:{first}: {self.problems[first]}{also}")
        self.stats.bad_rows[str(self.path)] = len(self.problems)
        for line in sorted(self.problems):
            logger.warning("skipped bad row %s:%d: %s", self.path, line, self.problems[line])

    def column(self, name: str, dtype: type) -> np.ndarray:
        """Column ``name`` converted whole; on failure find and report the bad rows."""
        index = self.columns.index(name)
        values = [row[index] for row in self.rows]
        try:
            array: np.ndarray = np.array(values, dtype=dtype)
        except (ValueError, OverflowError):
            array = self._convert_slowly(name, values, dtype)
        if dtype is float:
            for position in np.flatnonzero(~np.isfinite(array)):
                self._mark_bad(
                    int(position), f"{name} must be a finite number, not {values[position]!r}"
                )
        return array

    def times(self, name: str) -> np.ndarray:
        """Column ``name`` as exchange times: integers, not negative."""
        array = self.column(name, int)
        for position in np.flatnonzero(array < 0):
            text = self.rows[int(position)][self.columns.index(name)]
            self._mark_bad(int(position), f"{name} must be a time since 1970, not {text!r}")
        return to_microseconds(np.where(array < 0, 0, array))

    def _convert_slowly(self, name: str, values: list[str], dtype: type) -> np.ndarray:
        array: np.ndarray = np.zeros(len(values), dtype=dtype)
        for position, text in enumerate(values):
            try:
                array[position] = dtype(text)
            except ValueError:
                self._mark_bad(position, f"{name} must be {dtype.__name__}, not {text!r}")
            except OverflowError:
                self._mark_bad(position, f"{name} must fit in 64 bits, not {text!r}")
        return array

    def mapped(self, name: str, mapping: Mapping[str, int | bool], what: str) -> np.ndarray:
        """Column ``name`` through ``mapping`` (booleans, sides); unknown text is a bad row."""
        index = self.columns.index(name)
        result = np.zeros(len(self.rows), dtype=np.int64)
        for position, row in enumerate(self.rows):
            value = mapping.get(row[index].strip())
            if value is None:
                self._mark_bad(position, f"{name} must be {what}, not {row[index]!r}")
            else:
                result[position] = int(value)
        return result

    def _mark_bad(self, position: int, message: str) -> None:
        if position not in self.bad:
            self.reject(self.line_numbers[position], message)
            self.bad.add(position)

    def keep(self) -> np.ndarray:
        """Boolean mask of rows that parsed."""
        mask = np.ones(len(self.rows), dtype=bool)
        if self.bad:
            mask[sorted(self.bad)] = False
        return mask


def load_file(
    path: Path | str, *, sym: int = 0, skip_bad_rows: bool = False, stats: LoadStats | None = None
) -> np.ndarray:
    """Load one CSV file in one of the exchange's layouts into an event array.

    Parameters
    ----------
    path : Path or str
        A file named ``<SYMBOL>-<layout>...csv[.zip]``.
    sym : int
        Value of the ``sym`` field of every event (the symbol's index in the data set).
    skip_bad_rows : bool
        Skip and count rows that do not parse instead of raising.
    stats : LoadStats, optional
        Receives row, bad-row and duplicate counts.

    Raises
    ------
    BadRowError
        A bad row (``file:line: what``) when ``skip_bad_rows`` is false.
    ValueError
        The file name does not name a known layout.
    """
    path = Path(path)
    stats = stats if stats is not None else LoadStats()
    parsed = parse_file_name(path)
    if parsed is None:
        raise ValueError(
            f"File name must be <SYMBOL>-<layout>...csv with layout in {sorted(LAYOUTS)}, "
            f"not {path.name!r}"
        )
    layout = parsed[1]
    table = _Table(path, layout, skip_bad_rows, stats)
    events = empty_events(len(table.rows))
    events["sym"] = sym
    if layout in ("aggTrades", "trades"):
        id_column, qty_column, time_column = (
            ("agg_trade_id", "quantity", "transact_time")
            if layout == "aggTrades"
            else ("id", "qty", "time")
        )
        events["kind"] = EventKind.TRADE
        events["seq"] = table.column(id_column, int)
        events["p1"] = table.column("price", float)
        events["q1"] = table.column(qty_column, float)
        times = table.times(time_column)
        events["ts"] = times
        events["exch_ts"] = times
        # is_buyer_maker true means the resting order was the buyer: the taker sold.
        events["side"] = np.where(table.mapped("is_buyer_maker", _BOOLEANS, "true/false"), -1, 1)
    elif layout == "bookTicker":
        events["kind"] = EventKind.QUOTE
        events["seq"] = table.column("update_id", int)
        events["p1"] = table.column("best_bid_price", float)
        events["q1"] = table.column("best_bid_qty", float)
        events["p2"] = table.column("best_ask_price", float)
        events["q2"] = table.column("best_ask_qty", float)
        events["exch_ts"] = table.times("transaction_time")
        events["ts"] = table.times("event_time")
    else:
        events["kind"] = EventKind.LIQUIDATION
        times = table.times("time")
        events["ts"] = times
        events["exch_ts"] = times
        events["side"] = table.mapped("side", _SIDES, "BUY or SELL")
        average = table.column("average_price", float)
        price = table.column("price", float)
        events["p1"] = np.where(average > 0, average, price)
        last = table.column("last_fill_quantity", float)
        accumulated = table.column("accumulated_fill_quantity", float)
        events["q1"] = np.where(last > 0, last, accumulated)
    table.finish()
    events = events[table.keep()]
    stats.rows[str(path)] = len(events)
    return events


def load_directory(
    path: Path | str, *, symbols: Sequence[str] | None = None, skip_bad_rows: bool = False
) -> MarketData:
    """Load every recognised CSV file under ``path`` into one timeline.

    Parameters
    ----------
    path : Path or str
        A directory (searched recursively) or a single file.
    symbols : sequence of str, optional
        Only these symbols, in this order (their ``sym`` index); default: all found, sorted.
    skip_bad_rows : bool
        Skip and count bad rows instead of raising :class:`BadRowError`.

    Raises
    ------
    ValueError
        No recognised file, or a requested symbol has none.
    """
    root = Path(path)
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    found: dict[str, list[Path]] = {}
    for file in files:
        parsed = parse_file_name(file)
        if parsed is not None:
            found.setdefault(parsed[0], []).append(file)
    if not found:
        raise ValueError(
            f"Data directory must hold files named <SYMBOL>-<layout>...csv, not none in {root}"
        )
    wanted = list(symbols) if symbols else sorted(found)
    missing = [symbol for symbol in wanted if symbol not in found]
    if missing:
        raise ValueError(f"Symbols must have data in {root}, not {missing!r}")
    stats = LoadStats()
    parts = [
        load_file(file, sym=index, skip_bad_rows=skip_bad_rows, stats=stats)
        for index, symbol in enumerate(wanted)
        for file in found[symbol]
    ]
    if stats.total_bad_rows:
        logger.warning("skipped %d bad rows in %s", stats.total_bad_rows, root)
    return MarketData(merge_events(parts), wanted, stats)
