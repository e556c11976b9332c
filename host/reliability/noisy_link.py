"""A guard link that corrupts and drops bytes in both directions, and a paper session over it."""

import asyncio
import contextlib
import logging
import random
from dataclasses import asdict, dataclass, field
from typing import Any

from hdl.protocol import MessageType, OrderKind, Reason, Side
from host.link.client import GuardClient, GuardCommandError, GuardLinkError
from host.link.codec import Message
from host.link.model import GuardModel
from host.link.model_transport import ModelTransport, VirtualClock
from host.link.transport import Transport

__all__ = ["NoisySessionResult", "NoisyTransport", "RecordingModel", "run_noisy_session"]

logger = logging.getLogger(__name__)

#: Guard clock and time unit used by the session (1 time unit = 12 cycles = 1 us at 12 MHz).
_CYCLES_PER_UNIT = 12


class NoisyTransport(Transport):
    """Wrap a transport so that each byte, either way, is corrupted or dropped with ``rate``.

    Parameters
    ----------
    inner : Transport
        The healthy link.
    rate : float
        Probability per byte of damage; half of the damaged bytes get one bit flipped, half
        are dropped.
    seed : int
        Seed of the damage, so that a failing run can be replayed.
    """

    def __init__(self, inner: Transport, *, rate: float, seed: int) -> None:
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"Damage rate must be in [0, 1), not {rate!r}")
        self.inner = inner
        self.rate = rate
        self.description = f"noisy({inner.description})"
        self._random = random.Random(seed)
        #: Damage done, by direction ("out": host to guard, "in": guard to host).
        self.corrupted = {"out": 0, "in": 0}
        self.dropped = {"out": 0, "in": 0}

    def _damage(self, data: bytes, direction: str) -> bytes:
        out = bytearray()
        for byte in data:
            if self._random.random() >= self.rate:
                out.append(byte)
            elif self._random.random() < 0.5:
                self.dropped[direction] += 1
            else:
                self.corrupted[direction] += 1
                out.append(byte ^ (1 << self._random.randrange(8)))
        return bytes(out)

    async def write(self, data: bytes) -> None:
        await self.inner.write(self._damage(data, "out"))

    async def read(self) -> bytes:
        while True:
            data = self._damage(await self.inner.read(), "in")
            if data:
                return data

    async def close(self) -> None:
        await self.inner.close()


class RecordingModel(GuardModel):
    """The reference model, keeping the verdict it gave to every order id (the guard's log)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.verdicts: dict[int, list[Reason]] = {}

    def receive(self, message: Message, cycle: int) -> list[Message]:
        replies = super().receive(message, cycle)
        for reply in replies:
            if reply.type == MessageType.ORDER_VERDICT:
                self.verdicts.setdefault(reply["client_id"], []).append(Reason(reply["reason"]))
        return replies


@dataclass
class NoisySessionResult:
    """What a noisy session did and what the two sides counted."""

    orders: int
    accepted_by_host: int
    no_verdict: int
    accepts_without_guard_accept: list[int] = field(default_factory=list)
    guard_accepts_unseen_by_host: int = 0
    host_bad_frames: int = 0
    guard_bad_frames: int = 0
    bytes_corrupted: dict[str, int] = field(default_factory=dict)
    bytes_dropped: dict[str, int] = field(default_factory=dict)
    rearms: int = 0

    @property
    def safe(self) -> bool:
        """True when every order the host took as accepted was accepted by the guard."""
        return not self.accepts_without_guard_accept

    def as_dict(self) -> dict[str, Any]:
        """Plain figures for summary.json."""
        return {**asdict(self), "safe": self.safe}


async def _retry(action: Any, attempts: int = 20) -> None:
    # Configuration goes over the same noisy link: a lost ACK is retried, never assumed.
    for attempt in range(attempts):
        try:
            await action()
            return
        except (GuardLinkError, GuardCommandError) as error:
            logger.debug("noisy link: retry %d after %s", attempt, error)
    raise GuardLinkError(f"No good answer after {attempts} attempts")


async def _release(client: GuardClient, client_id: int, attempts: int = 20) -> None:
    for _ in range(attempts):
        with contextlib.suppress(GuardLinkError):
            await client.cancel(client_id)  # OK or UNKNOWN_ORDER: either way it is not open
            return


async def run_noisy_session(
    *, orders: int, rate: float = 1e-3, seed: int = 1, timeout: float = 0.05
) -> NoisySessionResult:
    """Run ``orders`` orders (each followed by its cancel) through a damaged link.

    Every step advances the guard clock by 100 us, sends a heartbeat and a fresh tick, so that
    accepts stay possible; a guard halted by the damage is re-armed, as an operator would.
    """
    from sim.scenarios import standard_limits

    clock = VirtualClock()
    model = RecordingModel(clock_hz=clock.clock_hz, time_unit_cycles=_CYCLES_PER_UNIT)
    healthy = ModelTransport(model, clock=clock)
    noisy = NoisyTransport(healthy, rate=rate, seed=seed)
    client = GuardClient(noisy, timeout=timeout)
    rng = random.Random(seed + 1)
    host_verdicts: dict[int, Reason] = {}
    rearms = 0
    try:
        await _retry(client.hello)
        for limit, value in standard_limits().items():
            await _retry(lambda limit=limit, value=value: client.set_limit(limit, value))
        await _retry(
            lambda: client.set_instrument(
                0, enabled=True, max_position=100, min_price=1000, max_price=2000, band_ticks=20
            )
        )
        await _retry(client.arm)
        for client_id in range(1, orders + 1):
            clock.advance(100 * _CYCLES_PER_UNIT)
            with contextlib.suppress(GuardLinkError):
                await client.heartbeat()
                await client.tick(0, clock.now() // _CYCLES_PER_UNIT, 1490, 1510)
            side = Side.BUY if client_id % 2 else Side.SELL
            price = 1495 + rng.randrange(10)
            reason = await client.order(
                client_id, 0, side, OrderKind.LIMIT, price, 1 + rng.randrange(20)
            )
            host_verdicts[client_id] = reason
            if reason in (Reason.ACCEPT, Reason.NO_VERDICT):
                # The guard may hold the order open (a lost verdict or a lost cancel): release
                # it until the guard answers, or the open-order limit ends every accept.
                await _release(client, client_id)
            elif reason in (Reason.HALTED, Reason.NOT_ARMED):
                rearms += 1
                with contextlib.suppress(GuardLinkError, GuardCommandError):
                    await client.arm()
        # Let late bytes arrive before the counters are read.
        await asyncio.sleep(timeout)
    finally:
        await client.close()
    accepted = [cid for cid, reason in host_verdicts.items() if reason == Reason.ACCEPT]
    return NoisySessionResult(
        orders=orders,
        accepted_by_host=len(accepted),
        no_verdict=sum(r in (Reason.NO_VERDICT, Reason.LINK_DOWN) for r in host_verdicts.values()),
        accepts_without_guard_accept=[
            cid for cid in accepted if Reason.ACCEPT not in model.verdicts.get(cid, [])
        ],
        guard_accepts_unseen_by_host=sum(
            Reason.ACCEPT in reasons and host_verdicts.get(cid) != Reason.ACCEPT
            for cid, reasons in model.verdicts.items()
        ),
        host_bad_frames=client.bad_frames,
        guard_bad_frames=healthy.bad_frames,
        bytes_corrupted=dict(noisy.corrupted),
        bytes_dropped=dict(noisy.dropped),
        rearms=rearms,
    )
