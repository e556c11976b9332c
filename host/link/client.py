"""The async API the engine uses to talk to a guard, whichever backend is behind it.

:class:`GuardClient` turns calls into frames, matches every response to its request and fails
closed: an order without a verdict within the timeout is :attr:`Reason.NO_VERDICT`, an order on
a closed link is :attr:`Reason.LINK_DOWN`; neither is ever treated as an accept.

Backends (``GuardClient.connect(spec)``):

==================  ========================================================================
spec                backend
==================  ========================================================================
``model``           the Python reference model in-process (:class:`ModelTransport`)
``sim``             starts ``quantum sim-serve`` (Verilator model of the gateware behind a
                    pty) and owns it; ``sim:PATH`` attaches to one already running
``serial:PORT``     a board on a serial port, optionally ``serial:PORT@BAUD``
==================  ========================================================================
"""

import asyncio
import collections
import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Hashable
from dataclasses import dataclass
from typing import Any

from hdl.protocol import (
    PROTOCOL_VERSION,
    MessageType,
    OrderKind,
    Reason,
    Side,
    TickReason,
)
from host.link.codec import FrameError, FrameSplitter, Message, decode_frame, encode
from host.link.commands import GuardCommandError, GuardCommands
from host.link.status import GuardStatus, read_status
from host.link.transport import SerialTransport, Transport, TransportClosed

__all__ = [
    "GuardClient",
    "GuardInfo",
    "GuardLinkError",
    "GuardTimeoutError",
    "GuardCommandError",
    "GuardProtocolError",
    "SIM_START_TIMEOUT",
]

logger = logging.getLogger(__name__)

#: Seconds to wait for ``quantum sim-serve`` to print its pty (the first Verilator build of the
#: gateware takes a minute or two; later starts reuse it).
SIM_START_TIMEOUT = 600.0


class GuardLinkError(ConnectionError):
    """The link to the guard is down or misbehaving."""


class GuardTimeoutError(GuardLinkError, TimeoutError):
    """No response within the timeout."""


class GuardProtocolError(GuardLinkError):
    """The other end does not speak our protocol version."""


@dataclass(frozen=True)
class GuardInfo:
    """What the guard said in its HELLO reply."""

    version: int
    n_instruments: int
    n_order_slots: int
    time_unit_cycles: int
    clock_hz: int

    @property
    def time_unit_seconds(self) -> float:
        """Length of one time unit (the unit of every window and timeout limit)."""
        return self.time_unit_cycles / self.clock_hz


def _hex(data: bytes) -> str:
    return " ".join(f"{byte:02x}" for byte in data)


def _response_key(message: Message) -> Hashable | None:
    """The key a response is matched on, the same one its request registered."""
    match message.type:
        case MessageType.HELLO_REPLY:
            return ("hello",)
        case MessageType.ACK:
            return ("ack", message["command"], message["argument"])
        case MessageType.STATUS_REPLY:
            return ("status", message["section"])
        case MessageType.TICK_VERDICT:
            return ("tick", message["instrument"], message["timestamp"])
        case MessageType.ORDER_VERDICT:
            return ("order", message["client_id"])
    return None


#: Commands whose ACK argument does not identify the request (ARM, KILL; CANCEL_ALL's is a
#: count): matched by command.
_ACK_BY_COMMAND = (MessageType.ARM, MessageType.KILL, MessageType.CANCEL_ALL)


class GuardClient(GuardCommands):
    """Requests to one guard over one transport, with responses matched to requests.

    Use :meth:`connect`; the constructor is for a transport built by hand (e.g. a
    :class:`ModelTransport` on a :class:`VirtualClock` for a deterministic backtest).

    Attributes
    ----------
    backend : str
        ``"model"``, ``"sim:/dev/pts/N"`` or ``"serial:/dev/ttyUSB1"``: show it with results.
    bad_frames : int
        Frames from the guard that failed decoding (counted, never acted on).
    unmatched : int
        Good frames that matched no request (late responses after a timeout, or strays).
    connected : bool
        False once the link is closed or has failed.
    info : GuardInfo or None
        The HELLO reply, after :meth:`hello`.
    timeout : float
        Seconds to wait for each response.
    """

    def __init__(
        self, transport: Transport, *, backend: str | None = None, timeout: float = 0.25
    ) -> None:
        if not isinstance(timeout, int | float) or timeout <= 0:
            raise ValueError(f"Timeout must be a positive number of seconds, not {timeout!r}")
        self.backend = backend or transport.description
        self.timeout = float(timeout)
        self.bad_frames = 0
        self.unmatched = 0
        self.late_verdicts = 0
        self.connected = True
        #: time.monotonic() of the last good frame from the guard: HEARTBEAT has no reply,
        #: so this is how a host tells a guard that hangs from a quiet one.
        self.last_rx = time.monotonic()
        self.info: GuardInfo | None = None
        self._transport = transport
        self._splitter = FrameSplitter()
        self._pending: dict[Hashable, collections.deque[asyncio.Future[Message]]] = {}
        self._abandoned_orders: set[int] = set()
        self._alerts: asyncio.Queue[Message | None] = asyncio.Queue()
        self._write_lock = asyncio.Lock()
        self._background: set[asyncio.Task[Any]] = set()
        self._owned_process: subprocess.Popen[bytes] | None = None
        self._reader = asyncio.get_running_loop().create_task(self._read_forever())

    # ---- construction -------------------------------------------------------------------

    @classmethod
    async def connect(cls, spec: str, *, timeout: float = 0.25) -> "GuardClient":
        """Open the backend named by ``spec`` and do the HELLO exchange.

        Raises
        ------
        ValueError
            On an unknown spec.
        GuardProtocolError
            If the guard speaks another protocol version.
        GuardTimeoutError
            If the guard does not answer HELLO.
        """
        if not isinstance(spec, str):
            raise TypeError(f"Guard spec must be a string, not {spec!r}")
        process = None
        if spec == "model":
            from host.link.model_transport import ModelTransport

            transport: Transport = ModelTransport()
            backend = "model"
        elif spec == "sim" or spec.startswith("sim:"):
            path = spec[4:]
            if not path:
                process, path = await _start_sim_serve()
            transport = SerialTransport(path)
            backend = f"sim:{path}"
        elif spec.startswith("serial:") and len(spec) > 7:
            port, _, baud = spec[7:].partition("@")
            if baud and not baud.isdigit():
                raise ValueError(f"Baud rate in {spec!r} must be an integer, not {baud!r}")
            transport = SerialTransport(port, baudrate=int(baud) if baud else 115_200)
            backend = f"serial:{port}"
        else:
            raise ValueError(
                f"Guard spec must be 'model', 'sim', 'sim:PATH' or 'serial:PORT', not {spec!r}"
            )
        client = cls(transport, backend=backend, timeout=timeout)
        client._owned_process = process
        try:
            await client.hello()
        except BaseException:
            await client.close()
            raise
        return client

    async def close(self) -> None:
        """Close the link (and stop a sim-serve this client started). Idempotent."""
        self.connected = False
        await self._transport.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        self._fail_pending()
        for task in list(self._background):
            task.cancel()
        if self._owned_process is not None:
            await _stop_process(self._owned_process)
            self._owned_process = None

    async def __aenter__(self) -> "GuardClient":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # ---- logging, receive path ----------------------------------------------------------

    def _log(self, level: int, message: str, *args: object, frame: bytes | None = None) -> None:
        if not logger.isEnabledFor(level):
            return
        if frame is not None:
            message += " [%s]"
            args = (*args, _hex(frame))
        logger.log(level, "link: " + message, *args)

    async def _read_forever(self) -> None:
        try:
            while True:
                chunk = await self._transport.read()
                for frame in self._splitter.feed(chunk):
                    self._on_frame(frame)
        except TransportClosed as error:
            if self.connected:
                self._log(logging.WARNING, "%s went down: %s", self.backend, error)
        finally:
            self.connected = False
            self._fail_pending()
            self._alerts.put_nowait(None)

    def _on_frame(self, frame: bytes) -> None:
        try:
            message = decode_frame(frame)
        except FrameError as error:
            self.bad_frames += 1
            self._log(logging.WARNING, "bad frame from %s: %s", self.backend, error, frame=frame)
            return
        self.last_rx = time.monotonic()
        self._log(logging.DEBUG, "rx %s %s", message.type.name, dict(message.fields), frame=frame)
        if message.type == MessageType.ALERT:
            self._alerts.put_nowait(message)
            return
        key = _response_key(message)
        waiters = self._pending.get(key)
        if not waiters and message.type == MessageType.ACK:
            key = ("ack", message["command"], None)
            waiters = self._pending.get(key)
        if waiters:
            future = waiters.popleft()
            if not waiters:
                del self._pending[key]
            if not future.done():
                future.set_result(message)
            return
        if message.type == MessageType.ORDER_VERDICT:
            client_id = message["client_id"]
            if client_id in self._abandoned_orders:
                self._abandoned_orders.discard(client_id)
                self.late_verdicts += 1
                self._on_late_verdict(client_id, Reason(message["reason"]))
                return
        self.unmatched += 1
        self._log(logging.WARNING, "response matched no request: %s", message, frame=frame)

    def _on_late_verdict(self, client_id: int, reason: Reason) -> None:
        self._log(logging.WARNING, "late verdict %s for order %d", reason.name, client_id)
        if reason == Reason.ACCEPT:
            # The host already treated it as NO_VERDICT and never sent it; cancel it so the
            # gateware's open-order table and exposure stay true.
            task = asyncio.get_running_loop().create_task(self.cancel(client_id))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    def _fail_pending(self) -> None:
        for waiters in self._pending.values():
            for future in waiters:
                if not future.done():
                    future.set_exception(GuardLinkError(f"{self.backend} is down"))
                    # Mark as retrieved: a waiter that already gave up must not warn.
                    future.exception()
        self._pending.clear()

    # ---- request path -------------------------------------------------------------------

    async def _send(self, message: Message) -> None:
        if not self.connected:
            raise GuardLinkError(f"{self.backend} is down")
        frame = encode(message)
        self._log(logging.DEBUG, "tx %s %s", message.type.name, dict(message.fields), frame=frame)
        try:
            async with self._write_lock:
                await self._transport.write(frame)
        except TransportClosed as error:
            self.connected = False
            raise GuardLinkError(f"{self.backend} is down: {error}") from error

    async def _request(self, message: Message, key: Hashable) -> Message:
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._pending.setdefault(key, collections.deque()).append(future)
        try:
            await self._send(message)
            return await asyncio.wait_for(asyncio.shield(future), self.timeout)
        except TimeoutError:
            raise GuardTimeoutError(
                f"No response to {message.type.name} from {self.backend} within {self.timeout} s"
            ) from None
        finally:
            waiters = self._pending.get(key)
            if waiters is not None and future in waiters:
                waiters.remove(future)
                if not waiters:
                    del self._pending[key]

    async def _acknowledge(self, command: MessageType, argument: int, **fields: int) -> Message:
        by_command = command in _ACK_BY_COMMAND
        key = ("ack", command, None if by_command else argument)
        return await self._request(Message(command, fields), key)

    # ---- the API ------------------------------------------------------------------------

    async def hello(self) -> GuardInfo:
        """Exchange HELLO; checks that both sides speak :data:`PROTOCOL_VERSION`."""
        reply = await self._request(
            Message(MessageType.HELLO, {"version": PROTOCOL_VERSION}), ("hello",)
        )
        if reply["version"] != PROTOCOL_VERSION:
            raise GuardProtocolError(
                f"Guard protocol version must be {PROTOCOL_VERSION}, not {reply['version']!r}"
            )
        self.info = GuardInfo(**{name: reply[name] for name in GuardInfo.__dataclass_fields__})
        self._log(logging.INFO, "connected to %s: %s", self.backend, self.info)
        return self.info

    async def heartbeat(self) -> None:
        """Feed the gateware's watchdog (no response is expected)."""
        await self._send(Message(MessageType.HEARTBEAT))

    async def tick(self, instrument: int, timestamp: int, bid: int, ask: int) -> TickReason:
        """The tick filter's verdict on one top-of-book update.

        Raises
        ------
        GuardTimeoutError, GuardLinkError
            No verdict: the caller must treat the tick as not accepted.
        """
        fields = {"instrument": instrument, "timestamp": timestamp, "bid": bid, "ask": ask}
        reply = await self._request(
            Message(MessageType.TICK, fields), ("tick", instrument, timestamp)
        )
        return TickReason(reply["reason"])

    async def order(
        self,
        client_id: int,
        instrument: int,
        side: Side,
        kind: OrderKind,
        price: int,
        quantity: int,
    ) -> Reason:
        """The pre-trade verdict on one order; never raises on a link problem (fail closed).

        Returns
        -------
        Reason
            ``ACCEPT``, a reject reason, ``NO_VERDICT`` on timeout or ``LINK_DOWN``.
        """
        fields = {
            "client_id": client_id,
            "instrument": instrument,
            "side": int(side),
            "kind": int(kind),
            "price": price,
            "quantity": quantity,
        }
        message = Message(MessageType.ORDER, fields)
        try:
            reply = await self._request(message, ("order", client_id))
        except GuardTimeoutError:
            self._abandoned_orders.add(client_id)
            self._log(logging.WARNING, "order %d: no verdict, failing closed", client_id)
            return Reason.NO_VERDICT
        except GuardLinkError:
            return Reason.LINK_DOWN
        return Reason(reply["reason"])

    async def status_section(self, section: int) -> Message:
        """The raw STATUS_REPLY of one section (see :class:`hdl.protocol.StatusSection`)."""
        return await self._request(
            Message(MessageType.STATUS, {"section": section}), ("status", section)
        )

    async def status(self) -> GuardStatus:
        """Every status section, decoded by :func:`host.link.status.read_status`."""
        return await read_status(self.status_section)

    async def alerts(self) -> AsyncIterator[Message]:
        """ALERT frames as they arrive; ends when the link closes."""
        while True:
            message = await self._alerts.get()
            if message is None:
                self._alerts.put_nowait(None)
                return
            yield message

    def press_kill_button(self) -> None:
        """Press the modelled board's kill switch (``model`` backend only)."""
        press = getattr(self._transport, "press_kill_button", None)
        if press is None:
            raise TypeError(f"Backend must be 'model' to press its button, not {self.backend!r}")
        press()


# ---- the owned sim-serve process ---------------------------------------------------------


async def _start_sim_serve() -> tuple[subprocess.Popen[bytes], str]:
    """Start ``quantum sim-serve`` and return it with the pty path it printed."""
    command = [sys.executable, "-m", "host.cli", "--no-banner", "sim-serve", "--print-path"]
    # its own session keeps a terminal's Ctrl-C for this process, which stops it in order;
    # --exit-with-parent stops it when this process dies without doing so
    command.append("--exit-with-parent")
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, start_new_session=True
    )
    assert process.stdout is not None
    stdout = process.stdout

    def wait_for_path() -> str:
        for raw in iter(stdout.readline, b""):
            line = raw.decode(errors="replace").strip()
            if line.startswith("PTY "):
                return line[4:]
        return ""

    try:
        path = await asyncio.wait_for(asyncio.to_thread(wait_for_path), SIM_START_TIMEOUT)
    except TimeoutError:
        path = ""
    if not path:
        await _stop_process(process)
        raise GuardLinkError(f"sim-serve must print its pty path, not exit ({process.returncode})")
    logger.info("link: started sim-serve (pid %d) on %s", process.pid, path)
    return process, path


async def _stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(asyncio.to_thread(process.wait), 10)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await asyncio.to_thread(process.wait)
    if process.stdout is not None:
        process.stdout.close()
