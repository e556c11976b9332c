"""Fuzzing of the host frame codec: ~50k damaged frames, burst damage, resynchronisation."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import host.link.codec as codec
from hdl.protocol import MessageType
from host.link.codec import FrameError, FrameSplitter, Message, decode_frame, encode
from sim.formal import codec_fuzz
from sim.formal.codec_fuzz import (
    collision_allowance,
    fuzz_bursts,
    fuzz_frames,
    fuzz_streams,
    mutate,
    random_message,
)

SEED = 20261125


def test_decode_frame_when_50k_frames_are_damaged_then_only_frame_errors_within_crc_rate():
    # Act
    report = fuzz_frames(50_000, SEED)

    # Assert
    assert report.cases == 50_000
    assert report.crashes == 0, report.examples
    assert report.undetected <= collision_allowance(report.cases), report.examples
    assert report.rejected + report.unchanged + report.undetected == report.cases
    assert report.findings() == []


def test_decode_frame_when_a_burst_of_at_most_16_bits_hits_the_body_then_it_always_raises():
    report = fuzz_bursts(10_000, SEED)

    assert report.rejected == report.cases == 10_000
    assert report.findings() == []


def test_frame_splitter_when_garbage_precedes_frames_then_every_frame_after_a_delimiter_survives():
    report = fuzz_streams(1_000, SEED)

    assert report.lost == 0, report.examples
    assert report.crashes == 0
    assert report.rejected > 0  # garbage was really fed
    assert report.findings() == []


def test_fuzz_frames_when_the_crc_is_not_checked_then_undetected_corruption_is_reported(
    monkeypatch: pytest.MonkeyPatch,
):
    # Arrange: a codec whose CRC always "matches" (the fault the campaign exists to catch).
    monkeypatch.setattr(codec, "crc16", lambda body: 0)

    # Act
    report = fuzz_frames(5_000, SEED)

    # Assert
    assert report.undetected > collision_allowance(report.cases)
    assert any("undetected corruptions" in problem for problem in report.findings())


def test_fuzz_frames_when_decode_crashes_then_the_crash_is_reported(
    monkeypatch: pytest.MonkeyPatch,
):
    # A decoder that crashes on some malformed input instead of raising FrameError.
    def fragile(frame: bytes) -> Message:
        try:
            return decode_frame(frame)
        except FrameError:
            if len(frame) % 3 == 0:
                raise IndexError("index out of range") from None
            raise

    monkeypatch.setattr(codec_fuzz, "decode_frame", fragile)

    report = fuzz_frames(2_000, SEED)

    assert report.crashes > 0
    assert any("IndexError" in example for example in report.examples)


def test_fuzz_streams_when_the_splitter_never_resynchronises_then_lost_frames_are_reported():
    class StuckSplitter(FrameSplitter):
        """Forgets to leave discard mode at a delimiter after an oversize run."""

        def feed(self, chunk: bytes) -> list[bytes]:
            discarding = self._discarding
            frames = super().feed(chunk)
            if discarding or self._discarding:
                self._discarding = True
                return []
            return frames

    report = fuzz_streams(300, SEED, splitter_factory=StuckSplitter)

    assert report.lost > 0


def test_mutate_when_applied_then_the_frame_always_changes():
    rng = random.Random(SEED)
    for _ in range(2_000):
        frame = encode(random_message(rng))[:-1]
        assert mutate(rng, frame) != frame


def test_collision_allowance_when_cases_grow_then_it_tracks_the_crc_escape_rate():
    assert collision_allowance(0) == 3
    assert collision_allowance(1_000_000) >= 1_000_000 / 65536
    assert collision_allowance(1_000_000) < 3 * 1_000_000 / 65536


@settings(max_examples=2_000, deadline=None)
@given(st.binary(max_size=80))
def test_decode_frame_when_given_any_bytes_then_it_returns_a_message_or_raises_frame_error(
    frame: bytes,
):
    try:
        message = decode_frame(frame)
    except FrameError:
        return
    assert encode(message)[:-1] == frame or decode_frame(encode(message)[:-1]) == message


def test_random_message_when_drawn_often_then_every_message_type_appears():
    rng = random.Random(SEED)
    assert {random_message(rng).type for _ in range(2_000)} == set(MessageType)


@settings(max_examples=500, deadline=None)
@given(st.randoms(use_true_random=False))
def test_encode_when_a_random_message_round_trips_then_decode_returns_it(rng: random.Random):
    message = random_message(rng)

    assert decode_frame(encode(message)[:-1]) == message
    assert encode(message).count(0) == 1
