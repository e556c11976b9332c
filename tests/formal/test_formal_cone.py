"""The structural cone check: which registers an input can reach, through cells and cycles."""

from pathlib import Path

import pytest
from amaranth.asserts import AnySeq
from amaranth.hdl import Elaboratable, Module, Signal

from sim.formal.cone import reached_state
from sim.formal.runner import FormalToolError


class TwoChains(Elaboratable):
    """``x`` feeds ``first`` then ``second`` (a cycle later); ``other`` only sees ``y``."""

    def __init__(self) -> None:
        self.x = Signal(name="x")
        self.y = Signal(name="y")
        self.first = Signal(name="first")
        self.second = Signal(name="second")
        self.other = Signal(name="other")

    def elaborate(self, platform: object) -> Module:
        m = Module()
        m.d.comb += [self.x.eq(AnySeq(1)), self.y.eq(AnySeq(1))]
        m.d.sync += [
            self.first.eq(self.x),
            self.second.eq(self.first ^ self.y),
            self.other.eq(~self.y),
        ]
        return m


def test_reached_state_when_an_input_feeds_a_chain_then_every_later_register_is_listed(
    tmp_path: Path,
):
    cone = reached_state(TwoChains(), "x", tmp_path)

    assert cone.registers == {"first", "second"}
    assert cone.memory_ports == frozenset()


def test_reached_state_when_the_wire_does_not_exist_then_formal_tool_error(tmp_path: Path):
    with pytest.raises(FormalToolError, match=r"^Yosys could not list the cone of 'nothing'"):
        reached_state(TwoChains(), "nothing", tmp_path)
