"""Host side of the frame codec: messages <-> bytes, derived from :mod:`hdl.protocol`.

The layouts in :mod:`hdl.protocol` define every field's bit offset and width; this module only
walks them, so the host cannot disagree with the gateware about where a field lives.
COBS comes from the ``cobs`` package and CRC-16/CCITT-FALSE from :func:`binascii.crc_hqx`.
"""

import binascii
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from amaranth.hdl import Shape, ShapeLike
from amaranth.lib import data
from cobs import cobs

from hdl.protocol import MAX_FRAME_BYTES, PAYLOAD_LAYOUTS, MessageType, payload_bytes

__all__ = [
    "Message",
    "FrameError",
    "encode",
    "decode_frame",
    "FrameSplitter",
    "crc16",
]

_CRC_INIT = 0xFFFF


def crc16(body: bytes) -> int:
    """CRC-16/CCITT-FALSE of ``body`` (the check value of ``b"123456789"`` is 0x29B1)."""
    return binascii.crc_hqx(body, _CRC_INIT)


class _Field(NamedTuple):
    """One scalar field of a payload: where its bits are, and whether they are two's
    complement (a signed field encodes and decodes as a negative int where it is one)."""

    name: str
    offset: int
    width: int
    signed: bool


def _scalar_fields(layout: data.Layout, prefix: str = "", base: int = 0) -> Iterator[_Field]:
    """Yield a :class:`_Field` for every scalar field, flattening arrays as ``name[i]``.
    Fields whose name starts with ``_`` are padding and are skipped."""
    if isinstance(layout, data.ArrayLayout):
        width = Shape.cast(layout.elem_shape).width
        for index in range(layout.length):
            yield from _field(layout.elem_shape, f"{prefix}[{index}]", base + index * width)
        return
    for name, layout_field in layout:
        if not str(name).startswith("_"):
            yield from _field(layout_field.shape, f"{prefix}{name}", base + layout_field.offset)


def _field(shape: ShapeLike, name: str, offset: int) -> Iterator[_Field]:
    if isinstance(shape, data.Layout) or (
        isinstance(shape, type) and issubclass(shape, data.Struct)
    ):
        yield from _scalar_fields(data.Layout.cast(shape), name, offset)
    else:
        cast = Shape.cast(shape)
        yield _Field(name, offset, cast.width, cast.signed)


@dataclass(frozen=True)
class _MessageFormat:
    message_type: MessageType
    length: int
    fields: tuple[_Field, ...]


def _build_formats() -> dict[MessageType, _MessageFormat]:
    formats = {}
    for message_type, layout in PAYLOAD_LAYOUTS.items():
        cast = data.Layout.cast(layout)
        formats[message_type] = _MessageFormat(
            message_type, payload_bytes(message_type), tuple(_scalar_fields(cast))
        )
    return formats


_FORMATS = _build_formats()


@dataclass(frozen=True)
class Message:
    """One decoded message: its type and its fields by name (arrays flattened as
    ``words[0]``). Padding fields are not included; missing fields encode as 0."""

    type: MessageType
    fields: Mapping[str, int] = field(default_factory=dict)

    def __getitem__(self, name: str) -> int:
        return self.fields[name]


class FrameError(ValueError):
    """A frame that must not be acted on: bad COBS, bad CRC, wrong length or unknown type."""


def encode(message: Message) -> bytes:
    """The bytes on the wire for ``message``, delimiter included."""
    fmt = _FORMATS[message.type]
    known = {name for name, _, _, _ in fmt.fields}
    unknown = set(message.fields) - known
    if unknown:
        raise ValueError(
            f"Fields of {message.type.name} must be among {sorted(known)}, not {sorted(unknown)!r}"
        )
    bits = 0
    for name, offset, width, is_signed in fmt.fields:
        value = message.fields.get(name, 0)
        low = -(1 << (width - 1)) if is_signed else 0
        high = low + (1 << width) - 1
        if not isinstance(value, int) or not low <= value <= high:
            raise ValueError(
                f"Field {message.type.name}.{name} must be an integer in {low}..{high}, "
                f"not {value!r}"
            )
        bits |= (value & ((1 << width) - 1)) << offset
    body = bytes([message.type]) + bits.to_bytes(fmt.length, "little")
    body += crc16(body).to_bytes(2, "big")
    return cobs.encode(body) + b"\x00"


def decode_frame(frame: bytes) -> Message:
    """Decode one frame given *without* its 0x00 delimiter.

    Raises
    ------
    FrameError
        On any defect; the message says which. A frame that raises is never acted on.
    """
    if not frame:
        raise FrameError("Frame must not be empty")
    try:
        body = cobs.decode(frame)
    except cobs.DecodeError as error:
        raise FrameError(f"Frame must be valid COBS, not {frame.hex()} ({error})") from None
    if len(body) < 3:
        raise FrameError(f"Frame must hold type and CRC (3 bytes), not {len(body)} bytes")
    if crc16(body) != 0:
        raise FrameError(f"Frame CRC must match, not residue {crc16(body):#06x} in {body.hex()}")
    try:
        message_type = MessageType(body[0])
    except ValueError:
        raise FrameError(f"Frame type must be a known MessageType, not {body[0]:#04x}") from None
    fmt = _FORMATS[message_type]
    payload = body[1:-2]
    if len(payload) != fmt.length:
        raise FrameError(
            f"Payload of {message_type.name} must be {fmt.length} bytes, not {len(payload)}"
        )
    bits = int.from_bytes(payload, "little")
    fields = {}
    for name, offset, width, is_signed in fmt.fields:
        value = (bits >> offset) & ((1 << width) - 1)
        if is_signed and value >> (width - 1):
            value -= 1 << width
        fields[name] = value
    return Message(message_type, fields)


class FrameSplitter:
    """Splits a byte stream into frames at 0x00 delimiters, resynchronising after garbage.

    Bytes are fed in any chunking; :meth:`feed` returns the complete frames (without
    delimiters). A run longer than any valid encoded frame is dropped and counted as
    oversize, so a stream of garbage cannot grow the buffer without bound.
    """

    #: COBS adds at most one byte per 254, plus one.
    MAX_ENCODED = MAX_FRAME_BYTES + MAX_FRAME_BYTES // 254 + 1

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._discarding = False
        self.oversize = 0

    def feed(self, chunk: bytes) -> list[bytes]:
        frames = []
        for byte in chunk:
            if byte == 0:
                if self._buffer and not self._discarding:
                    frames.append(bytes(self._buffer))
                self._buffer.clear()
                self._discarding = False
            elif not self._discarding:
                self._buffer.append(byte)
                if len(self._buffer) > self.MAX_ENCODED:
                    self.oversize += 1
                    self._buffer.clear()
                    self._discarding = True
        return frames
