# amaranth: UnusedElaboratable=no
"""FrameDecoder and FrameEncoder against the host codec, in Amaranth's simulator."""

import random

import pytest
from amaranth.sim import Simulator
from cobs import cobs

from hdl.framing import GATEWARE_TO_HOST, HOST_TO_GATEWARE, FrameDecoder, FrameEncoder
from hdl.protocol import MessageType, payload_bytes
from host.link.codec import FrameSplitter, Message, decode_frame, encode
from sim.beats import beat_to_message, message_to_beat


def _canonical(message: Message) -> Message:
    """The message with every field present, as decoding yields it."""
    return decode_frame(encode(message)[:-1])


def _random_message(rng: random.Random, types: tuple[MessageType, ...]) -> Message:
    message_type = rng.choice(types)
    length = payload_bytes(message_type)
    # Many zero bytes: they exercise COBS blocks, the thing most likely to be wrong.
    payload = bytes(rng.choice((0, 0, rng.randrange(256))) for _ in range(length))
    return beat_to_message(message_type, int.from_bytes(payload, "little"))


def _run_decoder(
    stream_bytes: bytes,
    *,
    gap: int = 0,
    shown: list | None = None,
    ready: list | None = None,
):
    """Feed bytes into a FrameDecoder; return (beats with their cycle, bad strobes' cycles,
    cycles at which each delimiter was accepted). ``shown`` collects o_msg's payload (type,
    payload) on every cycle, ``ready`` the cycles of o_payload_ready."""
    dut = FrameDecoder()
    beats: list[tuple[int, int, int]] = []
    bad: list[int] = []
    delimiters: list[int] = []

    async def testbench(ctx):
        cycle = 0

        async def step():
            """Sample this cycle's outputs (after its inputs are set), then finish it."""
            nonlocal cycle
            if shown is not None:
                shown.append((ctx.get(dut.o_msg.payload.type), ctx.get(dut.o_msg.payload.payload)))
            if ctx.get(dut.o_msg.valid):
                beats.append(
                    (cycle, ctx.get(dut.o_msg.payload.type), ctx.get(dut.o_msg.payload.payload))
                )
            if ctx.get(dut.o_bad_frame):
                bad.append(cycle)
            if ready is not None and ctx.get(dut.o_payload_ready):
                ready.append(cycle)
            await ctx.tick()
            cycle += 1

        for byte in stream_bytes:
            ctx.set(dut.i_data.valid, 1)
            ctx.set(dut.i_data.payload, byte)
            if byte == 0:
                delimiters.append(cycle)
            await step()
            ctx.set(dut.i_data.valid, 0)
            for _ in range(gap):
                await step()
        for _ in range(3):
            await step()

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(testbench)
    sim.run()
    return beats, bad, delimiters


def test_decoder_emits_every_good_frame_on_its_delimiter_cycle():
    rng = random.Random(1)
    messages = [_random_message(rng, HOST_TO_GATEWARE) for _ in range(60)]
    beats, bad, delimiters = _run_decoder(b"".join(encode(m) for m in messages))
    assert bad == []
    assert [beat_to_message(t, p) for _, t, p in beats] == messages
    assert [c for c, _, _ in beats] == [d + FrameDecoder.LATENCY for d in delimiters]


def test_a_beat_payload_shows_for_the_two_cycles_before_the_beat():
    # cut-through: the guard core registers the payload on the cycle before the beat, while
    # the decoder is still checking the CRC
    rng = random.Random(3)
    messages = [_random_message(rng, HOST_TO_GATEWARE) for _ in range(60)]
    shown: list[tuple[int, int]] = []
    beats, bad, _ = _run_decoder(b"".join(encode(m) for m in messages), shown=shown)
    assert bad == [] and len(beats) == len(messages)
    for cycle, message_type, payload in beats:
        assert shown[cycle - 2] == shown[cycle - 1] == (message_type, payload)


@pytest.mark.parametrize("gap", [0, 3])
def test_the_payload_is_ready_once_per_frame_and_holds_through_the_beat(gap):
    # the compact core starts its programs on the strobe: the payload must be final there,
    # and the delimiter at least a byte away
    rng = random.Random(4 + gap)
    messages = [_random_message(rng, HOST_TO_GATEWARE) for _ in range(60)]
    shown: list[tuple[int, int]] = []
    ready: list[int] = []
    beats, bad, delimiters = _run_decoder(
        b"".join(encode(m) for m in messages), gap=gap, shown=shown, ready=ready
    )
    assert bad == [] and len(ready) == len(beats) == len(messages)
    starts = [0, *(d + 1 for d in delimiters[:-1])]
    for start, strobe, (beat, message_type, payload) in zip(starts, ready, beats, strict=True):
        assert start <= strobe <= beat - 2 * (gap + 1)
        assert set(shown[strobe : beat + 1]) == {(message_type, payload)}


def test_a_frame_cut_short_or_of_an_unknown_type_is_never_ready():
    order = encode(Message(MessageType.ORDER, {"client_id": 7, "price": 100, "quantity": 3}))
    body = cobs.decode(order[:-1])
    truncated = cobs.encode(body[:-2]) + b"\x00"  # no CRC at all
    unknown = cobs.encode(bytes([0x7E]) + body[1:]) + b"\x00"
    ready: list[int] = []
    _, bad, _ = _run_decoder(truncated + unknown + order, ready=ready)
    assert len(bad) == 2 and len(ready) == 1


@pytest.mark.parametrize("gap", [1, 5])
def test_decoder_works_with_idle_cycles_between_bytes(gap):
    message = _canonical(Message(MessageType.ORDER, {"client_id": 7, "price": 100, "quantity": 3}))
    beats, bad, _ = _run_decoder(encode(message) * 2, gap=gap)
    assert bad == []
    assert [beat_to_message(t, p) for _, t, p in beats] == [message, message]


def test_every_single_bit_flip_is_dropped_and_counted():
    message = _canonical(
        Message(MessageType.TICK, {"instrument": 1, "timestamp": 0x01020304, "bid": 99, "ask": 101})
    )
    frame = encode(message)
    corrupted = bytearray()
    expected_bad = 0
    for index in range(len(frame) - 1):
        for bit in range(8):
            flipped = bytearray(frame)
            flipped[index] ^= 1 << bit
            corrupted += flipped
            # a flip to 0x00 splits the frame in two; either part is bad on its own
            expected_bad += len(FrameSplitter().feed(bytes(flipped)))
    beats, bad, _ = _run_decoder(bytes(corrupted) + frame)
    assert [beat_to_message(t, p) for _, t, p in beats] == [message]
    assert len(bad) == expected_bad


@pytest.mark.parametrize(
    ("name", "frame"),
    [
        ("truncated", encode(Message(MessageType.CANCEL, {"client_id": 5}))[:-3] + b"\x00"),
        ("garbage", bytes([0x55, 0x13, 0x77, 0x42, 0x00])),
        ("oversize", bytes([0xFF] + [0x11] * 120 + [0x00])),
        ("unknown type", b"\x04\x7f\x01\x02\x00"),
        ("gateware type", encode(Message(MessageType.ACK, {"command": 2}))),
        ("cobs code past the end", b"\x09\x11\x01\x02\x00"),
    ],
)
def test_bad_frames_are_counted_never_acted_on_then_resync(name, frame):
    good = _canonical(Message(MessageType.HEARTBEAT))
    beats, bad, _ = _run_decoder(frame + encode(good))
    assert len(bad) == 1, name
    assert [beat_to_message(t, p) for _, t, p in beats] == [good]


def test_wrong_length_for_the_type_is_bad():
    # A HELLO body with one payload byte too many, but a correct CRC.
    from cobs import cobs

    from host.link.codec import crc16

    body = bytes([MessageType.HELLO, 1, 2])
    frame = cobs.encode(body + crc16(body).to_bytes(2, "big")) + b"\x00"
    beats, bad, _ = _run_decoder(frame)
    assert beats == [] and len(bad) == 1


def test_back_to_back_delimiters_are_idle_not_bad():
    beats, bad, _ = _run_decoder(b"\x00\x00\x00" + encode(Message(MessageType.HEARTBEAT)))
    assert bad == [] and len(beats) == 1


def _run_encoder(messages: list[Message], *, ready_pattern=(1,)) -> tuple[bytes, int]:
    dut = FrameEncoder()
    out = bytearray()

    async def testbench(ctx):
        cycle = 0
        pending = list(messages)
        idle = 0
        while pending or idle < 40:
            if pending:
                t, p = message_to_beat(pending[0])
                ctx.set(dut.i_msg.valid, 1)
                ctx.set(dut.i_msg.payload.type, t)
                ctx.set(dut.i_msg.payload.payload, p)
            else:
                ctx.set(dut.i_msg.valid, 0)
            ready = ready_pattern[cycle % len(ready_pattern)]
            ctx.set(dut.o_data.ready, ready)
            accepted = pending and ctx.get(dut.i_msg.ready)
            if ctx.get(dut.o_data.valid) and ready:
                out.append(ctx.get(dut.o_data.payload))
                idle = 0
            else:
                idle += 1
            await ctx.tick()
            cycle += 1
            if accepted:
                pending.pop(0)

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(testbench)
    sim.run()
    return bytes(out), 0


@pytest.mark.parametrize("ready_pattern", [(1,), (1, 0, 0), (0, 1)])
def test_encoder_output_decodes_to_the_same_messages(ready_pattern):
    rng = random.Random(2)
    messages = [_random_message(rng, GATEWARE_TO_HOST) for _ in range(40)]
    out, _ = _run_encoder(messages, ready_pattern=ready_pattern)
    assert out == b"".join(encode(m) for m in messages)
    assert [decode_frame(f) for f in FrameSplitter().feed(out)] == messages


def test_encoder_codes_zero_crc_bytes_and_zero_ends():
    """The zeros COBS must code that random payloads rarely give: a CRC byte of 0x00, and
    zeros at the very start and end of the body."""
    rng = random.Random(3)
    wanted = {"crc_high": None, "crc_low": None}
    while None in wanted.values():
        message = _random_message(rng, GATEWARE_TO_HOST)
        body = cobs.decode(encode(message)[:-1])  # type, payload, CRC
        for name, index in (("crc_high", -2), ("crc_low", -1)):
            if body[index] == 0 and wanted[name] is None:
                wanted[name] = message
    ends = [
        beat_to_message(MessageType.ORDER_VERDICT, 0),
        beat_to_message(MessageType.ALERT, 0),
        beat_to_message(MessageType.ACK, 0xFF << 40),
    ]
    messages = [*wanted.values(), *ends]
    out, _ = _run_encoder(messages)
    assert out == b"".join(encode(m) for m in messages)
    assert [decode_frame(f) for f in FrameSplitter().feed(out)] == messages


def test_decoder_and_encoder_refuse_bad_parameters():
    with pytest.raises(TypeError, match=r"^Message types must be a non-empty tuple, not \(\)$"):
        FrameDecoder(message_types=())
    with pytest.raises(TypeError, match=r"^Message types must be MessageType members, not 3$"):
        FrameEncoder(message_types=(3,))
