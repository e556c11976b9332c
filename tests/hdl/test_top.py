# amaranth: UnusedElaboratable=no
"""GuardTop plumbing (decoder -> core -> FIFO -> encoder) with a stand-in core."""

import functools

import pytest
from amaranth.hdl import Module, Signal
from amaranth.lib import stream, wiring
from amaranth.lib.wiring import In, Out
from amaranth.sim import Simulator

from hdl.compact.core import CompactGuardCore
from hdl.protocol import MESSAGE_LAYOUT, MessageType
from hdl.top import GuardTop, GuardUARTTop
from host.link.codec import FrameSplitter, Message, decode_frame, encode


class EchoCore(wiring.Component):
    """ACKs every message with its type as the command and counts strobes."""

    i_msg: In(stream.Signature(MESSAGE_LAYOUT, always_ready=True))
    i_bad_frame: In(1)
    o_rsp: Out(stream.Signature(MESSAGE_LAYOUT, always_ready=True))
    i_rsp_dropped: In(1)
    i_kill_button: In(1)
    o_state: Out(2)

    def __init__(self, *, clock_hz: int, time_unit_cycles: int) -> None:
        self.bad_frames = Signal(8)
        self.drops = Signal(8)
        super().__init__()

    def elaborate(self, platform):
        m = Module()
        m.d.sync += self.o_rsp.valid.eq(self.i_msg.valid)
        m.d.sync += self.o_rsp.payload.type.eq(MessageType.ACK)
        m.d.sync += self.o_rsp.payload.payload.eq(
            self.i_msg.payload.type | (self.i_msg.payload.payload[:32] << 8)
        )
        m.d.comb += self.o_state.eq(self.i_kill_button * 3)
        with m.If(self.i_bad_frame):
            m.d.sync += self.bad_frames.eq(self.bad_frames + 1)
        with m.If(self.i_rsp_dropped):
            m.d.sync += self.drops.eq(self.drops + 1)
        return m


def _run(data: bytes, *, hold_tx_cycles: int = 0, tail: int = 400):
    top = GuardTop(clock_hz=1_000_000, time_unit_cycles=1, core=EchoCore)
    out = bytearray()
    result = {}

    async def testbench(ctx):
        ctx.set(top.o_tx.ready, 0)
        cycle = 0
        for byte in data:
            ctx.set(top.i_rx.valid, 1)
            ctx.set(top.i_rx.payload, byte)
            await ctx.tick()
            cycle += 1
        ctx.set(top.i_rx.valid, 0)
        for _ in range(tail + hold_tx_cycles):
            ctx.set(top.o_tx.ready, int(cycle >= hold_tx_cycles))
            if ctx.get(top.o_tx.valid) and cycle >= hold_tx_cycles:
                out.append(ctx.get(top.o_tx.payload))
            await ctx.tick()
            cycle += 1
        result["bad"] = ctx.get(top.core.bad_frames)
        result["drops"] = ctx.get(top.core.drops)
        ctx.set(top.i_kill_button, 1)
        await ctx.tick()
        result["state"] = ctx.get(top.o_state)

    sim = Simulator(top)
    sim.add_clock(1e-6)
    sim.add_testbench(testbench)
    sim.run()
    return [decode_frame(f) for f in FrameSplitter().feed(bytes(out))], result


def _cancel(client_id: int) -> bytes:
    return encode(Message(MessageType.CANCEL, {"client_id": client_id}))


def test_each_good_frame_gets_its_response_and_bad_frames_reach_the_core():
    data = _cancel(1) + b"\x13\x37\x00" + _cancel(2) + _cancel(3)
    responses, result = _run(data)
    assert [(r.type, r["command"], r["argument"]) for r in responses] == [
        (MessageType.ACK, MessageType.CANCEL, client_id) for client_id in (1, 2, 3)
    ]
    assert result["bad"] == 1
    assert result["drops"] == 0
    assert result["state"] == 3  # kill button and state wired through


def test_full_response_fifo_drops_and_tells_the_core():
    data = b"".join(_cancel(i) for i in range(1, 11))
    responses, result = _run(data, hold_tx_cycles=100)
    # FIFO depth 5, the message in flight included (the encoder reads it in the FIFO).
    kept = [r["argument"] for r in responses]
    assert kept == list(range(1, len(kept) + 1))
    assert 4 <= len(kept) < 10
    assert result["drops"] == 10 - len(kept)


def test_parameters_are_validated():
    with pytest.raises(ValueError, match=r"^FIFO depth must be an integer of at least 4, not 2$"):
        GuardTop(clock_hz=1_000_000, time_unit_cycles=1, fifo_depth=2, core=EchoCore)
    with pytest.raises(ValueError, match=r"^Time unit cycles must be a positive integer, not 0$"):
        GuardTop(clock_hz=1_000_000, time_unit_cycles=0, core=EchoCore)
    with pytest.raises(ValueError, match=r"^Clock cycles per bit must be at least 4, not 1$"):
        GuardUARTTop(clock_hz=1_000_000, baud=1_000_000, time_unit_cycles=1, core=EchoCore)


def test_a_baud_rate_faster_than_the_compact_core_takes_frames_is_refused() -> None:
    # at 18 MHz the compact core needs 428 cycles from a payload to its delimiter: the two
    # bytes after it at 3 Mbaud are 120 cycles; at the board's 115200 baud, ~3,100
    core = functools.partial(CompactGuardCore, n_instruments=1, n_order_slots=2)
    clock = {"clock_hz": 18_000_000, "time_unit_cycles": 18}
    with pytest.raises(ValueError, match=r"^Baud rate must be at most 818181 .* not 3000000$"):
        GuardUARTTop(baud=3_000_000, core=core, **clock)
    assert GuardUARTTop(baud=115_200, core=core, **clock).divisor == 156
    # GuardCore takes a frame as fast as bytes come
    assert GuardUARTTop(baud=3_000_000, n_instruments=1, n_order_slots=2, **clock).divisor == 6


def test_uart_top_answers_at_the_pin_level():
    top = GuardUARTTop(clock_hz=4_000_000, baud=1_000_000, time_unit_cycles=1, core=EchoCore)
    received = _pin_session(top, _cancel(0x1234), divisor=4, tail_bits=400)
    (response,) = [decode_frame(f) for f in FrameSplitter().feed(received)]
    assert response["command"] == MessageType.CANCEL
    assert response["argument"] == 0x1234


def _pin_session(top, frames: bytes, *, divisor: int, tail_bits: int) -> bytes:
    """Drive ``frames`` onto ``top.rx`` at the pin level and collect what ``top.tx`` sends."""
    received = bytearray()

    def bits(byte):
        return [0] + [(byte >> i) & 1 for i in range(8)] + [1]

    async def testbench(ctx):
        line = [b for byte in frames for b in bits(byte)] + [1] * tail_bits
        shift, count, timer = 0, -1, 0
        for level in line:
            ctx.set(top.rx, level)
            for _ in range(divisor):
                await ctx.tick()
                tx = ctx.get(top.tx)
                if count < 0:
                    if tx == 0:
                        count, timer, shift = 0, divisor + divisor // 2, 0
                else:
                    timer -= 1
                    if timer == 0:
                        if count < 8:
                            shift |= tx << count
                            count += 1
                            timer = divisor
                        else:
                            received.append(shift)
                            count = -1

    sim = Simulator(top)
    sim.add_clock(1e-6)
    sim.add_testbench(testbench)
    sim.run()
    return bytes(received)


def test_uart_top_with_the_real_core_answers_hello_at_the_pin_level():
    from hdl.protocol import PROTOCOL_VERSION

    top = GuardUARTTop(clock_hz=4_000_000, baud=1_000_000, time_unit_cycles=4)
    hello = encode(Message(MessageType.HELLO, {"version": PROTOCOL_VERSION}))
    received = _pin_session(top, hello, divisor=4, tail_bits=300)
    (reply,) = [decode_frame(f) for f in FrameSplitter().feed(received)]
    assert reply.type == MessageType.HELLO_REPLY
    assert (reply["version"], reply["clock_hz"], reply["time_unit_cycles"]) == (
        PROTOCOL_VERSION,
        4_000_000,
        4,
    )


def test_verdict_leaves_the_core_a_constant_time_after_the_delimiter():
    from hdl.framing import FrameDecoder
    from hdl.guard_core import GuardCore
    from hdl.protocol import Reason

    top = GuardTop(clock_hz=1_000_000, time_unit_cycles=1)
    # Not armed: the core must still answer NOT_ARMED at the same cycle as any verdict.
    order = encode(Message(MessageType.ORDER, {"client_id": 9, "price": 1, "quantity": 1}))
    seen = {}

    async def testbench(ctx):
        ctx.set(top.o_tx.ready, 1)
        for cycle, byte in enumerate(order):
            ctx.set(top.i_rx.valid, 1)
            ctx.set(top.i_rx.payload, byte)
            if byte == 0:
                seen["delimiter"] = cycle
            await ctx.tick()
        ctx.set(top.i_rx.valid, 0)
        for cycle in range(len(order), len(order) + 20):
            if ctx.get(top.core.o_rsp.valid):
                seen["verdict"] = cycle
                seen["reason"] = ctx.get(top.core.o_rsp.payload.payload) >> 32 & 0xFF
            await ctx.tick()

    sim = Simulator(top)
    sim.add_clock(1e-6)
    sim.add_testbench(testbench)
    sim.run()
    assert seen["reason"] == Reason.NOT_ARMED
    latency = GuardCore.VERDICT_LATENCY + FrameDecoder.LATENCY
    assert seen["verdict"] - seen["delimiter"] == latency
