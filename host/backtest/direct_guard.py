"""The reference model of the gateware as a guard line, at message level, on event time.

:class:`DirectModelGuard` hands :class:`~host.link.codec.Message` objects straight to
:class:`host.link.model.GuardModel`, skipping COBS, CRC and the asyncio transport of
:class:`~host.link.client.GuardClient` over :class:`~host.link.model_transport.ModelTransport`.
The verdicts are the model's either way; this path only saves the byte work and the task
switches, which dominate a backtest (``host.backtest.bench`` measures both).
"""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from hdl.protocol import (
    AckResult,
    MessageType,
    OrderKind,
    Reason,
    Side,
    TickReason,
)
from host.link.client import GuardInfo
from host.link.codec import Message
from host.link.commands import GuardCommandError, GuardCommands

__all__ = ["DirectModelGuard", "MESSAGE_SPACING"]

#: Cycles between two messages, as the transport spaces them (a frame takes at least this).
MESSAGE_SPACING = 5


class DirectModelGuard(GuardCommands):
    """A :class:`~host.engine.guard_line.GuardLine` over the reference model, no bytes.

    Parameters
    ----------
    clock_hz, time_unit_cycles : int
        The modelled gateware's clock and time unit (defaults: 12 MHz, 1 us units).
    """

    backend = "model"

    def __init__(self, *, clock_hz: int = 12_000_000, time_unit_cycles: int = 12) -> None:
        from host.link.model import GuardModel

        self.model = GuardModel(clock_hz=clock_hz, time_unit_cycles=time_unit_cycles)
        self.clock_hz = clock_hz
        self.connected = True
        self._cycle = 0
        self._clock = 0
        self._alerts: asyncio.Queue[Message | None] = asyncio.Queue()
        #: Event time (us) that is cycle 0, for :meth:`set_event_time`.
        self.origin_us = 0
        reply = self._send(Message(MessageType.HELLO, {"version": 1}))[0]
        self.info = GuardInfo(**{name: reply[name] for name in GuardInfo.__dataclass_fields__})

    def set_time_us(self, elapsed_us: int) -> None:
        """Move the model's clock to ``elapsed_us`` of event time since the start."""
        cycle = elapsed_us * self.clock_hz // 1_000_000
        if cycle > self._clock:
            self._clock = cycle

    def set_event_time(self, ts_us: int) -> None:
        """Move the model's clock to absolute event time ``ts_us`` (``origin_us`` is cycle 0)."""
        cycle = (ts_us - self.origin_us) * self.clock_hz // 1_000_000
        if cycle > self._clock:
            self._clock = cycle

    @property
    def alerts_pending(self) -> bool:
        """True when ALERTs wait in :meth:`pending_alerts`."""
        return not self._alerts.empty()

    def _send(self, message: Message, *, poll: bool = True) -> list[Message]:
        cycle = max(self._clock, self._cycle + MESSAGE_SPACING)
        self._cycle = cycle
        if not poll:
            # Ticks skip the alert poll: the model still latches on time, and the ALERT is
            # collected by the next other message (a heartbeat at the latest).
            return self.model.receive(message, cycle)
        for _, alert in self.model.poll(cycle):
            self._alerts.put_nowait(alert)
        replies = self.model.receive(message, cycle)
        for _, alert in self.model.poll(cycle):
            self._alerts.put_nowait(alert)
        return replies

    async def _acknowledge(self, command: MessageType, argument: int, **fields: int) -> Message:
        for reply in self._send(Message(command, fields)):
            if reply.type == MessageType.ACK:
                return reply
        raise GuardCommandError(command, argument, AckResult.BAD_ARGUMENT)

    async def heartbeat(self) -> None:
        """HEARTBEAT (feeds the watchdog)."""
        self._send(Message(MessageType.HEARTBEAT))

    async def tick(self, instrument: int, timestamp: int, bid: int, ask: int) -> TickReason:
        """The tick filter's verdict."""
        fields = {"instrument": instrument, "timestamp": timestamp, "bid": bid, "ask": ask}
        for reply in self._send(Message(MessageType.TICK, fields), poll=False):
            if reply.type == MessageType.TICK_VERDICT:
                return TickReason(reply["reason"])
        raise TimeoutError("the model gave no tick verdict")

    async def order(
        self,
        client_id: int,
        instrument: int,
        side: Side,
        kind: OrderKind,
        price: int,
        quantity: int,
    ) -> Reason:
        """The pre-trade verdict; NO_VERDICT if the model answered nothing (fail closed)."""
        fields = {
            "client_id": client_id,
            "instrument": instrument,
            "side": int(side),
            "kind": int(kind),
            "price": price,
            "quantity": quantity,
        }
        for reply in self._send(Message(MessageType.ORDER, fields)):
            if reply.type == MessageType.ORDER_VERDICT:
                return Reason(reply["reason"])
        return Reason.NO_VERDICT

    async def status_section(self, section: int) -> Message:
        """One raw STATUS_REPLY."""
        for reply in self._send(Message(MessageType.STATUS, {"section": section})):
            if reply.type == MessageType.STATUS_REPLY:
                return reply
        raise TimeoutError(f"the model gave no status section {section}")

    async def status(self) -> Any:
        """The decoded status (host.link.status)."""
        import importlib

        status = importlib.import_module("host.link.status")
        return await status.read_status(self.status_section)

    async def alerts(self) -> AsyncIterator[Message]:
        """ALERTs the model raised, as they become due on the event clock."""
        while True:
            message = await self._alerts.get()
            if message is None:
                return
            yield message

    def pending_alerts(self) -> list[Message]:
        """ALERTs raised so far and not yet consumed (backtests check them per event)."""
        alerts = []
        while not self._alerts.empty():
            message = self._alerts.get_nowait()
            if message is not None:
                alerts.append(message)
        return alerts

    async def close(self) -> None:
        """Stop the alert stream."""
        self.connected = False
        self._alerts.put_nowait(None)
