"""A TCP proxy that fault tests cut and restore: the database (or any server) becomes
unreachable for the program under test without touching the real server.

The shared MariaDB server must never be stopped by a test; a proxy between the engine and it
gives the same symptoms to the engine (connections reset, new connections refused) and is
restored in milliseconds. It runs on the caller's event loop.
"""

import asyncio
import contextlib
import logging
import socket
import struct

__all__ = ["TcpProxy"]

logger = logging.getLogger(__name__)

_CHUNK = 65_536


class TcpProxy:
    """Forward ``127.0.0.1:port`` to ``(target_host, target_port)`` until :meth:`cut`.

    ``cut()`` closes the listener (new connections are refused) and resets every forwarded
    connection in both directions; ``freeze()`` keeps every connection open but forwards
    nothing (a server that hangs, or a network that drops packets without a reset);
    ``restore()`` forwards again (after a cut: listens again on the same port).

    Parameters
    ----------
    target_host, target_port : str, int
        Where connections go.
    port : int, default 0
        Where to listen (0: a free port, kept across cut and restore).
    """

    def __init__(self, target_host: str, target_port: int, *, port: int = 0) -> None:
        if not (isinstance(target_port, int) and 0 < target_port < 65_536):
            raise ValueError(f"Target port must be 1..65535, not {target_port!r}")
        self.target = (target_host, target_port)
        self.port = port
        self.connections = 0
        self.resets = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()

    @property
    def up(self) -> bool:
        """True while connections are forwarded."""
        return self._server is not None

    async def start(self) -> "TcpProxy":
        """Listen and forward (again); returns self."""
        self._flowing.set()
        if self._server is None:
            self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
            self.port = self._server.sockets[0].getsockname()[1]
        return self

    restore = start

    def freeze(self) -> None:
        """Forward nothing more, in either direction, on any connection, old or new."""
        self._flowing.clear()

    async def cut(self) -> None:
        """Refuse new connections and reset every open one."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._writers):
            self._reset(writer)
        for task in list(self._tasks):
            task.cancel()
        if server is not None:
            await server.wait_closed()

    async def close(self) -> None:
        """Cut for good."""
        await self.cut()

    async def __aenter__(self) -> "TcpProxy":
        return await self.start()

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    def _reset(self, writer: asyncio.StreamWriter) -> None:
        # SO_LINGER 0: close with RST, as a dead server or a pulled cable looks to the client
        # (a polite FIN would let a driver believe the server hung up on purpose).
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()
        self._writers.discard(writer)
        self.resets += 1

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._server is None:
            self._reset(writer)
            return
        try:
            target_reader, target_writer = await asyncio.open_connection(*self.target)
        except OSError as error:
            logger.warning("proxy: cannot reach %s:%d: %s", *self.target, error)
            self._reset(writer)
            return
        self.connections += 1
        self._writers.update((writer, target_writer))
        pipes = [
            asyncio.create_task(self._pipe(reader, target_writer)),
            asyncio.create_task(self._pipe(target_reader, writer)),
        ]
        self._tasks.update(pipes)
        try:
            await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pipe in pipes:
                pipe.cancel()
                self._tasks.discard(pipe)
            for end in (writer, target_writer):
                if end in self._writers:
                    self._writers.discard(end)
                    end.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await reader.read(_CHUNK):
                await self._flowing.wait()
                writer.write(data)
                await writer.drain()
