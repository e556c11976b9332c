"""Formal harness of :class:`hdl.framing.FrameDecoder`: P4 on the decoder side.

P4 says that a frame whose CRC does not match changes no state except the bad-frame counter.
For the decoder that is:

* **no beat**: a frame whose CRC residue is not zero when its delimiter arrives never
  produces a beat on ``o_msg``; it raises ``o_bad_frame`` (what the guard core counts) and
  nothing else;
* **the decoder recovers**: a good frame right after a bad-CRC one is still accepted (a
  cover point: reachable within the depth);
* **timing**: beats and strobes come on a delimiter's own cycle
  (:attr:`~hdl.framing.FrameDecoder.LATENCY` = 0), never together, and a beat's payload is on
  ``o_msg.payload`` for the two cycles before it as well (what the core's cut-through needs).

The byte stream is free (``AnySeq``), one byte per cycle at most, with any gaps. The CRC
verdict is read from the decoder's own CRC unit (read-only). Two stronger forms were tried
and dropped because the SAT solver cannot afford the parity reasoning they need over a
symbolic byte stream: an independent CRC model in the harness (a bounded check of depth 12
did not finish in ten minutes), and a twin decoder reset at every bad-CRC delimiter whose
later beats must match (depth 12 took over 90 s on 2 shared cores). The CRC arithmetic
itself is checked against the host codec by simulation and by the codec fuzzing.
"""

from __future__ import annotations

from amaranth.asserts import AnySeq, Initial
from amaranth.hdl import (
    Assert,
    Assume,
    Cover,
    Elaboratable,
    Module,
    ResetSignal,
    Signal,
)

from hdl.framing import FrameDecoder
from hdl.protocol import MessageType
from sim.formal.guard_props import find_signals

__all__ = ["tapped_decoder", "FrameDecoderSpec"]


def tapped_decoder(decoder_class: type[FrameDecoder]) -> type[FrameDecoder]:
    """A subclass of ``decoder_class`` that exposes its CRC unit's verdict as ``tap_crc_ok``.

    The decoder's logic is untouched: the subclass elaborates the original and only adds
    wires from ``crc.match_detected`` (its submodule named ``crc``) and from its ``started``
    register (inside a frame) to signals the harness can read.
    """

    class Tapped(decoder_class):  # type: ignore[misc]
        def __init__(self, **kwargs: object) -> None:
            self.tap_crc_ok = Signal()
            self.tap_started = Signal()
            super().__init__(**kwargs)

        def elaborate(self, platform: object) -> Module:
            m = super().elaborate(platform)
            started = find_signals(m, ["started"])["started"]
            m.d.comb += [
                self.tap_crc_ok.eq(m.submodules.crc.match_detected),
                self.tap_started.eq(started),
            ]
            return m

    Tapped.__name__ = Tapped.__qualname__ = f"Tapped{decoder_class.__name__}"
    return Tapped


class FrameDecoderSpec(Elaboratable):
    """P4 harness around a frame decoder.

    Parameters
    ----------
    decoder_class : type
        The decoder under test (:class:`hdl.framing.FrameDecoder` or a mutant of it). It must
        have ``i_data``, ``o_msg``, ``o_bad_frame``, ``LATENCY == 0`` and a CRC submodule
        named ``crc``.
    """

    def __init__(self, decoder_class: type[FrameDecoder] = FrameDecoder) -> None:
        if getattr(decoder_class, "LATENCY", None) != 0:
            raise ValueError(
                f"Decoder latency must be 0, not {getattr(decoder_class, 'LATENCY', None)!r}"
            )
        self.dut = tapped_decoder(decoder_class)()

    def elaborate(self, platform: object) -> Module:
        m = Module()
        dut = self.dut
        m.submodules.dut = dut

        m.d.comb += Assume(ResetSignal() == Initial())
        valid = AnySeq(1)
        byte = AnySeq(8)
        m.d.comb += [dut.i_data.valid.eq(valid), dut.i_data.payload.eq(byte)]
        m.d.comb += Assert(dut.i_data.ready)

        # A frame is the bytes since the last delimiter; an empty one is idle line.
        started = Signal()
        delimiter = valid & (byte == 0)
        with m.If(delimiter):
            m.d.sync += started.eq(0)
        with m.Elif(valid):
            m.d.sync += started.eq(1)
        frame_end = delimiter & started
        # Strengthening for k-induction: the decoder's own "inside a frame" is this one.
        m.d.comb += Assert(dut.tap_started == started)
        bad_crc = frame_end & ~dut.tap_crc_ok

        # No beat for a bad CRC; a strobe instead; outputs only at the end of a frame.
        with m.If(bad_crc):
            m.d.comb += [Assert(~dut.o_msg.valid), Assert(dut.o_bad_frame)]
        with m.If(~frame_end):
            m.d.comb += [Assert(~dut.o_msg.valid), Assert(~dut.o_bad_frame)]
        m.d.comb += Assert(~(dut.o_msg.valid & dut.o_bad_frame))

        # Cut-through: a beat's payload was already on o_msg for the two cycles before it (the
        # guard core registers it on the cycle before the beat).
        payload = dut.o_msg.payload.as_value()
        before = [Signal(len(payload), name=f"payload_{n}_before") for n in (1, 2)]
        m.d.sync += [before[0].eq(payload), before[1].eq(before[0])]
        with m.If(dut.o_msg.valid):
            m.d.comb += [Assert(payload == before[0]), Assert(before[0] == before[1])]

        # Non-vacuity: a bad-CRC frame, a good frame, and a good frame after a bad-CRC one.
        bad_crc_seen = Signal()
        with m.If(bad_crc):
            m.d.sync += bad_crc_seen.eq(1)
        m.d.comb += [
            Cover(bad_crc),
            Cover(dut.o_msg.valid & (dut.o_msg.payload.type == MessageType.ARM)),
            Cover(dut.o_msg.valid & bad_crc_seen),
        ]
        return m
