"""The guard's configuration commands, written once for every guard line that sends them.

A command is a request the guard answers with an ACK. :class:`GuardCommands` turns the
typed calls the engine makes into the protocol's fields; a subclass says only how one command
travels and how a refusal is raised (:meth:`GuardCommands._command_ok`), so the serial/sim
client and the backtests' direct model adapter cannot drift apart in what they send.
"""

import abc

from hdl.protocol import ArmMode, LimitId, MessageType

__all__ = ["GuardCommands"]


class GuardCommands(abc.ABC):
    """SET_LIMIT, SET_INSTRUMENT, ARM and KILL over :meth:`_command_ok`."""

    @abc.abstractmethod
    async def _command_ok(self, command: MessageType, argument: int, **fields: int) -> None:
        """Send ``command`` with ``fields``; raise
        :class:`~host.link.client.GuardCommandError` (naming ``argument``) unless ACKed OK."""

    async def set_limit(self, limit: LimitId, value: int) -> None:
        """Set one limit; raises :class:`~host.link.client.GuardCommandError` unless OK."""
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
        """Configure one instrument; raises :class:`~host.link.client.GuardCommandError` on
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

    async def arm(self, mode: ArmMode = ArmMode.ACTIVE) -> None:
        """Arm (or re-arm after a kill) in ``mode``; raises
        :class:`~host.link.client.GuardCommandError` unless OK."""
        mode = ArmMode(mode)
        await self._command_ok(MessageType.ARM, mode, mode=mode)

    async def kill(self) -> None:
        """Latch the kill switch (HALTED until re-armed)."""
        await self._command_ok(MessageType.KILL, 0)
