"""Shared pieces of the cocotb test modules: metrics output and the cycle-exact GuardTop driver.

Cycle numbering matches the reference model: cycle 0 is the cycle at whose falling edge reset
is released, the first cycle whose closing edge samples ``rst`` low, i.e. the first cycle in
which the design runs from its initial state (Amaranth's simulator calls it cycle 0 as well).
Inputs for cycle ``k`` are set at its falling edge and outputs are read in its ReadOnly phase.
"""

import collections
import json
import os
from typing import Any

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly

from hdl.guard_spec import VERDICT_LATENCY
from hdl.protocol import MessageType, Reason
from host.link.codec import FrameError, FrameSplitter, Message, decode_frame, encode
from host.link.model import GuardModel
from sim.beats import beat_to_message
from sim.designs import DESIGN_SIZES, SIM_CLOCK_HZ, SIM_TIME_UNIT_CYCLES
from sim.runner import METRICS_ENV

__all__ = ["write_metrics", "GuardDriver", "Mismatch", "canonical"]

_TYPE_BITS = 8


def canonical(message: Message) -> Message:
    """``message`` with every field present (as decoding yields it), for comparisons."""
    return decode_frame(encode(message)[:-1])


def write_metrics(values: dict[str, Any], *, key: str) -> None:
    """Merge ``{key: values}`` into the metrics file the runner reads, if it asked for one."""
    path = os.environ.get(METRICS_ENV)
    if not path:
        return
    metrics: dict[str, Any] = {}
    if os.path.exists(path):
        with open(path) as existing:
            metrics = json.load(existing)
    metrics[key] = values
    with open(path, "w") as out:
        json.dump(metrics, out, indent=2, sort_keys=True)


class Mismatch:
    """One difference between the gateware and the model, kept for the report."""

    def __init__(self, cycle: int, what: str) -> None:
        self.cycle = cycle
        self.what = what

    def __repr__(self) -> str:
        return f"cycle {self.cycle}: {self.what}"


class GuardDriver:
    """Drives the ``guard_top`` probe byte by byte and checks it against :class:`GuardModel`.

    Every good frame's beat into the core is fed to the model at that exact cycle, every
    bad-frame strobe and response drop too; every response beat out of the core must equal the
    model's response at the model's cycle. Differences are collected in :attr:`mismatches`.

    Attributes
    ----------
    cycle : int
        The current cycle (its inputs are being set).
    responses : list of (int, Message)
        Core response beats seen, with their cycles.
    tx_messages : list of Message
        Frames that left the top on ``o_tx``, decoded by the host codec.
    latencies : dict of str to set of int
        Cycles from an ORDER's delimiter byte to its ORDER_VERDICT beat, per reason name.
    """

    def __init__(self, dut: Any) -> None:
        self.dut = dut
        self.cycle = 0
        self._clock_started = False
        #: The guard's size, as the design was built (sim.designs.DESIGN_SIZES)
        self.size = DESIGN_SIZES[dut._name]
        self.model = self._new_model()
        self.mismatches: list[Mismatch] = []
        self.latencies: dict[str, set[int]] = collections.defaultdict(set)
        self.messages_sent = 0
        self.bad_frames_sent = 0
        self._reset_records()

    def _reset_records(self) -> None:
        self.responses: list[tuple[int, Message]] = []
        self.expected: list[tuple[int, Message]] = []
        self.tx_messages: list[Message] = []
        self.bad_frames_seen = 0
        self.drops = 0
        self._tx_splitter = FrameSplitter()
        self._noisy_splitter = FrameSplitter()
        self._pending_good: collections.deque[Message] = collections.deque()
        self._order_delimiters: dict[int, collections.deque[int]] = collections.defaultdict(
            collections.deque
        )
        self._compared = 0

    def _mismatch(self, what: str) -> None:
        self.mismatches.append(Mismatch(self.cycle, what))
        if len(self.mismatches) <= 20:
            cocotb.log.error("mismatch at cycle %d: %s", self.cycle, what)

    async def reset(self) -> None:
        """Reset the design and the model; on return, cycle 0's inputs may be set."""
        dut = self.dut
        if not self._clock_started:
            Clock(dut.clk, 1, unit="us").start()
            self._clock_started = True
        dut.rst.value = 1
        dut.i_rx__valid.value = 0
        dut.i_rx__payload.value = 0
        dut.o_tx__ready.value = 1
        dut.i_kill_button.value = 0
        for _ in range(3):
            await FallingEdge(dut.clk)
        dut.rst.value = 0
        self.cycle = 0
        self.model = self._new_model()
        self._reset_records()

    def _new_model(self) -> GuardModel:
        return GuardModel(clock_hz=SIM_CLOCK_HZ, time_unit_cycles=SIM_TIME_UNIT_CYCLES, **self.size)

    async def step(self) -> None:
        """Finish the current cycle (sample everything) and move to the next one."""
        dut = self.dut
        await ReadOnly()
        # One read per quiet cycle: the probe ORs every event into o_tap_any.
        if dut.o_tap_any.value:
            cycle = self.cycle
            if dut.o_tap_msg_valid.value:
                self._on_beat(cycle, int(dut.o_tap_msg.value))
            if dut.o_tap_bad_frame.value:
                self.bad_frames_seen += 1
                self.model.bad_frame(cycle)
            if dut.o_tap_rsp_dropped.value:
                self.drops += 1
                self.model.response_dropped(cycle)
            if dut.o_tap_rsp_valid.value:
                self._on_response(cycle, int(dut.o_tap_rsp.value))
            if dut.o_tx__valid.value and dut.o_tx__ready.value:
                for frame in self._tx_splitter.feed(bytes([int(dut.o_tx__payload.value)])):
                    try:
                        self.tx_messages.append(decode_frame(frame))
                    except FrameError as error:
                        self._mismatch(f"o_tx frame does not decode: {error}")
        await FallingEdge(dut.clk)
        self.cycle += 1

    def _on_beat(self, cycle: int, bits: int) -> None:
        message = beat_to_message(bits & 0xFF, bits >> _TYPE_BITS)
        if not self._pending_good:
            self._mismatch(f"decoder emitted {message} but no good frame was pending")
        else:
            expected = self._pending_good.popleft()
            if message != expected:
                self._mismatch(f"decoder emitted {message}, sent {expected}")
        self._collect_alerts(cycle)
        for response in self.model.receive(message, cycle):
            self.expected.append((cycle + VERDICT_LATENCY, canonical(response)))

    def _collect_alerts(self, cycle: int) -> None:
        for alert_cycle, alert in self.model.poll(cycle):
            self.expected.append((alert_cycle, canonical(alert)))

    def _on_response(self, cycle: int, bits: int) -> None:
        message = beat_to_message(bits & 0xFF, bits >> _TYPE_BITS)
        self.responses.append((cycle, message))
        if message.type == MessageType.ORDER_VERDICT:
            delimiters = self._order_delimiters.get(message["client_id"])
            if delimiters:
                delimiter = delimiters.popleft()
                self.latencies[Reason(message["reason"]).name.lower()].add(cycle - delimiter)

    async def send(
        self, data: bytes, *, gap: int = 0, press_at: int | None = None, paced: bool = False
    ) -> int:
        """Send raw bytes, one per cycle (``gap`` idle cycles after each); hold the kill
        button on the cycle of byte ``press_at``, if given (``len(data)``: the cycle after
        the last byte). ``paced``: the last byte (a good frame's delimiter) waits until the
        core would take its message (a compact core runs programs on the payload first).
        Returns the cycle of the last byte."""
        dut = self.dut
        last = self.cycle
        for index, byte in enumerate(data):
            if paced and index == len(data) - 1:
                while not dut.o_tap_ready.value:
                    await self.step()
            last = self.cycle
            dut.i_rx__valid.value = 1
            dut.i_rx__payload.value = byte
            if index == press_at:
                await self.press_kill_button()  # this cycle, with the byte
            else:
                await self.step()
            dut.i_rx__valid.value = 0
            for _ in range(gap):
                await self.step()
        if press_at == len(data):
            await self.press_kill_button()
        return last

    async def send_message(self, message: Message, *, press_before_end: int | None = None) -> None:
        """Send one good frame; the decoder must deliver exactly this message. With
        ``press_before_end``, the kill button is held on the cycle of the frame's byte that
        many bytes before its delimiter (0: the delimiter, the message's beat cycle; -1: the
        cycle after it, the message's update cycle)."""
        frame = encode(message)
        self._pending_good.append(canonical(message))
        self.messages_sent += 1
        press_at = None if press_before_end is None else len(frame) - 1 - press_before_end
        delimiter = await self.send(frame, press_at=press_at, paced=True)
        if message.type == MessageType.ORDER:  # its verdict comes after this returns
            self._order_delimiters[message["client_id"]].append(delimiter)

    async def send_bad(self, data: bytes) -> None:
        """Send bytes that the host codec rejects as whole frames; count how many frames."""
        splitter = FrameSplitter()
        frames = splitter.feed(data)
        for frame in frames:
            try:
                decode_frame(frame)
            except FrameError:
                continue
            raise ValueError(f"Bad frame must not decode, not {frame.hex()}")
        # A run too long for any frame is one bad frame to the gateware too.
        self.bad_frames_sent += len(frames) + splitter.oversize
        await self.send(data)

    async def send_noisy(self, data: bytes) -> None:
        """Send any bytes, valid frames and noise mixed, split anywhere.

        What the host's splitter and decoder make of the stream so far (kept across calls,
        as the gateware's decoder keeps its state) is what the gateware must do: each frame
        that decodes is expected as that message, every other frame and every run too long
        for a frame as one bad frame (counted in :attr:`bad_frames_sent`).
        """
        splitter = self._noisy_splitter
        oversize_before = splitter.oversize
        for frame in splitter.feed(data):
            try:
                message = decode_frame(frame)
            except FrameError:
                self.bad_frames_sent += 1
                continue
            self._pending_good.append(canonical(message))
            self.messages_sent += 1
        self.bad_frames_sent += splitter.oversize - oversize_before
        await self.send(data)

    @property
    def frames_pending(self) -> int:
        """Good frames sent whose message the decoder has not delivered yet."""
        return len(self._pending_good)

    async def idle(self, cycles: int) -> None:
        """Let ``cycles`` cycles pass with no input."""
        for _ in range(cycles):
            await self.step()

    async def press_kill_button(self) -> None:
        """Hold the kill button for the current cycle."""
        self.dut.i_kill_button.value = 1
        for alert_cycle, alert in self.model.press_kill_button(self.cycle):
            self.expected.append((alert_cycle, canonical(alert)))
        await self.step()
        self.dut.i_kill_button.value = 0

    def outstanding(self) -> int:
        """Responses the model expects that have not left on ``o_tx`` yet (approximately)."""
        return len(self.expected) - len(self.tx_messages) + len(self._pending_good)

    async def drain(self, *, limit: int = 2000) -> None:
        """Idle until every expected response has left on ``o_tx`` (or ``limit`` cycles)."""
        for _ in range(limit):
            # alerts the model has due so far (a FILL's kill) are part of what must come out
            self._collect_alerts(self.cycle - 1)
            if not self._pending_good and len(self.tx_messages) >= len(self.expected):
                break
            await self.step()
        await self.idle(4)
        self._collect_alerts(self.cycle - 1)
        for _ in range(limit):
            if len(self.tx_messages) >= len(self.expected):
                break
            await self.step()

    def check(self) -> int:
        """Compare everything seen so far with the model; returns the new mismatches' count."""
        before = len(self.mismatches)
        self._collect_alerts(self.cycle - 1)
        # only what is due by now: a response the model expects on a later cycle is not late
        due = [item for item in self.expected if item[0] < self.cycle]
        expected = sorted(due, key=lambda item: item[0])
        seen = self.responses
        for index in range(self._compared, max(len(expected), len(seen))):
            if index >= len(seen):
                self._mismatch(f"missing response {expected[index]}")
            elif index >= len(expected):
                self._mismatch(f"unexpected response {seen[index]}")
            elif seen[index] != expected[index]:
                self._mismatch(f"response {seen[index]} but model says {expected[index]}")
        self._compared = max(len(expected), len(seen))
        sent_on_tx = [message for _, message in seen]
        if self.drops == 0 and self.tx_messages != sent_on_tx[: len(self.tx_messages)]:
            self._mismatch("o_tx frames differ from the core's responses")
        return len(self.mismatches) - before
