"""The guard's configuration commands, written once for every guard line that sends them.

A command is a request the guard answers with an ACK. :class:`GuardCommands` turns the
typed calls the engine makes into the protocol's fields and refuses what the guard refused; a
subclass says only how one command travels (:meth:`GuardCommands._acknowledge`), so the
serial/sim client and the backtests' direct model adapter cannot drift apart in what they send.
"""

import abc

from hdl.protocol import AckResult, ArmMode, LimitId, MessageType
from host.link.codec import Message

__all__ = ["GuardCommands", "GuardCommandError"]


class GuardCommandError(RuntimeError):
    """The guard refused a command (its ACK was not OK).

    Attributes
    ----------
    command : MessageType
    argument : int
    result : AckResult
    """

    def __init__(self, command: MessageType, argument: int, result: AckResult) -> None:
        super().__init__(f"{command.name} {argument} was refused: {result.name}")
        self.command = command
        self.argument = argument
        self.result = result


class GuardCommands(abc.ABC):
    """SET_LIMIT, SET_INSTRUMENT, SET_POSITION, CANCEL_ALL, ARM, KILL, CANCEL and FILL over
    :meth:`_acknowledge`."""

    @abc.abstractmethod
    async def _acknowledge(self, command: MessageType, argument: int, **fields: int) -> Message:
        """Send ``command`` with ``fields`` and return its ACK (``argument`` is the one the
        ACK names, for matching and for errors)."""

    async def _command_ok(self, command: MessageType, argument: int, **fields: int) -> Message:
        """:meth:`_acknowledge`, raising :class:`GuardCommandError` unless the ACK is OK."""
        reply = await self._acknowledge(command, argument, **fields)
        result = AckResult(reply["result"])
        if result != AckResult.OK:
            raise GuardCommandError(command, argument, result)
        return reply

    async def set_limit(self, limit: LimitId, value: int) -> None:
        """Set one limit; raises :class:`GuardCommandError` unless OK."""
        limit = LimitId(limit)
        await self._command_ok(MessageType.SET_LIMIT, limit, limit_id=limit, value=value)

    async def set_instrument(
        self,
        index: int,
        *,
        enabled: bool,
        max_position: int,
        min_price: int,
        max_price: int,
        band_ticks: int,
    ) -> None:
        """Configure one instrument; raises :class:`GuardCommandError` on
        refusal."""
        await self._command_ok(
            MessageType.SET_INSTRUMENT,
            index,
            instrument=index,
            enabled=int(enabled),
            max_position=max_position,
            min_price=min_price,
            max_price=max_price,
            band_ticks=band_ticks,
        )

    async def set_position(self, index: int, position: int, price: int) -> None:
        """Tell the guard the net ``position`` (lots) it did not see built on instrument
        ``index``, valued at ``price`` (ticks; 0 only when flat). Disarms the guard (re-arm
        after); raises :class:`GuardCommandError` on refusal."""
        await self._command_ok(
            MessageType.SET_POSITION, index, instrument=index, position=position, price=price
        )

    async def cancel_all(self) -> int:
        """Free every order slot of the guard (in any state); returns how many orders it
        held."""
        reply = await self._command_ok(MessageType.CANCEL_ALL, 0)
        return int(reply["argument"])

    async def arm(self, mode: ArmMode = ArmMode.ACTIVE) -> None:
        """Arm (or re-arm after a kill) in ``mode``; raises
        :class:`GuardCommandError` unless OK."""
        mode = ArmMode(mode)
        await self._command_ok(MessageType.ARM, mode, mode=mode)

    async def cancel(self, client_id: int) -> AckResult:
        """Release an open order in the guard (always processed, even when HALTED); its ACK
        result (UNKNOWN_ORDER for an id that is not open)."""
        return await self._result(MessageType.CANCEL, client_id, client_id=client_id)

    async def fill(self, client_id: int, price: int, quantity: int) -> AckResult:
        """Report an execution of an open order; its ACK result."""
        return await self._result(
            MessageType.FILL, client_id, client_id=client_id, price=price, quantity=quantity
        )

    async def _result(self, command: MessageType, argument: int, **fields: int) -> AckResult:
        return AckResult((await self._acknowledge(command, argument, **fields))["result"])

    async def kill(self) -> None:
        """Latch the kill switch (HALTED until re-armed)."""
        await self._command_ok(MessageType.KILL, 0)
