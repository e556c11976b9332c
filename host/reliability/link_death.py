"""Fault injection: the link to the real Verilator gateware dies while the engine trades.

The engine paper-trades live through ``quantum sim-serve`` (the Verilator model of the
gateware behind a pty). Each cycle the scenario breaks the link one of two ways:

- ``kill``: SIGKILL the sim-serve process group, so its pty closes (a board unplugged);
- ``freeze``: SIGSTOP it, so the pty stays open but nothing answers (a board that hangs),
  and kills it once the engine has noticed.

and checks what the engine promises (``ProductionEngineV2``): it notices within the
gateware's heartbeat timeout, sends nothing more, cancels every open paper order, records a
risk event (line ``engine``, reason ``LINK_DOWN...``), refuses the operator's re-arm while
the link is down, and after a new sim-serve is attached (configured, not armed) still trades
nothing until the operator re-arms; then orders flow again with verdicts from the new
gateware.
"""

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from hdl.protocol import OrderKind, Reason, Side
from host.broker.paper import BrokerOrder, RealismConfig
from host.data.events import EventKind
from host.engine import EngineConfig, ProductionEngineV2
from host.link.client import GuardClient
from host.reliability.polling import until
from host.reliability.verdict import FaultRunVerdict
from host.store import Store
from host.store.models import RiskEvent
from host.strategies.base import Intent, OrderIntent, Strategy

__all__ = ["LinkCycle", "LinkDeathResult", "SimServe", "run_link_death", "RestingBuyer"]

logger = logging.getLogger(__name__)

_US = 1_000_000
_ROOT = Path(__file__).resolve().parents[2]


class RestingBuyer(Strategy):
    """Rests one buy at or below the bid on every quote: open orders to cancel when the link
    dies, and a steady stream of new ones that must be refused while halted."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def on_quote(
        self, symbol: str, ts: int, bid: float, ask: float, bq: float, aq: float
    ) -> list[Intent]:
        self.count += 1
        # A different price each time so the duplicate-order control does not hide the point.
        price = round(bid - 0.1 * (self.count % 5), 1)
        return [OrderIntent(symbol, Side.BUY, OrderKind.LIMIT, price, 0.001, f"b{self.count}")]


class SimServe:
    """One ``quantum sim-serve`` process (group) that this scenario owns and can break."""

    def __init__(self, process: subprocess.Popen[str], path: str) -> None:
        self.process, self.path = process, path

    @classmethod
    async def start(cls, timeout: float = 300.0) -> "SimServe":
        """Start sim-serve (building the model the first time) and wait for its pty."""
        process = subprocess.Popen(
            [sys.executable, "-m", "host.cli", "--no-banner", "sim-serve", "--print-path"],
            cwd=_ROOT,
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own group: the Verilator child dies with it
            text=True,
        )
        assert process.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), timeout)
        if not line.startswith("PTY "):
            cls(process, "").kill()
            raise RuntimeError(f"sim-serve must print 'PTY <path>', not {line!r}")
        return cls(process, line[4:].strip())

    def signal(self, signum: int) -> None:
        """Send ``signum`` to the whole group (sim-serve and its Verilator child)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)

    def kill(self) -> None:
        """SIGKILL the group and reap it."""
        self.signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        if self.process.stdout is not None:
            self.process.stdout.close()


@dataclass
class LinkCycle:
    """One link death, as the engine lived it."""

    fault: str
    open_orders_at_fault: int
    #: Seconds from the fault to the engine's halt.
    detect_s: float
    halt_reason: str
    #: Paper orders still open right after the halt (must be 0).
    open_orders_after_halt: int
    #: Whether the operator's re-arm was refused while the link was down (it must be).
    rearm_refused_while_down: bool
    #: Orders that reached the broker after the fault and before the re-arm (must be 0).
    orders_while_halted: int
    #: Seconds to start a new sim-serve and attach it (configured, not armed).
    reattach_s: float
    #: Orders accepted by the new gateware after the re-arm (must be > 0).
    accepted_after_rearm: int


@dataclass
class LinkDeathResult(FaultRunVerdict):
    """Figures and the safety verdict of one run."""

    heartbeat_timeout_s: float
    seconds: float = 0.0
    orders: int = 0
    cycles: list[LinkCycle] = field(default_factory=list)
    link_down_risk_events: int = 0
    problems: list[str] = field(default_factory=list)

    def exercised(self) -> bool:
        """At least one link death lived through."""
        return bool(self.cycles)


async def _quotes(stop: asyncio.Event) -> AsyncIterator[tuple[Any, ...]]:
    seq = 0
    while not stop.is_set():
        seq += 1
        t = int(time.time() * _US)
        yield (t, t, EventKind.QUOTE, 0, 0, seq, 43_000.0, 5.0, 43_000.1, 5.0)
        await asyncio.sleep(0.02)


async def run_link_death(faults: list[str], *, database: Path | None = None) -> LinkDeathResult:
    """Trade through sim-serve and break the link once per entry of ``faults`` (``"kill"``
    or ``"freeze"``), re-attaching a new sim-serve and re-arming after each."""
    for fault in faults:
        if fault not in ("kill", "freeze"):
            raise ValueError(f"Link fault must be 'kill' or 'freeze', not {fault!r}")
    config = EngineConfig(realism=RealismConfig.level(0))
    result = LinkDeathResult(heartbeat_timeout_s=config.gateware.heartbeat_timeout_s)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="quantum-link-death-") as workdir:
        url = f"sqlite:///{database or Path(workdir) / 'link.db'}"
        store = await Store.open(url)
        sims: list[SimServe] = []
        guards: list[GuardClient] = []
        try:
            sims.append(await SimServe.start())
            guards.append(await GuardClient.connect(f"sim:{sims[-1].path}"))
            engine = ProductionEngineV2(
                config, guards[-1], symbols=["BTCUSDT"], store=store, strategy=RestingBuyer()
            )
            submitted: list[tuple[int, bool]] = []
            submit = engine.broker.submit

            def recording_submit(order: BrokerOrder, now: int) -> Any:
                submitted.append((order.client_id, engine.halted))
                return submit(order, now)

            engine.broker.submit = recording_submit  # type: ignore[method-assign]
            stop = asyncio.Event()
            run = asyncio.create_task(engine.run_live(_quotes(stop)))
            try:
                for fault in faults:
                    cycle = await _cycle(engine, fault, sims, guards, submitted, run)
                    result.cycles.append(cycle)
            finally:
                stop.set()
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait_for(run, 30)
            result.orders = len(engine.orders)
            if any(halted for _, halted in submitted):
                result.problems.append("an order reached the broker while the engine was halted")
            async with store.sessionmaker() as session:
                reasons = list(
                    await session.scalars(
                        select(RiskEvent.reason).where(
                            RiskEvent.line == "engine", RiskEvent.kind == "halt"
                        )
                    )
                )
            result.link_down_risk_events = sum(r.startswith("LINK_DOWN") for r in reasons)
        finally:
            for guard in guards:
                await guard.close()
            for sim in sims:
                sim.kill()
            await store.close()
    result.seconds = round(time.monotonic() - started, 3)
    _judge(result)
    return result


async def _cycle(
    engine: ProductionEngineV2,
    fault: str,
    sims: list[SimServe],
    guards: list[GuardClient],
    submitted: list[tuple[int, bool]],
    run: asyncio.Task[None],
) -> LinkCycle:
    def alive() -> bool:
        if run.done():
            raise RuntimeError(f"the engine stopped early: {run.exception()}")
        return True

    # Trading, with orders resting at the paper exchange.
    await until(lambda: alive() and len(engine.broker.open_orders()) >= 2, 30, "open orders")
    open_at_fault = len(engine.broker.open_orders())
    sim = sims[-1]
    faulted = time.monotonic()
    sim.signal(signal.SIGKILL if fault == "kill" else signal.SIGSTOP)
    await until(lambda: alive() and engine.halted, 10, "engine halted after the link died")
    detect = time.monotonic() - faulted
    halt_reason = engine.halt_reason
    sent_at_halt = len(submitted)
    open_after = len(engine.broker.open_orders())
    ok, why = await engine.execute_command("rearm", {}, "operator")
    refused = not ok and engine.halted
    logger.info("link %s: halted in %.3f s; re-arm while down: %s", fault, detect, why)
    # A new link: the dead one closed, a new sim-serve attached (configured, NOT armed).
    await guards[-1].close()
    sim.kill()
    attaching = time.monotonic()
    sims.append(await SimServe.start())
    guards.append(await GuardClient.connect(f"sim:{sims[-1].path}"))
    await engine.reattach_guard(guards[-1])
    reattach = time.monotonic() - attaching
    await asyncio.sleep(0.5)  # quotes keep coming: still nothing may be sent
    alive()
    while_halted = len(submitted) - sent_at_halt
    ok, why = await engine.execute_command("rearm", {}, "operator")
    if not ok:
        raise RuntimeError(f"the operator's re-arm on the new link was refused: {why}")
    mark = max(engine.orders, default=0)

    def accepted_since() -> int:
        return sum(
            1
            for client_id, record in engine.orders.items()
            if client_id > mark and record.gateware_reason == Reason.ACCEPT
        )

    await until(lambda: alive() and accepted_since() >= 3, 30, "orders accepted after re-arm")
    return LinkCycle(
        fault=fault,
        open_orders_at_fault=open_at_fault,
        detect_s=round(detect, 3),
        halt_reason=halt_reason,
        open_orders_after_halt=open_after,
        rearm_refused_while_down=refused,
        orders_while_halted=while_halted,
        reattach_s=round(reattach, 3),
        accepted_after_rearm=accepted_since(),
    )


def _judge(result: LinkDeathResult) -> None:
    problems = result.problems
    for n, cycle in enumerate(result.cycles, 1):
        where = f"cycle {n} ({cycle.fault})"
        if cycle.detect_s >= result.heartbeat_timeout_s:
            problems.append(f"{where}: noticed after {cycle.detect_s} s, not within the timeout")
        if cycle.open_orders_after_halt:
            problems.append(f"{where}: {cycle.open_orders_after_halt} paper orders left open")
        if not cycle.rearm_refused_while_down:
            problems.append(f"{where}: the re-arm was not refused while the link was down")
        if cycle.orders_while_halted:
            problems.append(f"{where}: {cycle.orders_while_halted} orders sent while halted")
        if cycle.accepted_after_rearm <= 0:
            problems.append(f"{where}: no order accepted by the new gateware after re-arm")
    if result.link_down_risk_events != len(result.cycles):
        problems.append(
            f"{result.link_down_risk_events} LINK_DOWN risk events for {len(result.cycles)} "
            "link deaths"
        )
