"""One validated configuration object for the whole engine, with defaults that make the demo
trade (and make both guard lines visibly reject something on the generated data)."""

from dataclasses import dataclass, field, fields, replace

from hdl.protocol import LIMIT_BITS, N_ORDER_SLOTS, LimitId
from host.broker.paper import RealismConfig
from host.guards.drb_guard import DRBGuardConfig
from host.instruments import DEFAULT_INSTRUMENTS, InstrumentMap
from host.sanitizer.l0_sanitizer import SanitizerConfig
from host.strategies.liquidation_hunter import HunterConfig

__all__ = ["GatewareLimits", "EngineConfig", "fit_to_guard"]

_LIMIT_MAX = (1 << LIMIT_BITS) - 1


@dataclass(frozen=True)
class GatewareLimits:
    """The first line's limits (SET_LIMIT). Times are seconds here; the engine converts them
    to the guard's time units from its HELLO reply. Notionals are tick-lots, as on the wire.

    Parameters
    ----------
    max_order_qty : int, default 1_500
        C5, lots (the demo's second ETH stage is bigger: the first line rejects it).
    max_order_notional : int, default 2_000_000_000
        C6, tick-lots.
    collar_ticks : int, default 2_000
        C7, ticks from the reference.
    stale_after_s : float, default 2.0
        C8.
    max_gross_exposure : int, default 10_000_000_000
        C10, tick-lots.
    max_open_orders : int, default 8
        C11, at most N_ORDER_SLOTS.
    rate_max_orders : int, default 20
        C12, per ``rate_window_s``.
    rate_window_s : float, default 1.0
    dup_window_s : float, default 0.1
        C13.
    fill_max : int, default 50
        C14, per ``fill_window_s``.
    fill_window_s : float, default 1.0
    heartbeat_timeout_s : float, default 1.0
        C16, silence that latches the kill.
    confirm_ticks : int, default 3
        Tick filter: agreeing out-of-band ticks that accept a new level.
    """

    max_order_qty: int = 1_500
    max_order_notional: int = 2_000_000_000
    collar_ticks: int = 2_000
    stale_after_s: float = 2.0
    max_gross_exposure: int = 10_000_000_000
    max_open_orders: int = N_ORDER_SLOTS
    rate_max_orders: int = 20
    rate_window_s: float = 1.0
    dup_window_s: float = 0.1
    fill_max: int = 50
    fill_window_s: float = 1.0
    heartbeat_timeout_s: float = 1.0
    confirm_ticks: int = 3

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ValueError(f"GatewareLimits.{item.name} must be positive, not {value!r}")
        if self.max_open_orders > N_ORDER_SLOTS:
            raise ValueError(
                f"GatewareLimits.max_open_orders must be at most {N_ORDER_SLOTS}, "
                f"not {self.max_open_orders!r}"
            )

    def values(self, time_unit_s: float) -> list[tuple[LimitId, int]]:
        """Every SET_LIMIT as ``(LimitId, value)``, times in units of ``time_unit_s``.

        Raises
        ------
        ValueError
            A value does not fit the 40-bit limit field or rounds to 0 time units.
        """

        def units(seconds: float, name: str) -> int:
            value = round(seconds / time_unit_s)
            if not 0 < value <= _LIMIT_MAX:
                raise ValueError(
                    f"GatewareLimits.{name} must be 1..{_LIMIT_MAX} time units of "
                    f"{time_unit_s:g} s, not {value!r}"
                )
            return value

        result = [
            (LimitId.MAX_ORDER_QTY, self.max_order_qty),
            (LimitId.MAX_ORDER_NOTIONAL, self.max_order_notional),
            (LimitId.COLLAR_TICKS, self.collar_ticks),
            (LimitId.STALE_AFTER, units(self.stale_after_s, "stale_after_s")),
            (LimitId.MAX_GROSS_EXPOSURE, self.max_gross_exposure),
            (LimitId.MAX_OPEN_ORDERS, self.max_open_orders),
            (LimitId.RATE_MAX_ORDERS, self.rate_max_orders),
            (LimitId.RATE_WINDOW, units(self.rate_window_s, "rate_window_s")),
            (LimitId.DUP_WINDOW, units(self.dup_window_s, "dup_window_s")),
            (LimitId.FILL_MAX, self.fill_max),
            (LimitId.FILL_WINDOW, units(self.fill_window_s, "fill_window_s")),
            (LimitId.HEARTBEAT_TIMEOUT, units(self.heartbeat_timeout_s, "heartbeat_timeout_s")),
            (LimitId.CONFIRM_TICKS, self.confirm_ticks),
        ]
        for limit, value in result:
            if not 0 < value <= _LIMIT_MAX:
                raise ValueError(f"Limit {limit.name} must be 1..{_LIMIT_MAX}, not {value!r}")
        return result


def _demo_drb() -> DRBGuardConfig:
    # Tighter than the gateware on purpose in places (per-order notional in quote currency),
    # so a learner sees the second line catch what the first let through.
    return DRBGuardConfig(
        max_order_qty=60_000, max_order_notional=6_000.0, max_gross_exposure=40_000.0
    )


@dataclass(frozen=True)
class EngineConfig:
    """Everything the engine needs, validated at construction.

    Parameters
    ----------
    instruments : InstrumentMap
        Symbol -> gateware index, tick and lot size, per-instrument gateware limits.
    gateware : GatewareLimits
        The first line's limits.
    drb : DRBGuardConfig
        The second line's limits.
    sanitizer : SanitizerConfig
    hunter : HunterConfig
    realism : RealismConfig
        The paper broker's realism switches.
    starting_equity : float, default 100_000.0
    heartbeat_interval_s : float, default 0.1
        Heartbeats to the gateware, in event time and (live) in wall time; must be well
        below ``gateware.heartbeat_timeout_s``.
    command_poll_s : float, default 0.2
        Operator command polling (live, with a store).
    sample_s : float, default 1.0
        Event-time interval of market samples, equity points and status snapshots.
    guard_timeout_s : float, default 0.25
        No verdict within this = no order.
    store_timeout_s : float, default 5.0
        A store write that has not finished within this counts as a failed write (a database
        that hangs is as down as one that refuses): the engine halts.
    store_retry_s : float, default 1.0
        While the store is down (live runs), how often the engine tries it again.
    """

    instruments: InstrumentMap = DEFAULT_INSTRUMENTS
    gateware: GatewareLimits = field(default_factory=GatewareLimits)
    drb: DRBGuardConfig = field(default_factory=_demo_drb)
    sanitizer: SanitizerConfig = field(default_factory=SanitizerConfig)
    hunter: HunterConfig = field(default_factory=HunterConfig)
    realism: RealismConfig = field(default_factory=RealismConfig)
    starting_equity: float = 100_000.0
    heartbeat_interval_s: float = 0.1
    command_poll_s: float = 0.2
    sample_s: float = 1.0
    guard_timeout_s: float = 0.25
    store_timeout_s: float = 5.0
    store_retry_s: float = 1.0

    def __post_init__(self) -> None:
        checks = (
            ("instruments", InstrumentMap),
            ("gateware", GatewareLimits),
            ("drb", DRBGuardConfig),
            ("sanitizer", SanitizerConfig),
            ("hunter", HunterConfig),
            ("realism", RealismConfig),
        )
        for name, kind in checks:
            value = getattr(self, name)
            if not isinstance(value, kind):
                raise TypeError(f"EngineConfig.{name} must be {kind.__name__}, not {value!r}")
        for name in (
            "starting_equity",
            "heartbeat_interval_s",
            "command_poll_s",
            "sample_s",
            "guard_timeout_s",
            "store_timeout_s",
            "store_retry_s",
        ):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and value > 0):
                raise ValueError(f"EngineConfig.{name} must be positive, not {value!r}")
        if not self.heartbeat_interval_s * 3 <= self.gateware.heartbeat_timeout_s:
            raise ValueError(
                f"EngineConfig.heartbeat_interval_s must be at most a third of the gateware's "
                f"heartbeat_timeout_s ({self.gateware.heartbeat_timeout_s:g}), "
                f"not {self.heartbeat_interval_s!r}"
            )


def fit_to_guard(
    config: EngineConfig, *, n_instruments: int, n_order_slots: int
) -> tuple[EngineConfig, list[str]]:
    """``config`` for a guard of this size (its HELLO reply), and what had to change.

    A small board builds fewer instruments and order slots than the protocol's (the
    iCEBreaker: 1 and 2), and the gateware refuses a SET_INSTRUMENT past its last instrument
    and a MAX_OPEN_ORDERS above its slots. So the instruments it does not have are left out
    (their symbols are watched, never traded: no verdict, no order) and MAX_OPEN_ORDERS is
    lowered to the slots, a tighter limit. Each change is a sentence of the returned list.

    Raises
    ------
    ValueError
        If the guard has none of the configured instruments.
    """
    notes = []
    kept = [i for i in config.instruments if i.index < n_instruments]
    dropped = [i.symbol for i in config.instruments if i.index >= n_instruments]
    if not kept:
        raise ValueError(
            f"The guard has {n_instruments} instrument(s), indices 0..{n_instruments - 1}; "
            f"the configured instruments are all beyond them: give one of them index 0"
        )
    if dropped:
        notes.append(
            f"the guard has {n_instruments} instrument(s): {', '.join(dropped)} watched, not traded"
        )
    gateware = config.gateware
    if gateware.max_open_orders > n_order_slots:
        notes.append(
            f"the guard has {n_order_slots} order slots: MAX_OPEN_ORDERS "
            f"{gateware.max_open_orders} lowered to {n_order_slots}"
        )
        gateware = replace(gateware, max_open_orders=n_order_slots)
    instruments = InstrumentMap(kept) if dropped else config.instruments
    if not notes:
        return config, notes
    return replace(config, instruments=instruments, gateware=gateware), notes
