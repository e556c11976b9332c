"""``build_bitstream`` end to end with the YoWASP tools, on a tiny stand-in guard.

The real guard's bitstreams are built by ``make bitstream`` and checked for staleness by
tests/bitstreams; here a stand-in keeps synthesis to seconds while exercising the whole flow:
PLL, pins, nextpnr report, output files and the timing gate.
"""

import hashlib
import json
from pathlib import Path

import pytest
from amaranth.hdl import Cat, Elaboratable, Module, Signal

from host.boards.build import BuildError, build_bitstream, build_paths
from host.boards.catalog import BOARDS
from host.boards.logic_by_register import LOGIC_CELL_KINDS
from host.boards.report import UnfitReport, read_report
from host.boards.source_hash import repository_root, source_sha256

pytestmark = pytest.mark.slow

LATENCY = 4


class EchoGuard(Elaboratable):
    """A stand-in for the guard: echoes rx to tx and shows HALTED while killed."""

    def __init__(self, *, clock_hz: int, time_unit_cycles: int, baud: int) -> None:
        self.rx = Signal(init=1)
        self.tx = Signal(init=1)
        self.i_kill_button = Signal()
        self.o_state = Signal(2)

    def elaborate(self, platform: object) -> Module:
        m = Module()
        m.d.sync += [self.tx.eq(self.rx), self.o_state.eq(self.i_kill_button * 3)]
        return m


class HugeGuard(EchoGuard):
    """A stand-in that cannot fit an iCE40UP5K: more flip-flops than its 5280 cells.

    Many short shift registers rather than one long one (Yosys' WebAssembly build runs out of
    stack sorting a 6000-cell chain). Each is fed by a different function of rx and a counter:
    chains fed by mere delays of one another would be merged into one by Yosys.
    """

    CHAINS, LENGTH = 48, 125

    def elaborate(self, platform: object) -> Module:
        m = Module()
        counter = Signal(range(self.CHAINS + 1).stop.bit_length())
        m.d.sync += counter.eq(counter + 1)
        ends = []
        for index in range(1, self.CHAINS + 1):
            feed = Cat(self.rx, *(counter[b] for b in range(len(counter)) if index >> b & 1))
            chain = Signal(self.LENGTH, name=f"chain{index}")
            m.d.sync += chain.eq(Cat(feed.xor(), chain[:-1]))
            ends.append(chain[-1])
        m.d.sync += self.tx.eq(Cat(*ends).xor())
        return m


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "hdl").mkdir()
    (tmp_path / "hdl" / "standin.py").write_text("ECHO = True\n")
    # Reuse the checkout's compiled WebAssembly (a fresh cache costs a minute per tool).
    cache = repository_root() / "build" / "yowasp-cache"
    monkeypatch.setenv("YOWASP_CACHE_DIR", str(cache))
    return tmp_path


def test_icebreaker_build_writes_bitstream_and_report(root: Path) -> None:
    spec = BOARDS["icebreaker"]
    report = build_bitstream(
        spec, guard_factory=EchoGuard, latency_cycles=LATENCY, root=root, clock_hz=18_000_000
    )
    paths = build_paths(spec, root=root)
    bitstream = paths.bitstream.read_bytes()
    assert paths.bitstream == root / "bitstreams" / "icebreaker" / "guard.bin"
    assert read_report(paths.output) == report
    assert (paths.output / "report.txt").read_text().startswith("Quantum HFT guard bitstream")
    assert report.source_sha256 == source_sha256(root)
    assert report.bitstream_sha256 == hashlib.sha256(bitstream).hexdigest()
    assert report.bitstream_bytes == len(bitstream)
    assert report.device == "iCE40UP5K"
    assert report.clock_mhz == 18.0
    assert report.time_unit_cycles == 18
    assert report.luts_total == 5280
    assert 0 < report.luts_used < report.luts_total
    assert report.timing_met and report.fmax_mhz >= 18.0
    assert report.verdict_latency_cycles == LATENCY
    assert report.verdict_latency_ns == round(LATENCY * 1e3 / report.fmax_mhz, 1)
    assert report.verdict_latency_ns_at_clock == round(LATENCY * 1e3 / 18.0, 1)


def test_a_bitstream_that_misses_timing_is_not_published(root: Path) -> None:
    spec = BOARDS["icebreaker"]
    with pytest.raises(BuildError, match=r"^Timing must be met, not fmax .* < clock 192\.00 MHz"):
        build_bitstream(
            spec, guard_factory=EchoGuard, latency_cycles=LATENCY, root=root, clock_hz=192_000_000
        )
    assert not build_paths(spec, root=root).bitstream.exists()


def test_a_smaller_ulx3s_goes_to_the_build_folder_with_module_stats(root: Path) -> None:
    spec = BOARDS["ulx3s"]
    report = build_bitstream(
        spec,
        variant="12F",
        guard_factory=EchoGuard,
        latency_cycles=LATENCY,
        root=root,
        module_stats=True,
    )
    paths = build_paths(spec, "12F", root=root)
    assert paths.bitstream == root / "build" / "bitstreams" / "ulx3s-12f" / "guard.bit"
    assert paths.bitstream.is_file()
    assert not (root / "bitstreams" / "ulx3s").exists()
    assert report.device == "LFE5U-12F"
    assert report.timing_met
    assert report.module_cells["top.kill_switch"]["ff"] > 0
    assert "top.rx_stretch" in report.module_cells
    # every logic cell of the netlist is charged to some register (rounding aside)
    netlist = json.loads((paths.work / "top.json").read_text())
    logic = sum(
        cell["type"] in LOGIC_CELL_KINDS for cell in netlist["modules"]["top"]["cells"].values()
    )
    charged = sum(sum(kinds.values()) for kinds in report.logic_by_register.values())
    assert abs(charged - logic) <= len(report.logic_by_register)
    assert "kill_switch.count" in report.logic_by_register


def test_a_design_that_does_not_fit_replaces_the_bitstream_with_a_breakdown(root: Path) -> None:
    spec = BOARDS["icebreaker"]
    paths = build_paths(spec, root=root)
    paths.output.mkdir(parents=True)
    paths.bitstream.write_bytes(b"an old design")
    with pytest.raises(
        BuildError, match=r"^The design must fit the iCE40UP5K, not need \d+ of 5280"
    ):
        build_bitstream(spec, guard_factory=HugeGuard, latency_cycles=LATENCY, root=root)
    assert not paths.bitstream.exists()
    report = read_report(paths.output)
    assert isinstance(report, UnfitReport)
    assert report.luts_needed > report.luts_total == 5280
    assert report.source_sha256 == source_sha256(root)
    assert report.module_cells["top.guard"]["ff"] >= HugeGuard.CHAINS * HugeGuard.LENGTH
    assert any(name.startswith("guard.chain") for name in report.logic_by_register)
    text = (paths.output / "report.txt").read_text()
    assert "DOES NOT FIT" in text
    assert "logic by register" in text
