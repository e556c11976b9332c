"""The gateware property suite (P1-P6) on the real decoder and core, and on injected faults.

The suite runs here at a shallow depth so that `make test` stays affordable on 2 shared cores;
`python -m sim.formal` (make formal) runs it to 40 cycles.
"""

import json
from pathlib import Path

import pytest

from sim.formal.guard_props import FREE_INIT_PATTERNS, GuardCoreSpec, GuardProperty, find_signals
from sim.formal.mutants import MUTANTS, Mutant, load_mutant
from sim.formal.runner import Outcome
from sim.formal.suite import property_checks, run_property, run_suite

#: Shallow but not trivial: an ORDER beat and its verdict fit twice.
TEST_DEPTH = 10


@pytest.mark.parametrize("check", property_checks(), ids=lambda check: check.id)
def test_property_when_checked_on_the_real_gateware_then_it_holds_and_its_covers_are_reached(
    check, tmp_path: Path
):
    result = run_property(check, depth=TEST_DEPTH, workdir=tmp_path)

    assert result.outcome in (Outcome.PROVEN, Outcome.BOUNDED), result.as_json()
    modes = [str(c.mode) for c in result.checks]
    assert modes[-1] == "cover"
    assert result.checks[-1].outcome is Outcome.COVERED


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda mutant: mutant.name)
def test_property_when_a_fault_is_injected_then_it_fails_with_a_counterexample(
    mutant: Mutant, tmp_path: Path
):
    # Arrange: a mutated copy of the module in a temporary folder; hdl/ is never edited.
    cls = load_mutant(mutant, tmp_path / "src")
    key = "decoder_class" if mutant.class_name == "FrameDecoder" else "core_class"
    check = next(c for c in property_checks(**{key: cls}) if c.id == mutant.caught_by)

    # Act
    result = run_property(check, depth=TEST_DEPTH, workdir=tmp_path / "run", cover=False)

    # Assert
    assert result.outcome is Outcome.FAILED
    failing = result.checks[-1]
    assert failing.failed_assertions, failing
    assert all("_props.py:" in where for where in failing.failed_assertions)
    assert failing.trace is not None and failing.trace.stat().st_size > 0


def test_run_suite_when_run_then_summary_json_counts_every_property(tmp_path: Path):
    # P4 alone keeps this fast; the counting is the same for six.
    checks = [check for check in property_checks() if check.id == "P4"]

    summary = run_suite(checks, depth=TEST_DEPTH, workdir=tmp_path)

    on_disk = json.loads((tmp_path / "summary.json").read_text())
    assert on_disk == summary
    assert summary["properties"] == 1
    assert summary["proven"] + summary["bounded"] + summary["failed"] == 1
    assert summary["failed"] == 0
    assert summary["depth"] == TEST_DEPTH
    assert set(summary["results"]) == {"P4"}
    assert summary["results"]["P4"]["checks"][0]["mode"] == "bmc"


def test_load_mutant_when_the_text_is_absent_then_value_error(tmp_path: Path):
    mutant = Mutant("gone", "hdl.framing", "FrameDecoder", "no such text", "", "P4", "none")

    with pytest.raises(
        ValueError, match=r"^Mutation text of gone must occur once in hdl.framing, not 0 times$"
    ):
        load_mutant(mutant, tmp_path)


# The core is elaborated only to read its register names.
@pytest.mark.filterwarnings("ignore::amaranth.hdl.UnusedElaboratable")
def test_find_signals_when_a_name_is_missing_then_key_error():
    spec = GuardCoreSpec(GuardProperty.P6)
    core = spec.dut.elaborate(None)
    spec.dut._MustUse__silence = True

    with pytest.raises(KeyError, match="no_such_register"):
        find_signals(core, ["state", "no_such_register"])


# The core is elaborated only to read its register names.
@pytest.mark.filterwarnings("ignore::amaranth.hdl.UnusedElaboratable")
def test_free_init_patterns_when_matched_against_the_core_then_each_names_a_register():
    import fnmatch

    spec = GuardCoreSpec(GuardProperty.P6)
    core = spec.dut.elaborate(None)
    spec.dut._MustUse__silence = True
    names = set()
    for statements in core._statements.values():
        for statement in statements:
            names.update(signal.name for signal in statement._lhs_signals())
    for pattern in FREE_INIT_PATTERNS:
        assert fnmatch.filter(names, pattern), pattern
