"""Frame decoder and encoder: COBS + CRC-16/CCITT-FALSE bytes <-> MESSAGE_LAYOUT beats.

The wire format is defined in :mod:`hdl.protocol`; the host side is :mod:`host.link.codec`.
"""

from amaranth.hdl import Cat, Const, Module, Mux, Signal, Value
from amaranth.lib import crc, stream, wiring
from amaranth.lib.wiring import In, Out

from hdl.protocol import (
    MAX_FRAME_BYTES,
    MESSAGE_LAYOUT,
    MessageType,
    payload_bytes,
)

__all__ = ["FrameDecoder", "FrameEncoder", "HOST_TO_GATEWARE", "GATEWARE_TO_HOST"]

#: Message types the gateware receives (the decoder's default) and sends (the encoder's).
HOST_TO_GATEWARE = tuple(t for t in MessageType if t < 0x80)
GATEWARE_TO_HOST = tuple(t for t in MessageType if t >= 0x80)

_CRC = crc.catalog.CRC16_CCITT_FALSE


def _check_types(message_types: object) -> tuple[MessageType, ...]:
    if not isinstance(message_types, tuple | list) or not message_types:
        raise TypeError(f"Message types must be a non-empty tuple, not {message_types!r}")
    for message_type in message_types:
        if not isinstance(message_type, MessageType):
            raise TypeError(f"Message types must be MessageType members, not {message_type!r}")
    return tuple(message_types)


class FrameDecoder(wiring.Component):
    """COBS-decodes a byte stream, checks each frame and emits one beat per good frame.

    A frame (the bytes between two 0x00 delimiters) is *bad* when its COBS is truncated, it is
    longer than :data:`MAX_FRAME_BYTES` decoded, its type is not one of ``message_types``, its
    length does not match the type's payload, or its CRC fails. A bad frame raises
    ``o_bad_frame`` for one cycle and is never emitted; decoding starts afresh after the next
    0x00, which is the resynchronisation. Empty frames (back-to-back delimiters) are idle
    line, neither emitted nor counted.

    Timing: a good frame's beat (or a bad frame's strobe) is on the cycle that accepts its
    delimiter byte, always: :attr:`LATENCY` = 0. Input is accepted every cycle.

    Cut-through: the type and payload are complete two bytes (the CRC) before the delimiter,
    and ``o_msg.payload`` shows them from then on, unchanged, for at least the two cycles
    before the beat. The guard core starts on them there (cycle by cycle, before it knows
    whether the frame is good), so that on the delimiter's cycle only the frame's verdict is
    left; it commits nothing before the beat.

    Parameters
    ----------
    message_types : tuple of MessageType
        Types this end accepts (default: host -> gateware).

    Attributes
    ----------
    i_data : stream.Signature(8), in
        Bytes from the line; always ready.
    o_msg : stream.Signature(MESSAGE_LAYOUT, always_ready=True), out
        One beat per good frame; payload bits beyond the type's length are 0. The payload
        is the beat's for at least the two cycles before it too.
    o_bad_frame : Signal(1), out
        One-cycle strobe per bad frame.
    o_payload_ready : Signal(1), out
        One-cycle strobe when a frame of a known type has its type and payload: on the
        cycle its first CRC byte is decoded, at least one byte before the delimiter. The
        payload shows them from then until the next frame's first byte. A core that needs
        time before the beat (:mod:`hdl.compact`) starts there; the frame may still be bad.
    """

    #: Cycles from the handshake of the delimiter byte to the beat on ``o_msg``.
    LATENCY = 0

    i_data: In(stream.Signature(8))
    o_msg: Out(stream.Signature(MESSAGE_LAYOUT, always_ready=True))
    o_bad_frame: Out(1)
    o_payload_ready: Out(1)

    def __init__(self, *, message_types: tuple[MessageType, ...] = HOST_TO_GATEWARE) -> None:
        self.message_types = _check_types(message_types)
        super().__init__()

    def elaborate(self, platform: object) -> Module:
        m = Module()
        m.submodules.crc = crc_unit = _CRC(data_width=8).create()

        byte = self.i_data.payload
        strobe = self.i_data.valid  # i_data.ready is tied high
        m.d.comb += self.i_data.ready.eq(1)

        # Decoded body bytes: type, payload, CRC (big-endian). Count saturates at one past max.
        count = Signal(range(MAX_FRAME_BYTES + 2))
        code_left = Signal(8)  # data bytes left in the current COBS block; 0 = code byte next
        zero_pending = Signal()  # the block just finished implies a 0x00 before the next one
        started = Signal()  # any byte since the last delimiter
        msg_type = Signal(8)
        # only as long as the longest payload this end receives: the rest of o_msg's is 0
        payload_length = max(payload_bytes(message_type) for message_type in self.message_types)
        payload = Signal(payload_length * 8)
        known = Signal()  # msg_type is one of message_types
        expected = Signal(range(MAX_FRAME_BYTES + 1))  # body length for msg_type

        with m.Switch(msg_type):
            for message_type in self.message_types:
                with m.Case(message_type):
                    m.d.comb += [known.eq(1), expected.eq(payload_bytes(message_type) + 3)]

        m.d.comb += [
            self.o_msg.payload.type.eq(msg_type),
            self.o_msg.payload.payload.eq(payload),
        ]

        # The decoded byte of this cycle, if any: at most one per input byte.
        decoded = Signal(8)
        decoded_valid = Signal()
        m.d.comb += [crc_unit.data.eq(decoded), crc_unit.valid.eq(decoded_valid)]

        def store(value: Value) -> None:
            """Take one decoded byte into the frame at position ``count``."""
            m.d.comb += [decoded.eq(value), decoded_valid.eq(1)]
            m.d.comb += crc_unit.start.eq(count == 0)
            with m.If(count != MAX_FRAME_BYTES + 1):
                m.d.sync += count.eq(count + 1)
            with m.If(count == expected - 2):  # the first CRC byte
                m.d.comb += self.o_payload_ready.eq(known)
            with m.If(count == 0):
                m.d.sync += [msg_type.eq(value), payload.eq(0)]
            with m.Else():
                # Bytes past the payload (the CRC) never reach the payload bits.
                with m.Switch(count):
                    for index in range(1, payload_length + 1):
                        with m.Case(index):
                            with m.If(count < expected - 2):
                                m.d.sync += payload.word_select(index - 1, 8).eq(value)

        with m.If(strobe):
            with m.If(byte == 0):
                # Delimiter: judge the frame, then start afresh.
                good = (code_left == 0) & known & (count == expected) & crc_unit.match_detected
                with m.If(started):
                    m.d.comb += [self.o_msg.valid.eq(good), self.o_bad_frame.eq(~good)]
                m.d.sync += [count.eq(0), code_left.eq(0), zero_pending.eq(0), started.eq(0)]
            with m.Else():
                m.d.sync += started.eq(1)
                with m.If(code_left == 0):
                    # A code byte: (byte - 1) data bytes follow, then an implied zero unless 0xFF.
                    with m.If(zero_pending):
                        store(Const(0, 8))
                    m.d.sync += [code_left.eq(byte - 1), zero_pending.eq(byte != 0xFF)]
                with m.Else():
                    store(byte)
                    m.d.sync += code_left.eq(code_left - 1)
        return m


class FrameEncoder(wiring.Component):
    """Encodes each MESSAGE_LAYOUT beat as ``COBS(type || payload || crc16) || 0x00``.

    The payload length comes from the type (:data:`PAYLOAD_LAYOUTS`); a beat of a type not in
    ``message_types`` is dropped and counted in ``o_dropped``. A frame takes (payload + 4)
    cycles of CRC and zero scan, then one cycle per output byte while ``o_data.ready`` is high.

    The encoder reads the beat where it is offered instead of copying it: a stream holds its
    payload until the transfer, and the transfer is the cycle that sends the frame's
    delimiter (a dropped beat is taken at once). So the beat's source (the response FIFO's
    read register) is the only register of the message in flight, and the CRC stays in the
    CRC unit instead of being written into a copy of the body.

    Parameters
    ----------
    message_types : tuple of MessageType
        Types this end sends (default: gateware -> host).

    Attributes
    ----------
    i_msg : stream.Signature(MESSAGE_LAYOUT), in
        Messages to send; a beat is taken when its frame's delimiter is sent.
    o_data : stream.Signature(8), out
        Encoded bytes, delimiter included.
    o_dropped : Signal(16), out
        Beats of unknown type dropped (wraps).
    """

    i_msg: In(stream.Signature(MESSAGE_LAYOUT))
    o_data: Out(stream.Signature(8))
    o_dropped: Out(16)

    def __init__(self, *, message_types: tuple[MessageType, ...] = GATEWARE_TO_HOST) -> None:
        self.message_types = _check_types(message_types)
        super().__init__()

    def elaborate(self, platform: object) -> Module:
        m = Module()
        m.submodules.crc = crc_unit = _CRC(data_width=8).create()

        n_max = MAX_FRAME_BYTES
        # type and payload, held by the source until the transfer; the CRC follows them
        message = Cat(self.i_msg.payload.type, self.i_msg.payload.payload)
        # the CRC unit holds its result until the next frame's start
        crc_high, crc_low = crc_unit.crc[8:], crc_unit.crc[:8]
        position = Signal(range(n_max + 1))
        block_left = Signal(range(n_max + 1))

        known = Signal()
        msg_length = Signal(range(n_max + 1))
        # body bytes, CRC included, registered at the start
        length = Signal(range(n_max + 1))
        with m.Switch(self.i_msg.payload.type):
            for message_type in self.message_types:
                with m.Case(message_type):
                    m.d.comb += [known.eq(1), msg_length.eq(payload_bytes(message_type) + 3)]

        message_byte = message.word_select(position, 8)
        body_byte = Signal(8)
        m.d.comb += body_byte.eq(
            Mux(
                position == length - 2,
                crc_high,
                Mux(position == length - 1, crc_low, message_byte),
            )
        )
        m.d.comb += crc_unit.data.eq(message_byte)

        # COBS needs, at each code byte, the distance to the next 0x00. The first pass over
        # the body (for the CRC) records which bytes are zero, plus the frame's end as one
        # more zero; the mask then shifts right as bytes go out, so the distance is always
        # its count of trailing zeros. (Searching the whole body for the next zero at or
        # after the position, every cycle, cost ~400 logic cells on an iCE40.)
        zeros = Signal(n_max + 1)
        distance = Signal(range(n_max + 1))
        for index in reversed(range(n_max + 1)):
            with m.If(zeros[index]):
                m.d.comb += distance.eq(index)

        with m.FSM():
            with m.State("IDLE"):
                with m.If(self.i_msg.valid):
                    with m.If(known):
                        m.d.sync += [position.eq(0), length.eq(msg_length), zeros.eq(0)]
                        m.d.comb += crc_unit.start.eq(1)
                        m.next = "SCAN"
                    with m.Else():
                        m.d.comb += self.i_msg.ready.eq(1)
                        m.d.sync += self.o_dropped.eq(self.o_dropped + 1)
            with m.State("SCAN"):
                # Bytes 0 .. length-3 go through the CRC, one per cycle; the CRC unit's
                # register holds the result from the next cycle on, when the pass reaches
                # the CRC's own two bytes. Position ``length`` is the end of the frame.
                m.d.comb += crc_unit.valid.eq(position < length - 2)
                m.d.sync += [
                    zeros.bit_select(position, 1).eq((body_byte == 0) | (position == length)),
                    position.eq(position + 1),
                ]
                with m.If(position == length):
                    m.d.sync += position.eq(0)
                    m.next = "CODE"
            with m.State("CODE"):
                m.d.comb += [self.o_data.valid.eq(1), self.o_data.payload.eq(distance + 1)]
                with m.If(self.o_data.ready):
                    m.d.sync += block_left.eq(distance)
                    with m.If(distance != 0):
                        m.next = "DATA"
                    with m.Elif(position == length):
                        m.next = "DELIMITER"
                    with m.Else():
                        # an empty block: skip the zero it stands for
                        m.d.sync += [position.eq(position + 1), zeros.eq(zeros >> 1)]
            with m.State("DATA"):
                m.d.comb += [self.o_data.valid.eq(1), self.o_data.payload.eq(body_byte)]
                with m.If(self.o_data.ready):
                    m.d.sync += [
                        position.eq(position + 1),
                        zeros.eq(zeros >> 1),
                        block_left.eq(block_left - 1),
                    ]
                    with m.If(block_left == 1):
                        with m.If(position + 1 == length):
                            m.next = "DELIMITER"
                        with m.Else():
                            # the block ends at a zero: skip it too
                            m.d.sync += [position.eq(position + 2), zeros.eq(zeros >> 2)]
                            m.next = "CODE"
            with m.State("DELIMITER"):
                m.d.comb += [self.o_data.valid.eq(1), self.o_data.payload.eq(0)]
                with m.If(self.o_data.ready):
                    # the transfer: the source may now offer the next beat
                    m.d.comb += self.i_msg.ready.eq(1)
                    m.next = "IDLE"
        return m
