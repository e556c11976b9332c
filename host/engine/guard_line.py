"""What the engine needs of the first guard line: the async surface of GuardClient."""

from collections.abc import AsyncIterator
from typing import Any, Protocol

from hdl.protocol import AckResult, ArmMode, LimitId, OrderKind, Reason, Side, TickReason
from host.link.codec import Message

__all__ = ["GuardLine"]


class GuardLine(Protocol):
    """:class:`host.link.client.GuardClient` satisfies this; so do test fakes and the direct
    model adapter of the backtests."""

    backend: str
    connected: bool

    async def set_limit(self, limit: LimitId, value: int) -> None: ...

    async def set_instrument(
        self,
        index: int,
        *,
        enabled: bool,
        max_position: int,
        min_price: int,
        max_price: int,
        band_ticks: int,
    ) -> None: ...

    async def set_position(self, index: int, position: int, price: int) -> None: ...

    async def cancel_all(self) -> int: ...

    async def arm(self, mode: ArmMode = ArmMode.ACTIVE) -> None: ...

    async def kill(self) -> None: ...

    async def heartbeat(self) -> None: ...

    async def tick(self, instrument: int, timestamp: int, bid: int, ask: int) -> TickReason: ...

    async def order(
        self,
        client_id: int,
        instrument: int,
        side: Side,
        kind: OrderKind,
        price: int,
        quantity: int,
    ) -> Reason: ...

    async def cancel(self, client_id: int) -> AckResult: ...

    async def fill(self, client_id: int, price: int, quantity: int) -> AckResult: ...

    async def status(self) -> Any: ...

    def alerts(self) -> AsyncIterator[Message]: ...

    async def close(self) -> None: ...
