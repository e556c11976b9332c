"""UART frame-time arithmetic from the exact frame sizes of the protocol."""

import math

import pytest

from hdl.protocol import MessageType, payload_bytes
from host.bench.serial import (
    BITS_PER_BYTE,
    frame_bytes,
    max_orders_per_second,
    max_ticks_per_second,
    order_round_trip_seconds,
    wire_seconds,
)


@pytest.mark.parametrize("message_type", list(MessageType))
def test_frame_bytes_when_short_frame_then_body_plus_cobs_byte_plus_delimiter(
    message_type: MessageType,
) -> None:
    # type + payload + CRC-16, one COBS overhead byte (bodies < 254 bytes), one 0x00.
    assert frame_bytes(message_type) == 1 + payload_bytes(message_type) + 2 + 1 + 1


def test_frame_bytes_when_not_a_message_type_then_type_error() -> None:
    with pytest.raises(TypeError, match=r"^Message type must be a MessageType, not 17$"):
        frame_bytes(17)  # type: ignore[arg-type]


def test_wire_seconds_when_8n1_then_ten_bits_per_byte() -> None:
    assert BITS_PER_BYTE == 10
    assert wire_seconds(11_520, 115_200) == 1.0
    assert wire_seconds(0, 9600) == 0.0


@pytest.mark.parametrize(("n_bytes", "baud"), [(-1, 115_200), (1, 0)])
def test_wire_seconds_when_bad_input_then_value_error(n_bytes: int, baud: int) -> None:
    with pytest.raises(ValueError, match=r"must be"):
        wire_seconds(n_bytes, baud)


def test_order_round_trip_when_115200_then_order_plus_verdict_wire_time() -> None:
    order, verdict = frame_bytes(MessageType.ORDER), frame_bytes(MessageType.ORDER_VERDICT)
    expected = (order + verdict) * 10 / 115_200
    assert math.isclose(order_round_trip_seconds(115_200), expected)
    # The gateware's cycles add on top: 12 cycles at 12 MHz is 1 us.
    assert math.isclose(
        order_round_trip_seconds(115_200, verdict_cycles=12, clock_hz=12e6), expected + 1e-6
    )


def test_max_rates_when_3_mbaud_then_scale_with_baud() -> None:
    assert math.isclose(
        max_orders_per_second(3_000_000) / max_orders_per_second(115_200), 3e6 / 115_200
    )
    longest = max(frame_bytes(MessageType.ORDER), frame_bytes(MessageType.ORDER_VERDICT))
    assert math.isclose(max_orders_per_second(115_200), 11_520 / longest)
    assert math.isclose(max_ticks_per_second(115_200), 11_520 / frame_bytes(MessageType.TICK))
