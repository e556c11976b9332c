"""Seeded fuzzing of the host frame codec: random, mutated and garbage frames.

Three campaigns, each reproducible from its seed:

``frames``
    Random valid messages are encoded and decoded back (they must round-trip), then mutated
    in the encoded form (byte and bit flips, bursts, insertions, deletions, truncations,
    splices, pure garbage). :func:`host.link.codec.decode_frame` must either raise
    :class:`~host.link.codec.FrameError` or return a message; any other exception is a crash.
    A returned message that differs from the original is an undetected corruption, which a
    CRC-16 lets through at a rate of about 2**-16 for random damage: they are counted, and
    the count must stay within a Poisson bound of that rate.
``bursts``
    The decoded body (type, payload, CRC) is damaged by one burst of at most 16 bits and
    re-encoded. CRC-16/CCITT detects every such burst, so every one of these must raise.
``streams``
    Valid frames with garbage between them are fed to
    :class:`~host.link.codec.FrameSplitter` in random chunks. Every frame that follows a
    0x00 delimiter must come out intact (the splitter resynchronises after garbage), and no
    message other than the ones sent may be decoded unless the CRC collides.

``python -m sim.formal.codec_fuzz --frames 1000000`` runs the long campaign; the test suite
runs about 50,000 frames.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import random
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from cobs import cobs

from hdl.protocol import MessageType, payload_bytes
from host.link.codec import FrameError, FrameSplitter, Message, crc16, decode_frame, encode

__all__ = [
    "FuzzReport",
    "random_message",
    "mutate",
    "fuzz_frames",
    "fuzz_bursts",
    "fuzz_streams",
    "collision_allowance",
    "main",
]

logger = logging.getLogger(__name__)

#: Probability that random damage passes a 16-bit CRC.
CRC_ESCAPE_RATE = 2.0**-16


@dataclass
class FuzzReport:
    """Counts from one campaign.

    Attributes
    ----------
    campaign : str
        ``frames``, ``bursts`` or ``streams``.
    seed : int
        The seed that reproduces the campaign.
    cases : int
        Frames (or streams) tried.
    rejected : int
        Damaged frames that raised :class:`FrameError`, as they should.
    unchanged : int
        Damaged frames that still decoded to the original message (the damage did not change
        the decoded body, e.g. an equivalent COBS encoding).
    undetected : int
        Damaged frames that decoded to a *different* message: CRC collisions.
    crashes : int
        Exceptions other than :class:`FrameError`; must be 0.
    lost : int
        ``streams`` only: frames after a delimiter that did not come out intact; must be 0.
    seconds : float
        Wall-clock time of the campaign.
    examples : list of str
        Hex of the first few crashing or undetected frames, with what happened.
    """

    campaign: str
    seed: int
    cases: int = 0
    rejected: int = 0
    unchanged: int = 0
    undetected: int = 0
    crashes: int = 0
    lost: int = 0
    seconds: float = 0.0
    examples: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Cases per second."""
        return self.cases / self.seconds if self.seconds else 0.0

    def findings(self) -> list[str]:
        """What went wrong, one line each; empty when the codec passed this campaign."""
        problems = []
        if self.crashes:
            problems.append(f"{self.crashes} crashes (exceptions other than FrameError)")
        if self.lost:
            problems.append(f"{self.lost} streams lost a frame that followed a delimiter")
        allowance = collision_allowance(self.cases)
        if self.undetected > allowance:
            problems.append(
                f"{self.undetected} undetected corruptions, more than the CRC allows ({allowance})"
            )
        if self.campaign == "bursts" and self.undetected + self.unchanged:
            problems.append(
                f"{self.undetected + self.unchanged} bursts of <= 16 bits passed the CRC-16"
            )
        return problems

    def note(self, text: str) -> None:
        if len(self.examples) < 10:
            self.examples.append(text)


def collision_allowance(cases: int) -> int:
    """Most undetected corruptions that ``cases`` random damages may show without suspicion.

    The expected count is ``cases * 2**-16``; the allowance adds six standard deviations of a
    Poisson count plus 3, so a correct CRC fails it with negligible probability while a CRC
    that is not checked at all (every length-preserving damage passes) fails it at once.
    """
    expected = cases * CRC_ESCAPE_RATE
    return math.ceil(expected + 6 * math.sqrt(expected) + 3)


_TYPES = tuple(MessageType)
_EDGE_BYTES = (0x00, 0xFF, 0x01, 0x80)


def random_message(rng: random.Random) -> Message:
    """A message of a random type with random field values.

    The payload bytes are drawn with a bias towards 0x00 and 0xFF (where COBS and off-by-one
    bugs live) and decoded through the codec itself, so every field is in range by
    construction and padding bits are dropped as the codec drops them.
    """
    message_type = rng.choice(_TYPES)
    payload = bytes(
        rng.choice(_EDGE_BYTES) if rng.random() < 0.2 else rng.randrange(256)
        for _ in range(payload_bytes(message_type))
    )
    body = bytes([message_type]) + payload
    return decode_frame(cobs.encode(body + crc16(body).to_bytes(2, "big")))


def _flip_byte(rng: random.Random, frame: bytearray) -> None:
    index = rng.randrange(len(frame))
    frame[index] ^= rng.randrange(1, 256)


def _flip_bit(rng: random.Random, frame: bytearray) -> None:
    index = rng.randrange(len(frame))
    frame[index] ^= 1 << rng.randrange(8)


def _flip_many(rng: random.Random, frame: bytearray) -> None:
    for _ in range(rng.randint(2, 8)):
        _flip_byte(rng, frame)


def _burst(rng: random.Random, frame: bytearray) -> None:
    start = rng.randrange(len(frame))
    for index in range(start, min(len(frame), start + rng.randint(2, 6))):
        frame[index] = rng.randrange(256)


def _insert(rng: random.Random, frame: bytearray) -> None:
    for _ in range(rng.randint(1, 3)):
        frame.insert(rng.randrange(len(frame) + 1), rng.randrange(256))


def _delete(rng: random.Random, frame: bytearray) -> None:
    for _ in range(rng.randint(1, min(3, len(frame) - 1))):
        del frame[rng.randrange(len(frame))]


def _truncate(rng: random.Random, frame: bytearray) -> None:
    del frame[rng.randrange(1, len(frame)) :]


def _duplicate(rng: random.Random, frame: bytearray) -> None:
    start = rng.randrange(len(frame))
    end = rng.randint(start + 1, len(frame))
    frame[end:end] = frame[start:end]


def _splice(rng: random.Random, frame: bytearray) -> None:
    # Head of this frame, tail of another taken from a different offset: the same offset
    # would just rebuild the other, valid, frame whenever the heads agree.
    other = encode(random_message(rng))[:-1]
    cut = rng.randrange(1, len(frame))
    start = rng.choice([index for index in range(1, len(other)) if index != cut] or [0])
    frame[cut:] = other[start:]


def _garbage(rng: random.Random, frame: bytearray) -> None:
    frame[:] = rng.randbytes(rng.randint(1, 2 * len(frame)))


def _garbage_no_zero(rng: random.Random, frame: bytearray) -> None:
    # Garbage a receiver would actually see between delimiters: no 0x00 inside.
    frame[:] = bytes(rng.randrange(1, 256) for _ in range(rng.randint(1, 2 * len(frame))))


_MUTATIONS: tuple[Callable[[random.Random, bytearray], None], ...] = (
    _flip_byte,
    _flip_bit,
    _flip_many,
    _burst,
    _insert,
    _delete,
    _truncate,
    _duplicate,
    _splice,
    _garbage,
    _garbage_no_zero,
)


def mutate(rng: random.Random, frame: bytes) -> bytes:
    """``frame`` (without delimiter) damaged by one or two random mutations; never equal."""
    while True:
        damaged = bytearray(frame)
        for _ in range(rng.choice((1, 1, 1, 2))):
            # A first mutation may leave one byte; only growing mutations apply to that.
            choices = _MUTATIONS if len(damaged) > 1 else (_insert, _garbage, _garbage_no_zero)
            rng.choice(choices)(rng, damaged)
        if damaged and bytes(damaged) != frame:
            return bytes(damaged)


def _classify(report: FuzzReport, original: Message, damaged: bytes) -> None:
    try:
        decoded = decode_frame(damaged)
    except FrameError:
        report.rejected += 1
        return
    except Exception as error:  # noqa: BLE001 - anything but FrameError is the finding
        report.crashes += 1
        report.note(f"crash {type(error).__name__}: {error} on {damaged.hex()}")
        return
    if decoded == original:
        report.unchanged += 1
    else:
        report.undetected += 1
        report.note(f"undetected {original.type.name} -> {decoded.type.name}: {damaged.hex()}")


def fuzz_frames(cases: int, seed: int) -> FuzzReport:
    """Round-trip ``cases`` random messages and decode a mutated copy of each."""
    rng = random.Random(seed)
    report = FuzzReport("frames", seed)
    started = time.perf_counter()
    for _ in range(cases):
        message = random_message(rng)
        frame = encode(message)[:-1]
        try:
            roundtrip = decode_frame(frame)
        except Exception as error:  # noqa: BLE001 - a valid frame must decode
            roundtrip = None
            report.note(f"valid frame refused ({error}): {frame.hex()}")
        if roundtrip != message:
            report.crashes += 1
            report.note(f"round trip {message} -> {roundtrip}")
        _classify(report, message, mutate(rng, frame))
        report.cases += 1
    report.seconds = time.perf_counter() - started
    return report


def fuzz_bursts(cases: int, seed: int) -> FuzzReport:
    """Damage the decoded body with one burst of at most 16 bits; every case must raise."""
    rng = random.Random(seed)
    report = FuzzReport("bursts", seed)
    started = time.perf_counter()
    for _ in range(cases):
        message = random_message(rng)
        body = bytearray(cobs.decode(encode(message)[:-1]))
        length = rng.randint(1, 16)
        start = rng.randrange(len(body) * 8 - length + 1)
        # A burst pattern has its first and last bit set; the bits between are random.
        pattern = (1 << (length - 1)) | 1 | (rng.getrandbits(length) if length > 2 else 0)
        value = int.from_bytes(body, "big") ^ (pattern << (len(body) * 8 - start - length))
        damaged_body = value.to_bytes(len(body), "big")
        _classify(report, message, cobs.encode(damaged_body))
        report.cases += 1
    report.seconds = time.perf_counter() - started
    return report


def fuzz_streams(
    cases: int,
    seed: int,
    *,
    frames_per_stream: int = 20,
    splitter_factory: Callable[[], FrameSplitter] = FrameSplitter,
) -> FuzzReport:
    """Feed ``cases`` streams of frames and garbage to a splitter in random chunks.

    ``splitter_factory`` makes the splitter under test (a fresh one per stream).
    """
    rng = random.Random(seed)
    report = FuzzReport("streams", seed)
    started = time.perf_counter()
    for _ in range(cases):
        stream = bytearray()
        expected: list[Message] = []  # frames that follow a delimiter: must come out
        sent: list[Message] = []
        for _ in range(frames_per_stream):
            pick = rng.random()
            if pick < 0.15:
                stream += rng.randbytes(rng.randint(1, 40))
            elif pick < 0.2:
                # Longer than any frame: the splitter must drop it without growing.
                stream += bytes(rng.randrange(1, 256) for _ in range(FrameSplitter.MAX_ENCODED + 5))
            message = random_message(rng)
            after_delimiter = not stream or stream[-1] == 0
            stream += encode(message)
            sent.append(message)
            if after_delimiter:
                expected.append(message)
        splitter = splitter_factory()
        decoded: list[Message] = []
        position = 0
        while position < len(stream):
            step = rng.randint(1, 64)
            for frame in splitter.feed(bytes(stream[position : position + step])):
                try:
                    decoded.append(decode_frame(frame))
                except FrameError:
                    report.rejected += 1
                except Exception as error:  # noqa: BLE001 - anything but FrameError
                    report.crashes += 1
                    report.note(f"crash {type(error).__name__}: {error} on {frame.hex()}")
            position += step
        # Every expected message must appear, in order, among the decoded ones.
        remaining = iter(decoded)
        for message in expected:
            if not any(candidate == message for candidate in remaining):
                report.lost += 1
                report.note(f"lost {message} from stream {bytes(stream).hex()}")
                break
        report.undetected += sum(1 for message in decoded if message not in sent)
        report.cases += 1
    report.seconds = time.perf_counter() - started
    return report


def main(argv: list[str] | None = None) -> int:
    """Run the three campaigns and write ``build/fuzz/codec.json``; non-zero on a finding."""
    parser = argparse.ArgumentParser(prog="python -m sim.formal.codec_fuzz", description=__doc__)
    parser.add_argument(
        "--frames", type=int, default=1_000_000, help="mutated frames (default: %(default)s)"
    )
    parser.add_argument(
        "--bursts", type=int, default=200_000, help="burst-damaged bodies (default: %(default)s)"
    )
    parser.add_argument(
        "--streams", type=int, default=20_000, help="splitter streams (default: %(default)s)"
    )
    parser.add_argument("--seed", type=int, default=2026, help="seed (default: %(default)s)")
    parser.add_argument(
        "--output",
        type=Path,
        default=Path("build/fuzz/codec.json"),
        help="report file (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    reports = [
        fuzz_frames(args.frames, args.seed),
        fuzz_bursts(args.bursts, args.seed + 1),
        fuzz_streams(args.streams, args.seed + 2),
    ]
    failed = False
    for report in reports:
        problems = report.findings()
        failed = failed or bool(problems)
        logger.info(
            "%-8s %9d cases  %8.0f/s  rejected %9d  unchanged %6d  undetected %3d (allowed %d)"
            "  crashes %d  lost %d  %s",
            report.campaign,
            report.cases,
            report.rate,
            report.rejected,
            report.unchanged,
            report.undetected,
            collision_allowance(report.cases),
            report.crashes,
            report.lost,
            "; ".join(problems) or "ok",
        )
        for example in report.examples:
            logger.info("    %s", example)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps([asdict(report) | {"rate": report.rate} for report in reports], indent=2) + "\n"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
