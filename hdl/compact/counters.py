"""CounterMemory: the guard's 32 event counters in one block RAM, and a page of them followed.

The counters and their timing are :class:`hdl.guard_core.GuardCore`'s (see
:mod:`hdl.guard_spec`): one read-modify-write per cycle off the verdict path, kills first,
then the verdict, the bad frames and the response drops, each event two cycles from its cycle
to the memory. GuardCore keeps a second copy by page for STATUS, a 128-bit port that takes 8
of an iCE40's block RAMs; here there is one copy of 32-bit rows (2 block RAMs), and a STATUS
page is gathered while the frame's CRC arrives instead: on ``i_gather`` the module reads the
page's four counters a cycle at a time when the read-modify-write leaves the port free, and
from then on it reports every write to one of them too, so that the owner's copy of the page
(:attr:`CounterMemory.o_lane_en`) holds every write up to the cycle before. A STATUS reply
loaded on its update stage then shows the events GuardCore's does (GuardCore reads the page
on the beat, the writes of the beat forwarded).

This module is a part of the compact core for small FPGAs (see :mod:`hdl.compact`).
"""

from typing import Any

from amaranth.hdl import Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from hdl.block_ram import block_ram
from hdl.guard_spec import (
    COUNTER_BAD_FRAMES,
    COUNTER_DROPS,
    COUNTER_PAGES,
    COUNTERS_PER_PAGE,
    N_COUNTERS,
    kill_counter,
)
from hdl.protocol import COUNTER_BITS

__all__ = ["CounterMemory"]


class CounterMemory(wiring.Component):
    """The event counters, and the page of them its owner follows.

    Attributes
    ----------
    i_kill, i_kill_cause : in
        A kill latched on this cycle, and its KillCause.
    i_verdict, i_verdict_index : in
        A verdict on this cycle, and its counter.
    i_bad_frame, i_rsp_dropped : Signal(1), in
        A frame failed its CRC; a response was lost (FIFO full).
    i_gather, i_page : in
        Read page ``i_page``'s counters and follow them (until the next ``i_gather``).
    o_gathered : Signal(1), out
        Every counter of the page has been read since ``i_gather``.
    o_lane_en : Signal(COUNTERS_PER_PAGE), out
        Counter ``lane`` of the page is ``o_lane_data`` from the next cycle on (read, or
        written: at most one a cycle).
    o_lane_data : Signal(COUNTER_BITS), out
    """

    i_kill: In(1)
    i_kill_cause: In(3)
    i_verdict: In(1)
    i_verdict_index: In(range(N_COUNTERS))
    i_bad_frame: In(1)
    i_rsp_dropped: In(1)
    i_gather: In(1)
    i_page: In(range(COUNTER_PAGES))
    o_gathered: Out(1)
    o_lane_en: Out(COUNTERS_PER_PAGE)
    o_lane_data: Out(COUNTER_BITS)

    def elaborate(self, platform: Any) -> Module:
        m = Module()
        write, read, read_data = block_ram(
            m, "counters", width=COUNTER_BITS, depth=N_COUNTERS, data_name="counter_rd_data"
        )

        # ---- events wait for the port: one read-modify-write a cycle, kills first ----------
        pending_kill = Signal()
        pending_kill_index = Signal(range(N_COUNTERS))
        pending_verdict = Signal()
        pending_verdict_index = Signal(range(N_COUNTERS))
        pending_bad = Signal(4)
        pending_drop = Signal(4)
        serve = Signal()
        serve_index = Signal(range(N_COUNTERS))
        take_bad, take_drop = Signal(), Signal()
        with m.If(pending_kill):
            m.d.comb += [serve.eq(1), serve_index.eq(pending_kill_index)]
            m.d.sync += pending_kill.eq(0)
        with m.Elif(pending_verdict):
            m.d.comb += [serve.eq(1), serve_index.eq(pending_verdict_index)]
            m.d.sync += pending_verdict.eq(0)
        with m.Elif(pending_bad != 0):
            m.d.comb += [serve.eq(1), serve_index.eq(COUNTER_BAD_FRAMES), take_bad.eq(1)]
        with m.Elif(pending_drop != 0):
            m.d.comb += [serve.eq(1), serve_index.eq(COUNTER_DROPS), take_drop.eq(1)]
        with m.If(self.i_kill):
            m.d.sync += [
                pending_kill.eq(1),
                pending_kill_index.eq(kill_counter(0) + self.i_kill_cause),
            ]
        with m.If(self.i_verdict):
            m.d.sync += [pending_verdict.eq(1), pending_verdict_index.eq(self.i_verdict_index)]
        m.d.sync += [
            pending_bad.eq(pending_bad + self.i_bad_frame - take_bad),
            pending_drop.eq(pending_drop + self.i_rsp_dropped - take_drop),
        ]

        # ---- the read-modify-write, the word written forwarded to the next cycle's read ----
        write_pending = Signal()
        write_index = Signal(range(N_COUNTERS))
        forward_valid = Signal()
        forward_index = Signal(range(N_COUNTERS))
        forward_word = Signal(COUNTER_BITS)

        # one read a cycle: the read-modify-write's, or (the port free) a lane of the page's
        page = Signal(range(COUNTER_PAGES))
        next_lane = Signal(range(COUNTERS_PER_PAGE + 1), init=COUNTERS_PER_PAGE)
        reading = Signal()  # a lane was read on the previous cycle (so nothing is written now)
        read_lane = Signal(range(COUNTERS_PER_PAGE))
        issue = (next_lane != COUNTERS_PER_PAGE) & ~serve
        m.d.comb += [
            read.addr.eq(Mux(serve, serve_index, page * COUNTERS_PER_PAGE + next_lane)),
            self.o_gathered.eq(next_lane == COUNTERS_PER_PAGE),
        ]
        m.d.sync += [reading.eq(issue), read_lane.eq(next_lane)]
        with m.If(issue):
            m.d.sync += next_lane.eq(next_lane + 1)
        with m.If(self.i_gather):
            m.d.sync += [page.eq(self.i_page), next_lane.eq(0), reading.eq(0)]

        # the counter read on the previous cycle (the memory, or that cycle's write), plus one
        # to write it back; a lane read takes it as it is
        index = Mux(reading, page * COUNTERS_PER_PAGE + read_lane, write_index)
        current = Mux(forward_valid & (forward_index == index), forward_word, read_data)
        value = Signal(COUNTER_BITS)
        m.d.comb += value.eq(current + ~reading)
        m.d.sync += [
            write_pending.eq(serve),
            write_index.eq(serve_index),
            forward_valid.eq(write_pending),
            forward_index.eq(write_index),
            forward_word.eq(value),
        ]
        m.d.comb += [
            write.addr.eq(write_index),
            write.data.eq(value),
            write.en.eq(write_pending),
        ]

        # the followed page's lanes: a read, or a write (never both on one cycle)
        m.d.comb += self.o_lane_data.eq(value)
        with m.If(reading):
            m.d.comb += self.o_lane_en.eq(1 << read_lane)
        with m.Elif(write_pending & (write_index // COUNTERS_PER_PAGE == page)):
            m.d.comb += self.o_lane_en.eq(1 << write_index % COUNTERS_PER_PAGE)
        return m
