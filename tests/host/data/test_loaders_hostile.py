"""Loader regressions found by the CSV fuzz (host/reliability/csv_fuzz.py): each used to end
in another exception type, a wrong line number, or a row dropped without a word."""

import zipfile
from pathlib import Path

import pytest

from host.data.loaders import BadRowError, LoadStats, load_file

GOOD = "1,10.0,1.0,10.0,1000,false"
HEADER = "id,price,qty,quote_qty,time,is_buyer_maker"


def write(tmp_path: Path, data: bytes, name: str = "X-trades-1.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_load_file_when_id_beyond_int64_then_bad_row_not_overflow_error(tmp_path: Path) -> None:
    path = write(tmp_path, f"{GOOD}\n99999999999999999999,1,1,1,1,true\n".encode())

    with pytest.raises(BadRowError, match=rf"^{path}:2: id must fit in 64 bits, not '9+'$"):
        load_file(path)


def test_load_file_when_time_negative_then_bad_row(tmp_path: Path) -> None:
    # -9e18 ms times 1000 used to wrap around int64 into a plausible-looking time.
    path = write(tmp_path, f"{GOOD}\n2,1,1,1,-9000000000000000000,true\n".encode())

    with pytest.raises(BadRowError, match=rf"^{path}:2: time must be a time since 1970"):
        load_file(path)


def test_load_file_when_a_row_is_not_utf8_then_its_line_is_named_or_skipped(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, f"{GOOD}\n2,1\xff,1,1,1000,true\n{GOOD}\n".encode("latin-1"))

    with pytest.raises(BadRowError, match=rf"^{path}:2: row must be UTF-8 text"):
        load_file(path)
    stats = LoadStats()
    assert len(load_file(path, skip_bad_rows=True, stats=stats)) == 2
    assert stats.bad_rows == {str(path): 1}


def test_load_file_when_first_row_has_a_bad_id_then_reported_not_taken_for_a_header(
    tmp_path: Path,
) -> None:
    # It used to be read as a header (first field not a number) and vanish.
    path = write(tmp_path, f"x1,10.0,1.0,10.0,1000,false\n{GOOD}\n".encode())

    with pytest.raises(BadRowError, match=rf"^{path}:1: id must be int, not 'x1'$"):
        load_file(path)


def test_load_file_when_header_names_are_wrong_then_error_shows_the_right_ones(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, f"{HEADER.replace('qty', 'size')}\n{GOOD}\n".encode())

    with pytest.raises(BadRowError, match=rf"^{path}:1: header must be {HEADER}, not "):
        load_file(path)


@pytest.mark.parametrize("header", [HEADER.upper(), "\ufeff" + HEADER, f" {HEADER} "])
def test_load_file_when_header_in_capitals_or_with_bom_then_accepted(
    tmp_path: Path, header: str
) -> None:
    path = write(tmp_path, f"{header}\r\n{GOOD}\r\n".encode())

    assert load_file(path)["seq"].tolist() == [1]


def test_load_file_when_a_form_feed_sits_in_a_row_then_line_numbers_stay_true(
    tmp_path: Path,
) -> None:
    # str.splitlines split that row in two and every later line number was off by one.
    path = write(tmp_path, f"{GOOD}\n2,1\x0c,1,1,1000,true\n3,oops,1,1,1000,true\n".encode())

    # float() reads "1\x0c" as 1.0 (trailing whitespace): line 2 is good, line 3 is bad.
    with pytest.raises(BadRowError, match=rf"^{path}:3: price must be float, not 'oops'$"):
        load_file(path)


def test_load_file_when_several_bad_rows_then_the_first_in_the_file_is_named(
    tmp_path: Path,
) -> None:
    # Line 3's bad price used to be reported before line 2's bad time (column order).
    rows = [GOOD, "2,1,1,1,soon,true", "3,oops,1,1,1000,true", "4,1,1,1,1000"]
    path = write(tmp_path, "\n".join(rows).encode())

    with pytest.raises(
        BadRowError, match=rf"^{path}:2: time must be int.* \(and 2 more bad rows\)$"
    ):
        load_file(path)


def test_load_file_when_only_blank_lines_then_no_events(tmp_path: Path) -> None:
    assert len(load_file(write(tmp_path, b"  \n\n\t\n"))) == 0


def test_load_file_when_zip_is_corrupt_then_bad_row_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "X-trades-1.csv.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("X-trades-1.csv", GOOD)
    path.write_bytes(path.read_bytes()[:30])

    with pytest.raises(BadRowError, match=rf"^{path}: must be a readable zip archive"):
        load_file(path)
