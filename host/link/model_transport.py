"""In-process transport to the Python reference model of the gateware, fed the same bytes.

:class:`ModelTransport` splits the written bytes into frames exactly as the gateware's frame
decoder does, hands each good message to :class:`host.link.model.GuardModel` with a clock
cycle, and returns the model's responses encoded as frames. The cycle comes from a clock
source: :class:`WallClock` (wall time x clock_hz, for paper trading) or :class:`VirtualClock`
(advanced explicitly, for deterministic backtests in event time).
"""

import asyncio
import logging
import time
from typing import Protocol

from hdl.protocol import N_INSTRUMENTS, N_ORDER_SLOTS
from host.link.codec import FrameError, FrameSplitter, Message, decode_frame, encode
from host.link.transport import Transport, TransportClosed

__all__ = ["ClockSource", "WallClock", "VirtualClock", "GuardModelLike", "ModelTransport"]

logger = logging.getLogger(__name__)

#: The gateware never delivers two messages closer than this many cycles (the shortest frame
#: is 4 bytes + delimiter at one byte per cycle at most); the model is fed the same spacing.
MIN_MESSAGE_SPACING = 5


class ClockSource(Protocol):
    """Anything that tells the current gateware clock cycle."""

    clock_hz: int

    def now(self) -> int:
        """The current cycle (cycle 0 = first cycle after reset)."""
        ...


class WallClock:
    """Cycles derived from wall time: ``(monotonic() - start) x clock_hz``.

    Parameters
    ----------
    clock_hz : int
        Clock frequency of the modelled gateware.
    """

    def __init__(self, *, clock_hz: int = 12_000_000) -> None:
        if not isinstance(clock_hz, int) or clock_hz <= 0:
            raise ValueError(f"Clock frequency must be a positive integer, not {clock_hz!r}")
        self.clock_hz = clock_hz
        self._start = time.monotonic()

    def now(self) -> int:
        return int((time.monotonic() - self._start) * self.clock_hz)


class VirtualClock:
    """An explicit clock for deterministic runs: only :meth:`advance` and :meth:`set` move it.

    Parameters
    ----------
    clock_hz : int
        Clock frequency of the modelled gateware (converts seconds of event time to cycles).
    """

    def __init__(self, *, clock_hz: int = 12_000_000, cycle: int = 0) -> None:
        if not isinstance(clock_hz, int) or clock_hz <= 0:
            raise ValueError(f"Clock frequency must be a positive integer, not {clock_hz!r}")
        self.clock_hz = clock_hz
        self._cycle = 0
        self.set(cycle)

    def now(self) -> int:
        return self._cycle

    def set(self, cycle: int) -> None:
        """Move to ``cycle``; time never goes backwards."""
        if not isinstance(cycle, int) or cycle < self._cycle:
            raise ValueError(
                f"Cycle must be an integer not below the current {self._cycle}, not {cycle!r}"
            )
        self._cycle = cycle

    def advance(self, cycles: int) -> None:
        """Move forward by ``cycles``."""
        if not isinstance(cycles, int) or cycles < 0:
            raise ValueError(f"Cycles to advance must be a non-negative integer, not {cycles!r}")
        self._cycle += cycles

    def set_seconds(self, seconds: float) -> None:
        """Move to ``seconds`` of event time since the start (``seconds x clock_hz`` cycles)."""
        self.set(max(self._cycle, int(seconds * self.clock_hz)))


class GuardModelLike(Protocol):
    """The interface of :class:`host.link.model.GuardModel` that the transport uses."""

    def receive(self, message: Message, cycle: int) -> list[Message]: ...

    def bad_frame(self, cycle: int) -> None: ...

    def poll(self, cycle: int) -> list[tuple[int, Message]]: ...

    def press_kill_button(self, cycle: int) -> list[tuple[int, Message]]: ...


class ModelTransport(Transport):
    """The reference model behind the byte interface of a board.

    Parameters
    ----------
    model : GuardModelLike, optional
        Defaults to a fresh :class:`host.link.model.GuardModel` with the clock's frequency and
        ``time_unit_cycles`` (12 cycles at 12 MHz: one time unit is 1 us, as on a board).
    clock : ClockSource, optional
        Defaults to a :class:`WallClock` at 12 MHz.
    poll_interval : float
        Seconds between polls for autonomous ALERTs (watchdog) while nothing is written.
    n_instruments, n_order_slots : int
        The default model's size, as a gateware build's (ignored with ``model``).
    """

    def __init__(
        self,
        model: GuardModelLike | None = None,
        *,
        clock: ClockSource | None = None,
        time_unit_cycles: int = 12,
        poll_interval: float = 0.005,
        n_instruments: int = N_INSTRUMENTS,
        n_order_slots: int = N_ORDER_SLOTS,
    ) -> None:
        if poll_interval <= 0:
            raise ValueError(f"Poll interval must be positive, not {poll_interval!r}")
        self.clock: ClockSource = clock if clock is not None else WallClock()
        if model is None:
            # Imported here so that the codec and the client do not depend on the model.
            from host.link.model import GuardModel

            model = GuardModel(
                clock_hz=self.clock.clock_hz,
                time_unit_cycles=time_unit_cycles,
                n_instruments=n_instruments,
                n_order_slots=n_order_slots,
            )
        self.model = model
        self.description = "model"
        self._splitter = FrameSplitter()
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._last_cycle = -MIN_MESSAGE_SPACING
        self._closed = False
        self._poll_interval = poll_interval
        self._poller = asyncio.get_running_loop().create_task(self._poll_forever())
        #: Frames the model side dropped as bad (the gateware's bad-frame counter).
        self.bad_frames = 0

    def _next_cycle(self) -> int:
        cycle = max(self.clock.now(), self._last_cycle + MIN_MESSAGE_SPACING)
        self._last_cycle = cycle
        return cycle

    def _deliver(self, messages: list[Message]) -> None:
        if messages:
            self._queue.put_nowait(b"".join(encode(m) for m in messages))

    def poll(self) -> None:
        """Deliver the ALERTs the model has due by the clock's current cycle."""
        due = self.model.poll(max(self.clock.now(), self._last_cycle))
        self._deliver([message for _, message in sorted(due, key=lambda item: item[0])])

    async def _poll_forever(self) -> None:
        while not self._closed:
            self.poll()
            await asyncio.sleep(self._poll_interval)

    async def write(self, data: bytes) -> None:
        if self._closed:
            raise TransportClosed("model transport is closed")
        for frame in self._splitter.feed(data):
            cycle = self._next_cycle()
            self._deliver([m for _, m in sorted(self.model.poll(cycle), key=lambda i: i[0])])
            try:
                message = decode_frame(frame)
            except FrameError as error:
                self.bad_frames += 1
                logger.debug("link: model dropped a bad frame: %s", error)
                self.model.bad_frame(cycle)
                continue
            self._deliver(self.model.receive(message, cycle))

    def press_kill_button(self) -> None:
        """Press the (modelled) board's physical kill switch."""
        due = self.model.press_kill_button(self._next_cycle())
        self._deliver([message for _, message in sorted(due, key=lambda item: item[0])])

    async def read(self) -> bytes:
        chunk = await self._queue.get()
        if chunk is None:
            self._queue.put_nowait(None)
            raise TransportClosed("model transport is closed")
        # Hand over everything already queued at once: fewer wake-ups in a backtest.
        while not self._queue.empty():
            more = self._queue.get_nowait()
            if more is None:
                self._queue.put_nowait(None)
                break
            chunk += more
        return chunk

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._poller.cancel()
        self._queue.put_nowait(None)
