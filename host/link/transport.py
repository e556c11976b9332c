"""Byte transports to a guard: one small async interface, three backends.

A :class:`Transport` moves raw bytes (COBS frames with their 0x00 delimiters) and knows
nothing about messages; :class:`host.link.client.GuardClient` does the framing on top. The
same encoded bytes reach every backend, so a backtest against the model exercises the codec
exactly as a board does:

* :class:`SerialTransport` -- a real board on a USB serial port, or the Verilator model of the
  gateware behind a pseudo-terminal (``quantum sim-serve``); both are just serial ports.
* :class:`host.link.model_transport.ModelTransport` -- the Python reference model in-process.
"""

import abc
import asyncio
import logging
import threading

import serial

__all__ = ["Transport", "TransportClosed", "TransportOpenError", "SerialTransport"]

logger = logging.getLogger(__name__)


class TransportClosed(ConnectionError):
    """The transport was closed (by us or because the other end went away)."""


class Transport(abc.ABC):
    """Async byte pipe to a guard.

    Attributes
    ----------
    description : str
        What is on the other end, e.g. ``"serial:/dev/ttyUSB1"``.
    """

    description: str

    @abc.abstractmethod
    async def write(self, data: bytes) -> None:
        """Send ``data``; raises :class:`TransportClosed` once closed."""

    @abc.abstractmethod
    async def read(self) -> bytes:
        """The next chunk of received bytes (at least one byte); raises
        :class:`TransportClosed` when the transport is closed and drained."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release the transport; pending and later reads raise :class:`TransportClosed`."""


class TransportOpenError(ConnectionError):
    """The port could not be opened: missing, busy or not permitted (the message says which)."""


class SerialTransport(Transport):
    """A serial port through pyserial, with a reader thread feeding an asyncio queue.

    pyserial is blocking; a dedicated reader thread keeps receive latency at the port's own
    (a pty round trip is ~0.2 ms) instead of polling, and writes go through a worker thread
    so a slow 115200-baud port never blocks the event loop.

    Parameters
    ----------
    port : str
        Device path, e.g. ``/dev/ttyUSB1`` or the pty printed by ``quantum sim-serve``.
    baudrate : int
        Ignored by a pty; must match the gateware build on a board.
    """

    def __init__(self, port: str, *, baudrate: int = 115_200) -> None:
        if not isinstance(port, str) or not port:
            raise ValueError(f"Serial port must be a non-empty path, not {port!r}")
        if not isinstance(baudrate, int) or baudrate <= 0:
            raise ValueError(f"Baud rate must be a positive integer, not {baudrate!r}")
        self.description = f"serial:{port}"
        try:
            self._serial = serial.Serial(port, baudrate=baudrate, timeout=0.05, write_timeout=2.0)
        except serial.SerialException as error:
            raise TransportOpenError(
                f"Serial port {port} must exist and be free to open, not: "
                f"{error.strerror or error}. Is the board plugged in, and is this its port? "
                "`python -m serial.tools.list_ports` lists the ports."
            ) from error
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._closed = threading.Event()
        self._thread = threading.Thread(
            target=self._reader, name=f"serial-reader {port}", daemon=True
        )
        self._thread.start()

    def _reader(self) -> None:
        try:
            while not self._closed.is_set():
                waiting = max(1, self._serial.in_waiting)
                chunk = self._serial.read(waiting)
                if chunk:
                    self._loop.call_soon_threadsafe(self._queue.put_nowait, chunk)
        except (OSError, serial.SerialException, TypeError) as error:
            # TypeError: pyserial's fd becomes None when closed under a blocked read.
            if not self._closed.is_set():
                logger.warning("link: serial port %s failed: %s", self.description, error)
        finally:
            try:
                self._loop.call_soon_threadsafe(self._queue.put_nowait, None)
            except RuntimeError:
                pass  # the loop is already closed: nobody is reading any more

    async def write(self, data: bytes) -> None:
        if self._closed.is_set():
            raise TransportClosed(f"{self.description} is closed")
        try:
            await asyncio.to_thread(self._serial.write, data)
        except (OSError, serial.SerialException) as error:
            raise TransportClosed(f"{self.description} failed: {error}") from error

    async def read(self) -> bytes:
        chunk = await self._queue.get()
        if chunk is None:
            self._queue.put_nowait(None)  # every later read sees the closure too
            raise TransportClosed(f"{self.description} is closed")
        return chunk

    async def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        await asyncio.to_thread(self._thread.join, 1.0)
        self._serial.close()
