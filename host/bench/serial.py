"""UART frame-time arithmetic: what a serial link costs, computed from the exact frame sizes.

The byte counts come from encoding real messages with :func:`host.link.codec.encode`, so they
follow :mod:`hdl.protocol` if a layout changes. UART 8N1 sends 10 bits per byte (start, 8 data,
stop).
"""

from hdl.protocol import MessageType
from host.link.codec import Message, encode

__all__ = [
    "BITS_PER_BYTE",
    "frame_bytes",
    "wire_seconds",
    "order_round_trip_seconds",
    "max_orders_per_second",
    "max_ticks_per_second",
]

#: UART 8N1: one start bit, eight data bits, one stop bit.
BITS_PER_BYTE = 10

# Representative field values: COBS output length does not depend on them for frames this
# short (always body + 1), but encoding real values keeps the count honest.
_EXAMPLES: dict[MessageType, dict[str, int]] = {
    MessageType.ORDER: {
        "client_id": 1234,
        "instrument": 0,
        "side": 0,
        "kind": 0,
        "price": 500_000,
        "quantity": 10,
    },
    MessageType.ORDER_VERDICT: {"client_id": 1234, "reason": 0},
    MessageType.TICK: {"instrument": 0, "timestamp": 1, "bid": 499_999, "ask": 500_001},
    MessageType.TICK_VERDICT: {"instrument": 0, "timestamp": 1, "reason": 0},
}


def frame_bytes(message_type: MessageType) -> int:
    """Bytes on the wire for one frame of ``message_type``, COBS overhead and delimiter included."""
    if not isinstance(message_type, MessageType):
        raise TypeError(f"Message type must be a MessageType, not {message_type!r}")
    return len(encode(Message(message_type, _EXAMPLES.get(message_type, {}))))


def wire_seconds(n_bytes: int, baud: int) -> float:
    """Seconds to send ``n_bytes`` over a UART at ``baud`` (8N1).

    Raises
    ------
    ValueError
        If ``n_bytes`` is negative or ``baud`` is not positive.
    """
    if n_bytes < 0:
        raise ValueError(f"Byte count must be non-negative, not {n_bytes!r}")
    if baud <= 0:
        raise ValueError(f"Baud rate must be positive, not {baud!r}")
    return n_bytes * BITS_PER_BYTE / baud


def order_round_trip_seconds(baud: int, verdict_cycles: int = 0, clock_hz: float = 0.0) -> float:
    """ORDER out plus ORDER_VERDICT back at ``baud``, plus the gateware's verdict time.

    The two directions are serialised for one order (the verdict cannot start before the
    order's last byte arrived), so their times add.
    """
    if verdict_cycles < 0:
        raise ValueError(f"Verdict cycles must be non-negative, not {verdict_cycles!r}")
    gateware = verdict_cycles / clock_hz if verdict_cycles else 0.0
    wire = frame_bytes(MessageType.ORDER) + frame_bytes(MessageType.ORDER_VERDICT)
    return wire_seconds(wire, baud) + gateware


def max_orders_per_second(baud: int) -> float:
    """Orders per second a full-duplex UART at ``baud`` can carry when pipelined.

    Orders go one way and verdicts the other, so the longer of the two frames sets the pace.
    """
    longest = max(frame_bytes(MessageType.ORDER), frame_bytes(MessageType.ORDER_VERDICT))
    return 1.0 / wire_seconds(longest, baud)


def max_ticks_per_second(baud: int) -> float:
    """Market-data ticks per second the host can forward to the gateware at ``baud``."""
    return 1.0 / wire_seconds(frame_bytes(MessageType.TICK), baud)
