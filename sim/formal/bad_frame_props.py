"""P4 on the guard core's side: a bad-frame strobe reaches nothing but the counters.

P4 says that a frame whose CRC does not match changes no state except the bad-frame counter.
The frame decoder's half (:mod:`sim.formal.framing_props`) proves that such a frame never
becomes a message beat and raises ``o_bad_frame`` instead. The core's half is structural: the
registers in the sequential cone of influence of ``i_bad_frame`` (everything it can reach
through any number of cells and cycles, :mod:`sim.formal.cone`) must be among
:data:`BAD_FRAME_REACH`: the counter arbitration and the read-modify-write pipeline of the
counter memory, plus the response register, which a STATUS reply of a counter page loads from
them. No trading state, limit, instrument, order slot, position, kill latch or verdict is in
the cone, so none can depend on a bad frame in any cycle, at any depth.

What the cone admits, measured with a twin-core bounded check (two cores, bad frames into one
only; too slow past depth 10 to keep): the drop counter shares the counter port and is served
after the bad-frame counter, so a STATUS read in the cycle of a bad frame's increment may show
the response-drop count one lower than without the bad frame (its increment is delayed by a
cycle, not lost). That is why ``pending_drop`` is in the cone.
"""

from __future__ import annotations

from pathlib import Path

from amaranth.asserts import AnySeq
from amaranth.hdl import Elaboratable, Module

from hdl.guard_core import GuardCore
from hdl.protocol import N_INSTRUMENTS, N_ORDER_SLOTS
from sim.formal.cone import reached_state
from sim.formal.runner import CheckResult, Mode, Outcome

__all__ = ["BAD_FRAME_REACH", "BadFrameCone", "check_bad_frame_cone"]

#: The core's registers a bad-frame strobe may reach (names inside the core). Anything else in
#: its cone fails P4.
BAD_FRAME_REACH = frozenset(
    {
        "pending_bad",  # bad frames waiting for the counter port
        "pending_drop",  # drops wait behind them on the same port (delayed, never lost)
        "write_pending",  # the counter read-modify-write pipeline
        "counters_write__en",  # (write_pending under the name of the write enable it drives)
        "write_index",
        "counter_rd_data",  # the counter it reads (the read port's address is serve_index)
        "forward_valid",
        "forward_index",
        "forward_word",
        "rsp_payload",  # a STATUS reply of a counter page
    }
)
#: The counters are two memories written together (one counter per row for the
#: read-modify-write, one page per row for STATUS); a bad frame may write both (its own counter).
_COUNTER_MEMORIES = 2


class BadFrameCone(Elaboratable):
    """A core with every input driven freely, so that Yosys sees its whole netlist."""

    def __init__(
        self,
        core_class: type[GuardCore] = GuardCore,
        *,
        n_instruments: int = N_INSTRUMENTS,
        n_order_slots: int = N_ORDER_SLOTS,
    ) -> None:
        self.dut = core_class(
            clock_hz=12_000_000,
            time_unit_cycles=1,
            n_instruments=n_instruments,
            n_order_slots=n_order_slots,
        )

    def elaborate(self, platform: object) -> Module:
        m = Module()
        m.submodules.dut = dut = self.dut
        message = dut.i_msg.payload.as_value()
        m.d.comb += [
            dut.i_msg.valid.eq(AnySeq(1)),
            message.eq(AnySeq(len(message))),
            dut.i_bad_frame.eq(AnySeq(1)),
            dut.i_rsp_dropped.eq(AnySeq(1)),
            dut.i_kill_button.eq(AnySeq(1)),
        ]
        return m


def check_bad_frame_cone(harness: BadFrameCone, *, name: str, workdir: Path) -> CheckResult:
    """Proven when the cone of ``i_bad_frame`` holds only :data:`BAD_FRAME_REACH` and the
    counter memory; failed otherwise, naming every register it reaches beyond them."""
    job = workdir / name
    cone = reached_state(harness, "dut.i_bad_frame", job)
    reached = {register.removeprefix("dut.") for register in cone.registers}
    beyond = sorted(reached - BAD_FRAME_REACH)
    if len(cone.memory_ports) > _COUNTER_MEMORIES:
        beyond.append(f"{len(cone.memory_ports)} memory write ports")
    return CheckResult(
        name=name,
        mode=Mode.STRUCTURE,
        outcome=Outcome.FAILED if beyond else Outcome.PROVEN,
        depth=0,
        seconds=cone.seconds,
        failed_assertions=tuple(f"i_bad_frame reaches state {register}" for register in beyond),
        workdir=job,
    )
