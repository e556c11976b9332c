"""Loaders for the exchange's CSV layouts: good rows, header or not, us times, zip, dedupe,
and bad rows (a clear file:line error, or skipped and counted)."""

import zipfile
from pathlib import Path

import numpy as np
import pytest

from host.data.events import EventKind
from host.data.loaders import BadRowError, LoadStats, load_directory, load_file, parse_file_name

AGG_HEADER = "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_load_file_when_agg_trades_with_header_then_parses_every_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "BTCUSDT-aggTrades-2024-03-01.csv",
        f"{AGG_HEADER}\n1,43000.5,0.25,10,12,1709251200000,true\n2,43001.0,1.5,13,13,1709251200001,false\n",
    )
    events = load_file(path, sym=3)
    assert events["kind"].tolist() == [EventKind.TRADE] * 2
    assert events["sym"].tolist() == [3, 3]
    assert events["seq"].tolist() == [1, 2]
    assert events["p1"].tolist() == [43000.5, 43001.0]
    assert events["q1"].tolist() == [0.25, 1.5]
    assert events["ts"].tolist() == [1709251200000_000, 1709251200001_000]
    assert events["side"].tolist() == [-1, 1]  # buyer is maker: the taker sold


def test_load_file_when_no_header_then_same_result(tmp_path: Path) -> None:
    body = "1,43000.5,0.25,10,12,1709251200000,true\n"
    with_header = load_file(write(tmp_path, "A-aggTrades-x.csv", f"{AGG_HEADER}\n{body}"))
    without = load_file(write(tmp_path, "B-aggTrades-x.csv", body))
    assert with_header.tobytes() == without.tobytes()


def test_load_file_when_times_above_1e14_then_treated_as_microseconds(tmp_path: Path) -> None:
    path = write(tmp_path, "X-trades-1.csv", "7,10.0,1.0,10.0,1709251200000123,false\n")
    assert load_file(path)["ts"].tolist() == [1709251200000123]


def test_load_file_when_book_ticker_then_event_time_orders_and_transaction_time_is_exchange(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        "X-bookTicker-1.csv",
        "update_id,best_bid_price,best_bid_qty,best_ask_price,best_ask_qty,transaction_time,event_time\n"
        "5,99.9,1.0,100.1,2.0,1000,1004\n",
    )
    (event,) = load_file(path).tolist()
    ts, exch_ts, kind, _, _, seq, bid, bid_qty, ask, ask_qty = event
    assert (ts, exch_ts, kind, seq) == (1_004_000, 1_000_000, EventKind.QUOTE, 5)
    assert (bid, bid_qty, ask, ask_qty) == (99.9, 1.0, 100.1, 2.0)


def test_load_file_when_liquidation_snapshot_duplicates_then_deduplicated_and_counted(
    tmp_path: Path,
) -> None:
    row = "1000,SELL,LIMIT,IOC,2.0,95.0,99.5,FILLED,2.0,2.0"
    path = write(
        tmp_path,
        "X-liquidationSnapshot-1.csv",
        f"{row}\n{row}\n2000,BUY,LIMIT,IOC,1,105,0,FILLED,0,1\n",
    )
    stats = LoadStats()
    events = load_file(path, stats=stats)
    assert stats.duplicates == {str(path): 1}
    assert events["side"].tolist() == [-1, 1]
    # average price when given, else the order price; last fill qty, else accumulated
    assert events["p1"].tolist() == [99.5, 105.0]
    assert events["q1"].tolist() == [2.0, 1.0]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("1,43000.5,0.25,10,12,1709251200000", r"row must have 7 columns, not 6"),
        ("1,abc,0.25,10,12,1709251200000,true", r"price must be float, not 'abc'"),
        ("1,nan,0.25,10,12,1709251200000,true", r"price must be a finite number, not 'nan'"),
        (
            "1,43000.5,0.25,10,12,1709251200000,maybe",
            r"is_buyer_maker must be true/false, not 'maybe'",
        ),
        ("x1,43000.5,0.25,10,12,1709251200000,true", r"agg_trade_id must be int, not 'x1'"),
    ],
)
def test_load_file_when_bad_row_then_error_names_file_and_line(
    tmp_path: Path, row: str, message: str
) -> None:
    good = "1,43000.5,0.25,10,12,1709251200000,true"
    path = write(tmp_path, "X-aggTrades-1.csv", f"{AGG_HEADER}\n{good}\n{row}\n")
    with pytest.raises(BadRowError, match=rf"^{path}:3: {message}$"):
        load_file(path)


def test_load_file_when_skipping_bad_rows_then_keeps_good_and_counts_bad(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "X-aggTrades-1.csv",
        "1,10.0,1,1,1,1000,true\n2,oops,1,1,1,1001,true\n3,11.0,1,1,1,1002\n4,12.0,1,1,1,1003,false\n",
    )
    stats = LoadStats()
    events = load_file(path, skip_bad_rows=True, stats=stats)
    assert events["seq"].tolist() == [1, 4]
    assert stats.bad_rows == {str(path): 2}
    assert stats.total_bad_rows == 2


def test_load_file_when_zip_then_reads_the_csv_inside(tmp_path: Path) -> None:
    path = tmp_path / "X-trades-1.csv.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("X-trades-1.csv", "7,10.0,1.0,10.0,1000,false\n")
    assert load_file(path)["p1"].tolist() == [10.0]


def test_load_file_when_name_unknown_then_raises(tmp_path: Path) -> None:
    path = write(tmp_path, "notes.csv", "")
    with pytest.raises(ValueError, match=r"^File name must be <SYMBOL>-<layout>"):
        load_file(path)


def test_parse_file_name_when_exchange_names_then_symbol_and_layout() -> None:
    assert parse_file_name(Path("BTCUSDT-bookTicker-2024-03-01.csv")) == ("BTCUSDT", "bookTicker")
    assert parse_file_name(Path("ETHUSDT-liquidationSnapshot-2024-03.csv.zip")) == (
        "ETHUSDT",
        "liquidationSnapshot",
    )
    assert parse_file_name(Path("BTCUSDT-klines-1m.csv")) is None


def test_load_directory_when_several_files_then_one_timeline_by_receive_time(
    tmp_path: Path,
) -> None:
    write(tmp_path, "BBB-trades-1.csv", "1,10.0,1.0,10.0,2000,false\n")
    write(tmp_path, "AAA-trades-1.csv", "1,20.0,1.0,20.0,1000,false\n3,21.0,1.0,21.0,3000,false\n")
    write(tmp_path, "AAA-bookTicker-1.csv", "9,19.9,1,20.1,1,2999,3000\n")
    data = load_directory(tmp_path)
    assert data.symbols == ["AAA", "BBB"]
    assert data.events["ts"].tolist() == [1_000_000, 2_000_000, 3_000_000, 3_000_000]
    # at equal times quotes come before trades
    assert data.events["kind"].tolist() == [
        EventKind.TRADE,
        EventKind.TRADE,
        EventKind.QUOTE,
        EventKind.TRADE,
    ]
    assert data.events["sym"].tolist() == [0, 1, 0, 0]
    assert np.all(np.diff(data.events["ts"]) >= 0)


def test_load_directory_when_symbol_missing_then_raises(tmp_path: Path) -> None:
    write(tmp_path, "AAA-trades-1.csv", "1,20.0,1.0,20.0,1000,false\n")
    with pytest.raises(ValueError, match=r"^Symbols must have data in .*, not \['ZZZ'\]$"):
        load_directory(tmp_path, symbols=["ZZZ"])


def test_load_directory_when_empty_then_raises(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"^Data directory must hold files named"):
        load_directory(tmp_path)
