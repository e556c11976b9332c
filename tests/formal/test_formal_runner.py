"""The formal flow end to end on a tiny kill latch: proofs pass, covers reach, bugs are caught."""

from pathlib import Path

import pytest
from amaranth.asserts import AnySeq, Initial
from amaranth.hdl import Assert, Assume, Cover, Elaboratable, Module, ResetSignal, Signal

from sim.formal.runner import FormalToolError, Mode, Outcome, run_check


class KillLatch(Elaboratable):
    """Accepts a request one cycle later unless the kill latch was set; ARM clears the latch.

    ``skip_kill=True`` is the injected fault: the accept path forgets the latch.
    """

    def __init__(self, *, skip_kill: bool = False) -> None:
        self.kill = Signal()
        self.arm = Signal()
        self.request = Signal()
        self.accept = Signal()
        self.killed = Signal(init=1)
        self.skip_kill = skip_kill

    def elaborate(self, platform: object) -> Module:
        m = Module()
        with m.If(self.kill):
            m.d.sync += self.killed.eq(1)
        with m.Elif(self.arm):
            m.d.sync += self.killed.eq(0)
        gate = 1 if self.skip_kill else ~self.killed
        m.d.sync += self.accept.eq(self.request & gate)
        return m


class KillLatchSpec(Elaboratable):
    """No accept may follow a cycle in which the latch was set (kept as a shadow register)."""

    def __init__(self, dut: KillLatch) -> None:
        self.dut = dut

    def elaborate(self, platform: object) -> Module:
        m = Module()
        m.submodules.dut = dut = self.dut
        m.d.comb += [dut.kill.eq(AnySeq(1)), dut.arm.eq(AnySeq(1)), dut.request.eq(AnySeq(1))]
        m.d.comb += Assume(ResetSignal() == Initial())
        killed_before = Signal(init=1)
        m.d.sync += killed_before.eq(dut.killed)
        m.d.comb += Assert(~(dut.accept & killed_before))
        m.d.comb += Cover(dut.accept)
        return m


@pytest.mark.parametrize("mode", [Mode.PROVE, Mode.BMC])
def test_run_check_when_the_latch_is_correct_then_the_property_holds(mode: Mode, tmp_path: Path):
    result = run_check(
        KillLatchSpec(KillLatch()), name="latch", mode=mode, depth=8, workdir=tmp_path
    )

    assert result.outcome is (Outcome.PROVEN if mode is Mode.PROVE else Outcome.BOUNDED)
    assert result.ok
    assert result.failed_assertions == ()
    assert result.trace is None


def test_run_check_when_the_latch_skips_the_kill_then_a_counterexample_names_the_assertion(
    tmp_path: Path,
):
    result = run_check(
        KillLatchSpec(KillLatch(skip_kill=True)),
        name="latch_fault",
        mode=Mode.PROVE,
        depth=8,
        workdir=tmp_path,
    )

    assert result.outcome is Outcome.FAILED
    assert not result.ok
    assert len(result.failed_assertions) == 1
    assert "test_formal_runner.py:" in result.failed_assertions[0]
    assert result.trace is not None and result.trace.read_text().startswith("$")
    assert "accept" in result.trace.read_text()


def test_run_check_when_cover_mode_then_the_accept_is_reachable(tmp_path: Path):
    result = run_check(
        KillLatchSpec(KillLatch()), name="latch_cover", mode=Mode.COVER, depth=8, workdir=tmp_path
    )

    assert result.outcome is Outcome.COVERED


def test_run_check_when_an_assumption_excludes_the_cover_then_cover_mode_fails(tmp_path: Path):
    class Vacuous(KillLatchSpec):
        def elaborate(self, platform: object) -> Module:
            m = super().elaborate(platform)
            m.d.comb += Assume(~self.dut.request)
            return m

    result = run_check(
        Vacuous(KillLatch()), name="latch_vacuous", mode=Mode.COVER, depth=8, workdir=tmp_path
    )

    assert result.outcome is Outcome.FAILED
    assert result.failed_assertions


def test_run_check_when_the_initial_state_is_freed_then_the_extra_script_applies(tmp_path: Path):
    # Arrange: with `accept` starting from any value, "no accept at reset" no longer holds.
    class AcceptAtReset(KillLatchSpec):
        def elaborate(self, platform: object) -> Module:
            m = super().elaborate(platform)
            m.d.comb += Assert(~(Initial() & self.dut.accept))
            return m

    def check(extra: tuple[str, ...], name: str) -> Outcome:
        harness = AcceptAtReset(KillLatch())
        return run_check(
            harness, name=name, mode=Mode.BMC, depth=2, workdir=tmp_path, extra_script=extra
        ).outcome

    assert check((), "fixed") is Outcome.BOUNDED
    assert check(("flatten", "setattr -unset init top/w:dut.accept"), "freed") is Outcome.FAILED


def test_run_check_when_the_script_is_broken_then_it_raises_formal_tool_error(tmp_path: Path):
    with pytest.raises(FormalToolError, match=r"^SymbiYosys exited with"):
        run_check(
            KillLatchSpec(KillLatch()),
            name="broken",
            mode=Mode.BMC,
            depth=2,
            workdir=tmp_path,
            extra_script=("no_such_yosys_command",),
        )


# The harness is refused before it is elaborated, which Amaranth would warn about.
@pytest.mark.filterwarnings("ignore::amaranth.hdl.UnusedElaboratable")
@pytest.mark.parametrize(
    ("name", "depth", "message"),
    [
        ("a b", 1, r"^Check name must be letters, digits, '_' or '-', not 'a b'$"),
        ("ok", 0, r"^Check depth must be a positive integer, not 0$"),
    ],
)
def test_run_check_when_arguments_are_malformed_then_value_error(
    name: str, depth: int, message: str, tmp_path: Path
):
    with pytest.raises(ValueError, match=message):
        run_check(
            KillLatchSpec(KillLatch()), name=name, mode=Mode.BMC, depth=depth, workdir=tmp_path
        )
