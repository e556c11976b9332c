"""The gateware property suite (P1-P6) on the real decoder and core, and on injected faults.

`make test` checks the core at a reduced size (1 instrument, 2 order slots: the same
parametric gateware) so that it stays affordable on 2 shared cores, and the decoder's
bounded part to a shallow depth; `python -m sim.formal` (make formal) runs the full-size core
and 40 cycles.
"""

import json
from pathlib import Path

import pytest
from amaranth.hdl import Module

from sim.formal.bad_frame_props import BAD_FRAME_REACH
from sim.formal.guard_props import (
    FREE_INIT_PATTERNS,
    P2_CONTROLS,
    SLOT_CONTROLS,
    GuardCoreSpec,
    GuardProperty,
    find_products,
    find_signals,
    order_multiplier,
)
from sim.formal.mutants import MUTANTS, Mutant, load_mutant
from sim.formal.runner import Mode, Outcome
from sim.formal.suite import property_checks, run_property, run_suite

#: Shallow but not trivial: an ORDER beat and its verdict fit twice.
TEST_DEPTH = 10
#: The reduced core size of `make test`.
SMALL = {"n_instruments": 1, "n_order_slots": 2}


@pytest.mark.parametrize("check", property_checks(**SMALL), ids=lambda check: check.id)
def test_property_when_checked_on_the_real_gateware_then_it_holds_and_its_covers_are_reached(
    check, tmp_path: Path
):
    result = run_property(check, depth=TEST_DEPTH, workdir=tmp_path)

    # Every property closes by k-induction (P4's core half is structural).
    assert result.outcome is Outcome.PROVEN, result.as_json()
    assert "n_instruments=1, n_order_slots=2" in result.configuration
    modes = [str(c.mode) for c in result.checks]
    assert modes[-1] == "cover"
    assert result.checks[-1].outcome is Outcome.COVERED
    if check.id == "P4":
        assert [(c.mode, c.outcome) for c in result.checks[:2]] == [
            (Mode.PROVE, Outcome.PROVEN),
            (Mode.STRUCTURE, Outcome.PROVEN),
        ]


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda mutant: mutant.name)
def test_property_when_a_fault_is_injected_then_it_fails_with_a_counterexample(
    mutant: Mutant, tmp_path: Path
):
    # Arrange: a mutated copy of the module in a temporary folder; hdl/ is never edited.
    cls = load_mutant(mutant, tmp_path / "src")
    key = "decoder_class" if mutant.class_name == "FrameDecoder" else "core_class"
    check = next(c for c in property_checks(**{key: cls}, **SMALL) if c.id == mutant.caught_by)

    # Act
    result = run_property(check, depth=TEST_DEPTH, workdir=tmp_path / "run", cover=False)

    # Assert
    assert result.outcome is Outcome.FAILED
    failing = result.checks[-1]
    assert failing.failed_assertions, failing
    if failing.mode is Mode.STRUCTURE:
        # A structural failure names the register the bad frame reaches.
        assert any("reaches state" in where for where in failing.failed_assertions)
    else:
        assert all("_props.py:" in where for where in failing.failed_assertions)
        assert failing.trace is not None and failing.trace.stat().st_size > 0


def test_run_suite_when_run_then_summary_json_counts_every_property(tmp_path: Path):
    # P6 alone keeps this fast; the counting is the same for six.
    checks = [check for check in property_checks(**SMALL) if check.id == "P6"]

    summary = run_suite(checks, depth=TEST_DEPTH, workdir=tmp_path)

    on_disk = json.loads((tmp_path / "summary.json").read_text())
    assert on_disk == summary
    assert (summary["properties"], summary["proven"], summary["bounded"]) == (1, 1, 0)
    assert summary["failed"] == 0
    assert summary["depth"] == TEST_DEPTH
    p6 = summary["results"]["P6"]
    assert (p6["outcome"], p6["mode"], p6["depth"]) == ("proven", "k-induction", 6)
    assert p6["configuration"].startswith("GuardCore(n_instruments=1, n_order_slots=2)")
    assert [check["mode"] for check in p6["checks"]] == ["prove", "cover"]


def test_load_mutant_when_the_text_is_absent_then_value_error(tmp_path: Path):
    mutant = Mutant("gone", "hdl.framing", "FrameDecoder", "no such text", "", "P4", "none")

    with pytest.raises(
        ValueError, match=r"^Mutation text of gone must occur once in hdl.framing, not 0 times$"
    ):
        load_mutant(mutant, tmp_path)


def test_guard_core_spec_when_a_control_is_unknown_then_value_error():
    with pytest.raises(ValueError, match=r"Controls must be among .*, not \['C99_nothing'\]$"):
        GuardCoreSpec(GuardProperty.P2, controls=["C99_nothing"], **SMALL)


@pytest.mark.parametrize("slot", [-1, 2])
def test_guard_core_spec_when_the_slot_is_not_one_of_the_core_then_value_error(slot: int):
    with pytest.raises(ValueError, match=rf"^Slot must be in 0\.\.1, not {slot}$"):
        GuardCoreSpec(GuardProperty.P2, controls=["C15_self_trade"], slot=slot, **SMALL)


def test_property_checks_when_full_size_then_the_slot_controls_are_one_part_per_slot():
    p2 = next(check for check in property_checks() if check.id == "P2")

    names = [part.name for part in p2.parts]

    # Every slot of the full core, no reduced-size exception.
    for control in SLOT_CONTROLS:
        assert [n for n in names if n.startswith(control)] == [
            f"{control}_slot{slot}" for slot in range(8)
        ]
    assert p2.configuration.startswith("GuardCore(n_instruments=4, n_order_slots=8)")
    assert "n_order_slots=2" not in p2.configuration


def test_p2_controls_when_listed_then_every_gateware_order_control_is_there():
    # C14 and C16 are not order checks (fills, watchdog: P5); C17 is host-only.
    numbers = {name.split("_")[0] for name in P2_CONTROLS}
    assert numbers == {f"C{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15)}


# The core is elaborated only to read its structure.
@pytest.mark.filterwarnings("ignore::amaranth.hdl.UnusedElaboratable")
def test_order_multiplier_when_read_from_the_core_then_quantity_by_valuation():
    spec = GuardCoreSpec(GuardProperty.P6, **SMALL)
    core = spec.dut.elaborate(None)
    spec.dut._MustUse__silence = True

    quantity, price = order_multiplier(core)

    assert (len(quantity), len(price)) == (16, 25)
    assert len(find_products(core)) >= 1


def test_order_multiplier_when_the_module_has_none_then_key_error():
    with pytest.raises(KeyError, match="notional multiplier, not 0"):
        order_multiplier(Module())


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
def test_harness_names_when_matched_against_the_core_then_each_names_a_register():
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
    assert BAD_FRAME_REACH <= names
