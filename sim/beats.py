"""Conversions between host messages and MESSAGE_LAYOUT beats (type, payload bits)."""

from cobs import cobs

from hdl.protocol import MessageType
from host.link.codec import Message, decode_frame, encode

__all__ = ["message_to_beat", "beat_to_message"]


def message_to_beat(message: Message) -> tuple[int, int]:
    """``(type, payload bits)`` of ``message`` as the gateware holds it (bits little-endian)."""
    body = cobs.decode(encode(message)[:-1])
    return body[0], int.from_bytes(body[1:-2], "little")


def beat_to_message(message_type: int, payload: int) -> Message:
    """The message a beat stands for; raises :class:`host.link.codec.FrameError` if invalid."""
    from hdl.protocol import payload_bytes
    from host.link.codec import crc16

    length = payload_bytes(MessageType(message_type))
    body = bytes([message_type]) + payload.to_bytes(length, "little")
    body += crc16(body).to_bytes(2, "big")
    return decode_frame(cobs.encode(body))
