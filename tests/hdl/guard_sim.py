"""Message-level Amaranth simulation of GuardCore beside GuardModel (shared by the hdl tests)."""

from typing import Any

from amaranth.sim import Simulator

from hdl.guard_core import GuardCore
from hdl.protocol import N_INSTRUMENTS, N_ORDER_SLOTS
from host.link.codec import Message
from host.link.model import GuardModel
from sim.beats import beat_to_message, message_to_beat

__all__ = ["GuardBench", "run_bench"]


class GuardBench:
    """A plan of inputs per cycle and the o_rsp beats observed, with their cycles.

    Cycle numbering is the model's: cycle 0 is the first cycle after reset; inputs planned
    for cycle ``c`` are applied before its clock edge.
    """

    def __init__(
        self,
        *,
        clock_hz: int = 12_000_000,
        time_unit_cycles: int = 4,
        n_instruments: int = N_INSTRUMENTS,
        n_order_slots: int = N_ORDER_SLOTS,
    ) -> None:
        self.clock_hz = clock_hz
        self.time_unit_cycles = time_unit_cycles
        self.size = {"n_instruments": n_instruments, "n_order_slots": n_order_slots}
        self.messages: dict[int, Message] = {}
        self.shown: dict[int, Message] = {}  # the payload from that cycle on
        self.bad_frames: set[int] = set()
        self.drops: set[int] = set()
        self.button: set[int] = set()
        self.responses: list[tuple[int, Message]] = []

    def send(self, cycle: int, message: Message, *, lead: int = 2) -> None:
        """Plan an ``i_msg`` beat of ``message`` on ``cycle``, its payload shown from ``lead``
        cycles before (the frame decoder's shows it from 2 or more cycles before)."""
        if lead < 1:
            raise ValueError(f"Payload lead must be at least 1 cycle, not {lead!r}")
        self.messages[cycle] = message
        self.shown[cycle - lead] = message

    def show(self, cycle: int, message: Message) -> None:
        """Show ``message`` on the payload from ``cycle`` on, with no beat: a frame that fails
        its CRC after its payload."""
        self.shown[cycle] = message

    def run(self, cycles: int) -> list[tuple[int, Message]]:
        """Simulate ``cycles`` cycles; return every (cycle, response) seen on o_rsp."""
        dut = GuardCore(clock_hz=self.clock_hz, time_unit_cycles=self.time_unit_cycles, **self.size)
        sim = Simulator(dut)
        sim.add_clock(1e-6)
        responses = self.responses

        async def bench(ctx: Any) -> None:
            for cycle in range(cycles):
                message = self.messages.get(cycle)
                shown = self.shown.get(cycle)
                if shown is not None:
                    # the payload holds from then through the beat, as the decoder's does
                    message_type, payload = message_to_beat(shown)
                    ctx.set(dut.i_msg.payload.type, message_type)
                    ctx.set(dut.i_msg.payload.payload, payload)
                ctx.set(dut.i_msg.valid, message is not None)
                ctx.set(dut.i_bad_frame, cycle in self.bad_frames)
                ctx.set(dut.i_rsp_dropped, cycle in self.drops)
                ctx.set(dut.i_kill_button, cycle in self.button)
                if ctx.get(dut.o_rsp.valid):
                    rsp_type = ctx.get(dut.o_rsp.payload.type)
                    rsp_payload = ctx.get(dut.o_rsp.payload.payload)
                    responses.append((cycle, beat_to_message(rsp_type, rsp_payload)))
                await ctx.tick()

        sim.add_testbench(bench)
        sim.run()
        return responses

    def model_responses(self, cycles: int) -> list[tuple[int, Message]]:
        """What GuardModel predicts for the same plan over ``cycles`` cycles."""
        model = GuardModel(
            clock_hz=self.clock_hz, time_unit_cycles=self.time_unit_cycles, **self.size
        )
        out: list[tuple[int, Message]] = []
        # a press on a beat's cycle comes before its message (the core reads the kill latch
        # again on the update stage)
        events = sorted(
            [(c, 0, m) for c, m in self.messages.items()]
            + [(c, 1, None) for c in self.bad_frames]
            + [(c, 2, None) for c in self.drops]
            + [(c, -1, None) for c in self.button]
        )
        for cycle, kind, message in events:
            if cycle >= cycles:
                break
            if kind == 0:
                assert message is not None
                out += [
                    (cycle + GuardCore.VERDICT_LATENCY, r) for r in model.receive(message, cycle)
                ]
            elif kind == 1:
                model.bad_frame(cycle)
            elif kind == 2:
                model.response_dropped(cycle)
            else:
                out += model.press_kill_button(cycle)
        out += model.poll(cycles - 1)
        return sorted(out, key=lambda item: item[0])


def canonical(message: Message) -> Message:
    """``message`` with every field present."""
    return beat_to_message(*message_to_beat(message))


def run_bench(bench: GuardBench, cycles: int) -> tuple[list[Any], list[Any]]:
    """(gateware beats, model beats), both canonicalised, for ``bench`` over ``cycles``."""
    got = [(c, canonical(m)) for c, m in bench.run(cycles)]
    want = [(c, canonical(m)) for c, m in bench.model_responses(cycles)]
    return got, want
