"""Host codec: every message type round-trips; damaged or garbage bytes never decode wrongly."""

import random

import pytest
from cobs import cobs
from hypothesis import given, settings
from hypothesis import strategies as st

from hdl.protocol import MAX_FRAME_BYTES, MessageType, payload_bytes
from host.link.codec import FrameError, FrameSplitter, Message, crc16, decode_frame, encode
from sim.beats import beat_to_message


def _message(message_type: MessageType, payload: bytes) -> Message:
    return beat_to_message(message_type, int.from_bytes(payload, "little"))


@st.composite
def messages(draw: st.DrawFn) -> Message:
    message_type = draw(st.sampled_from(list(MessageType)))
    length = payload_bytes(message_type)
    payload = draw(st.binary(min_size=length, max_size=length))
    return _message(message_type, payload)


@given(messages())
def test_every_message_round_trips(message):
    frame = encode(message)
    assert frame.endswith(b"\x00") and b"\x00" not in frame[:-1]
    assert decode_frame(frame[:-1]) == message


@given(st.lists(messages(), min_size=1, max_size=8), st.integers(1, 7))
def test_splitter_finds_every_frame_in_any_chunking(batch, chunk):
    data = b"".join(encode(m) for m in batch)
    splitter = FrameSplitter()
    frames = []
    for start in range(0, len(data), chunk):
        frames += splitter.feed(data[start : start + chunk])
    assert [decode_frame(f) for f in frames] == batch


@settings(max_examples=300)
@given(st.binary(min_size=1, max_size=40))
def test_garbage_raises_or_is_a_genuine_frame(garbage):
    frame = garbage.replace(b"\x00", b"\x01")
    try:
        message = decode_frame(frame)
    except FrameError:
        return
    # Only a byte string that *is* a valid frame may decode (CRC collisions included).
    assert encode(message)[:-1] == frame


def test_every_single_bit_flip_is_detected():
    message = Message(MessageType.ORDER, {"client_id": 0xDEADBEEF, "price": 4321, "quantity": 7})
    frame = encode(message)
    for index in range(len(frame) - 1):
        for bit in range(8):
            damaged = bytearray(frame)
            damaged[index] ^= 1 << bit
            for piece in FrameSplitter().feed(bytes(damaged)):
                with pytest.raises(FrameError):
                    decode_frame(piece)


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (b"", r"^Frame must not be empty$"),
        (b"\x05\x01", r"^Frame must be valid COBS"),
        (b"\x03\x01\x02", r"^Frame must hold type and CRC \(3 bytes\), not 2 bytes$"),
        (b"\x04\x06\xab\xcd", r"^Frame CRC must match"),
    ],
)
def test_defects_are_named(frame, message):
    with pytest.raises(FrameError, match=message):
        decode_frame(frame)


def test_unknown_type_and_wrong_length_are_refused():

    unknown = bytes([0x7F, 1])
    with pytest.raises(FrameError, match=r"^Frame type must be a known MessageType, not 0x7f$"):
        decode_frame(cobs.encode(unknown + crc16(unknown).to_bytes(2, "big")))
    long_hello = bytes([MessageType.HELLO, 1, 2])
    with pytest.raises(FrameError, match=r"^Payload of HELLO must be 1 bytes, not 2$"):
        decode_frame(cobs.encode(long_hello + crc16(long_hello).to_bytes(2, "big")))


def test_encode_refuses_out_of_range_fields():
    with pytest.raises(ValueError, match=r"^Field ORDER.quantity must be an integer in 0..65535"):
        encode(Message(MessageType.ORDER, {"quantity": 70_000}))
    with pytest.raises(ValueError, match=r"^Fields of HEARTBEAT must be among \[\]"):
        encode(Message(MessageType.HEARTBEAT, {"x": 1}))


def test_signed_field_round_trips_negative_and_refuses_beyond_its_range():
    low, high = -(1 << 23), (1 << 23) - 1
    for position in (low, -1, 0, high):
        message = Message(MessageType.SET_POSITION, {"position": position, "price": 7})
        assert decode_frame(encode(message)[:-1]) == Message(
            MessageType.SET_POSITION, {"instrument": 0, "position": position, "price": 7}
        )
    # two's complement on the wire: -1 is all ones
    assert cobs.decode(encode(Message(MessageType.SET_POSITION, {"position": -1}))[:-1])[2:5] == (
        b"\xff\xff\xff"
    )
    for position in (low - 1, high + 1):
        with pytest.raises(
            ValueError, match=rf"^Field SET_POSITION.position must be an integer in {low}..{high}"
        ):
            encode(Message(MessageType.SET_POSITION, {"position": position}))


def test_splitter_drops_runs_too_long_for_any_frame_and_counts_them():
    splitter = FrameSplitter()
    good = encode(Message(MessageType.HEARTBEAT))
    frames = splitter.feed(bytes([0x11]) * (MAX_FRAME_BYTES * 4) + b"\x00" + good)
    assert splitter.oversize == 1
    assert [decode_frame(f).type for f in frames] == [MessageType.HEARTBEAT]


def test_crc_check_value():
    assert crc16(b"123456789") == 0x29B1


def test_random_streams_with_corruption_never_yield_a_message_that_was_not_sent():
    rng = random.Random(5)
    sent = []
    stream = bytearray()
    for client_id in range(300):
        message = Message(MessageType.CANCEL, {"client_id": client_id})
        frame = bytearray(encode(message))
        if rng.random() < 0.3:
            frame[rng.randrange(len(frame) - 1)] ^= 1 << rng.randrange(8)
        else:
            sent.append(message)
        stream += frame
    decoded = []
    bad = 0
    for frame in FrameSplitter().feed(bytes(stream)):
        try:
            decoded.append(decode_frame(frame))
        except FrameError:
            bad += 1
    assert decoded == sent
    assert bad >= 300 - len(sent)
