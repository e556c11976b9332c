"""The committed bitstreams match the gateware in this checkout (no synthesis: hashes only).

A bitstream built from older gateware would put a different guard on the board than the one
the simulations verified. These tests fail as soon as anything under ``hdl/`` changes without
``make bitstream BOARD=...`` being run and its output committed. A board the gateware does not
fit has a committed "does not fit" report instead of a bitstream, held to the same rule.
"""

import hashlib

import pytest

from host.boards.build import build_paths
from host.boards.catalog import BOARDS
from host.boards.report import BoardReport, UnfitReport, read_report
from host.boards.source_hash import source_sha256


@pytest.mark.parametrize("board", sorted(BOARDS))
def test_committed_output_is_built_from_the_current_gateware(board: str) -> None:
    paths = build_paths(BOARDS[board])
    assert (paths.output / "report.json").is_file(), (
        f"bitstreams/{board}/report.json is missing: run `make bitstream BOARD={board}` and "
        f"commit bitstreams/{board}/"
    )
    report = read_report(paths.output)
    current = source_sha256()
    assert report.source_sha256 == current, (
        f"bitstreams/{board} is stale: it was built from gateware {report.source_sha256[:12]}, "
        f"but hdl/ now hashes to {current[:12]}. Run `make bitstream BOARD={board}` and commit "
        f"bitstreams/{board}/ so that nobody flashes an old design."
    )


@pytest.mark.parametrize("board", sorted(BOARDS))
def test_committed_report_describes_the_committed_bitstream(board: str) -> None:
    spec = BOARDS[board]
    paths = build_paths(spec)
    report = read_report(paths.output)
    assert report.board == board
    assert report.variant == spec.default_variant
    if isinstance(report, UnfitReport):
        assert not paths.bitstream.exists(), (
            f"bitstreams/{board} says the design does not fit, yet holds {paths.bitstream.name}"
        )
        assert report.luts_needed > report.luts_total or report.dsp_needed > report.dsp_total
        return
    assert isinstance(report, BoardReport)
    bitstream = paths.bitstream.read_bytes()
    assert report.bitstream == paths.bitstream.name
    assert report.bitstream_sha256 == hashlib.sha256(bitstream).hexdigest(), (
        f"bitstreams/{board}/{paths.bitstream.name} does not match its report.json: "
        f"run `make bitstream BOARD={board}` and commit both"
    )
    assert report.timing_met, f"bitstreams/{board} misses timing: it must never be committed"
    assert report.clock_mhz * 1e6 == spec.default_clock_hz
