"""SimpleLiquidationHunter: fades forced-liquidation cascades in stages.

A cascade is when, over the last ``window_s`` seconds, forced liquidations on one side add up
to more than ``threshold_notional`` *and* the mid has moved at least ``displacement_bp`` in
the direction those liquidations push (SELL liquidations push down). Liquidations are forced
sellers (or buyers) who do not care about price, so the move tends to overshoot; the hunter
buys a falling cascade (sells a rising one):

* stage 1: a limit order at the touch (bid for a buy) worth ``stage_notional``;
* stage k: when the mid is ``stage_spacing_bp x (k-1)`` beyond the first entry, a limit worth
  ``stage_notional x stage_growth^(k-1)``, up to ``stages``;
* exit with market orders, in equal slices of at most ``max_slice_notional``, on stop-loss
  (``stop_loss_bp`` against the average entry), take-profit (``take_profit_bp`` in favour) or
  after ``max_hold_s``; unfilled entries are cancelled first;
* then wait ``cooldown_s`` before the next cascade on that symbol.

Every cascade is a stored :class:`Signal` whether or not an order follows.
"""

import math
from collections import deque
from dataclasses import dataclass

from hdl.protocol import OrderKind, Side
from host.strategies.base import CancelAll, Intent, OrderIntent, Signal, Strategy

__all__ = ["HunterConfig", "SimpleLiquidationHunter"]

_US = 1_000_000


@dataclass(frozen=True)
class HunterConfig:
    """Parameters of :class:`SimpleLiquidationHunter` (notionals in quote currency).

    Parameters
    ----------
    window_s : float, default 30.0
        Sliding window over which liquidation notional is summed and displacement measured.
    threshold_notional : float, default 1_000_000.0
        Liquidation notional on one side within the window that marks a cascade.
    displacement_bp : float, default 40.0
        Minimum move of the mid over the window, in the direction of the liquidations.
    stages : int, default 3
        Number of staged entries.
    stage_notional : float, default 3_000.0
        Size of the first stage.
    stage_growth : float, default 1.5
        Each stage is this many times the previous one.
    stage_spacing_bp : float, default 25.0
        Further adverse move, from the first entry, between stages.
    stop_loss_bp, take_profit_bp : float, default 120.0, 60.0
        Exit distances from the average entry price.
    max_hold_s : float, default 180.0
        Time limit from the first fill.
    cooldown_s : float, default 60.0
        Pause after an exit before the next cascade on the same symbol.
    max_slice_notional : float, default 3_000.0
        Largest single exit order; bigger exits are sliced, one slice at a time.
    retry_s : float, default 1.0
        Wait after a rejected exit slice before sending the next (a guard's duplicate or
        rate window must not turn into a reject storm).

    Raises
    ------
    ValueError
        A value is not positive, ``stages`` is not an integer >= 1, ``stage_growth`` < 1, or
        ``take_profit_bp`` is not below ``stop_loss_bp + displacement_bp`` (a take-profit
        beyond the whole move would never be reached).
    """

    window_s: float = 30.0
    threshold_notional: float = 1_000_000.0
    displacement_bp: float = 40.0
    stages: int = 3
    stage_notional: float = 3_000.0
    stage_growth: float = 1.5
    stage_spacing_bp: float = 25.0
    stop_loss_bp: float = 120.0
    take_profit_bp: float = 60.0
    max_hold_s: float = 180.0
    cooldown_s: float = 60.0
    max_slice_notional: float = 3_000.0
    retry_s: float = 1.0

    def __post_init__(self) -> None:
        for name in (
            "window_s",
            "threshold_notional",
            "displacement_bp",
            "stage_notional",
            "stage_spacing_bp",
            "stop_loss_bp",
            "take_profit_bp",
            "max_hold_s",
            "max_slice_notional",
            "retry_s",
        ):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and value > 0 and math.isfinite(value)):
                raise ValueError(f"HunterConfig.{name} must be a positive number, not {value!r}")
        if not self.cooldown_s >= 0:
            raise ValueError(f"HunterConfig.cooldown_s must be >= 0, not {self.cooldown_s!r}")
        if not (isinstance(self.stages, int) and self.stages >= 1):
            raise ValueError(f"HunterConfig.stages must be an integer >= 1, not {self.stages!r}")
        if not self.stage_growth >= 1:
            raise ValueError(f"HunterConfig.stage_growth must be >= 1, not {self.stage_growth!r}")
        if not self.take_profit_bp < self.stop_loss_bp + self.displacement_bp:
            raise ValueError(
                f"HunterConfig.take_profit_bp must be below stop_loss_bp + displacement_bp "
                f"({self.stop_loss_bp + self.displacement_bp:g}), not {self.take_profit_bp!r}"
            )


class _Symbol:
    """Per-symbol state of the hunter."""

    def __init__(self) -> None:
        self.liquidations: deque[tuple[int, float, int]] = deque()
        self.sell_notional = 0.0  # SELL liquidations in window: longs forced out, price down
        self.buy_notional = 0.0
        self.mids: deque[tuple[int, float]] = deque()
        self.last_sample = -(1 << 62)
        # trade state
        self.direction = 0  # +1 long, -1 short, 0 idle
        self.stage = 0
        self.first_entry = 0.0
        self.position = 0.0
        self.cost = 0.0
        self.first_fill_ts: int | None = None
        self.exiting = False
        self.exit_reason = ""
        self.order_working = False
        self.cooldown_until = 0
        self.retry_at = 0


class SimpleLiquidationHunter(Strategy):
    """Fades liquidation cascades; see the module docstring for the rules.

    Parameters
    ----------
    config : HunterConfig, optional
        Parameters; defaults documented on :class:`HunterConfig`.
    """

    name = "liquidation_hunter"

    def __init__(self, config: HunterConfig | None = None) -> None:
        super().__init__()
        self.config = config or HunterConfig()
        self._window = int(self.config.window_s * _US)
        self._symbols: dict[str, _Symbol] = {}

    def _state(self, symbol: str) -> _Symbol:
        state = self._symbols.get(symbol)
        if state is None:
            state = self._symbols[symbol] = _Symbol()
        return state

    def _expire(self, state: _Symbol, ts: int) -> None:
        start = ts - self._window
        while state.liquidations and state.liquidations[0][0] < start:
            _, notional, side = state.liquidations.popleft()
            if side < 0:
                state.sell_notional -= notional
            else:
                state.buy_notional -= notional
        while len(state.mids) > 1 and state.mids[1][0] <= start:
            state.mids.popleft()

    def on_liquidation(
        self, symbol: str, ts: int, price: float, quantity: float, side: int
    ) -> None:
        state = self._state(symbol)
        notional = price * quantity
        state.liquidations.append((ts, notional, side))
        if side < 0:
            state.sell_notional += notional
        else:
            state.buy_notional += notional

    def on_quote(
        self, symbol: str, ts: int, bid: float, ask: float, bid_qty: float, ask_qty: float
    ) -> list[Intent]:
        state = self._state(symbol)
        mid = (bid + ask) / 2
        if ts - state.last_sample >= 250_000:  # 4 samples a second are enough for a 30 s window
            state.mids.append((ts, mid))
            state.last_sample = ts
        self._expire(state, ts)
        if state.direction == 0:
            return self._look_for_cascade(symbol, state, ts, bid, ask, mid)
        return self._manage(symbol, state, ts, bid, ask, mid)

    def _look_for_cascade(
        self, symbol: str, state: _Symbol, ts: int, bid: float, ask: float, mid: float
    ) -> list[Intent]:
        config = self.config
        if ts < state.cooldown_until or not state.mids:
            return []
        start_mid = state.mids[0][1]
        move_bp = (mid / start_mid - 1) * 1e4
        if state.sell_notional >= config.threshold_notional and move_bp <= -config.displacement_bp:
            direction, notional = 1, state.sell_notional
        elif state.buy_notional >= config.threshold_notional and move_bp >= config.displacement_bp:
            direction, notional = -1, state.buy_notional
        else:
            return []
        state.direction = direction
        state.stage = 0
        state.first_entry = bid if direction > 0 else ask
        self.signals.append(
            Signal(
                ts=ts,
                symbol=symbol,
                kind="cascade",
                side="buy" if direction > 0 else "sell",
                strength=notional / config.threshold_notional,
                detail={
                    "liquidation_notional": round(notional, 2),
                    "move_bp": round(move_bp, 2),
                    "window_s": config.window_s,
                    "threshold": config.threshold_notional,
                },
            )
        )
        return self._enter(symbol, state, bid, ask)

    def _enter(self, symbol: str, state: _Symbol, bid: float, ask: float) -> list[Intent]:
        config = self.config
        price = bid if state.direction > 0 else ask
        notional = config.stage_notional * config.stage_growth**state.stage
        state.stage += 1
        state.order_working = True
        return [
            OrderIntent(
                symbol=symbol,
                side=Side.BUY if state.direction > 0 else Side.SELL,
                kind=OrderKind.LIMIT,
                price=price,
                quantity=notional / price,
                tag=f"entry-{state.stage}",
            )
        ]

    def _manage(
        self, symbol: str, state: _Symbol, ts: int, bid: float, ask: float, mid: float
    ) -> list[Intent]:
        config = self.config
        if state.exiting:
            if state.order_working or ts < state.retry_at:
                return []
            if abs(state.position) <= 1e-9:
                self._reset(state, ts)
                return []
            return self._exit_slice(symbol, state, bid, ask)
        if state.position:
            if state.first_fill_ts is None:
                state.first_fill_ts = ts  # an adopted position's hold time starts now
            average = state.cost / state.position
            pnl_bp = (mid / average - 1) * 1e4 * state.direction
            reason = ""
            if pnl_bp <= -config.stop_loss_bp:
                reason = "stop"
            elif pnl_bp >= config.take_profit_bp:
                reason = "take-profit"
            elif state.first_fill_ts is not None and ts - state.first_fill_ts >= (
                config.max_hold_s * _US
            ):
                reason = "time"
            if reason:
                state.exiting = True
                state.exit_reason = reason
                self.signals.append(
                    Signal(
                        ts=ts,
                        symbol=symbol,
                        kind=f"exit-{reason}",
                        side="sell" if state.direction > 0 else "buy",
                        strength=abs(pnl_bp) / config.take_profit_bp,
                        detail={"pnl_bp": round(pnl_bp, 2), "average": average},
                    )
                )
                intents: list[Intent] = [CancelAll(symbol)]
                state.order_working = False
                return intents + self._exit_slice(symbol, state, bid, ask)
        elif state.stage >= 1 and not state.order_working:
            # Nothing filled and nothing working: the entry went nowhere; stand down.
            self._reset(state, ts)
            return []
        if state.order_working or state.stage >= config.stages:
            return []
        adverse_bp = (state.first_entry / mid - 1) * 1e4 * state.direction
        if adverse_bp >= config.stage_spacing_bp * state.stage:
            return self._enter(symbol, state, bid, ask)
        return []

    def _exit_slice(self, symbol: str, state: _Symbol, bid: float, ask: float) -> list[Intent]:
        price = bid if state.direction > 0 else ask
        # Equal slices, so the last one is never dust below the exchange's minimum.
        slices = math.ceil(abs(state.position) * price / self.config.max_slice_notional)
        quantity = abs(state.position) / max(1, slices)
        state.order_working = True
        return [
            OrderIntent(
                symbol=symbol,
                side=Side.SELL if state.direction > 0 else Side.BUY,
                kind=OrderKind.MARKET,
                price=None,
                quantity=quantity,
                tag=f"exit-{state.exit_reason}",
            )
        ]

    def _reset(self, state: _Symbol, ts: int) -> None:
        state.direction = 0
        state.stage = 0
        state.position = 0.0
        state.cost = 0.0
        state.first_fill_ts = None
        state.exiting = False
        state.exit_reason = ""
        state.order_working = False
        state.cooldown_until = ts + int(self.config.cooldown_s * _US)

    def on_fill(
        self, symbol: str, ts: int, side: Side, price: float, quantity: float, *, tag: str
    ) -> None:
        state = self._state(symbol)
        signed = quantity if side == Side.BUY else -quantity
        if tag.startswith("entry"):
            state.cost += price * signed
            state.position += signed
            if state.first_fill_ts is None:
                state.first_fill_ts = ts
        else:
            # An exit keeps the average entry: scale the cost with the position.
            if state.position:
                state.cost *= (state.position + signed) / state.position
            state.position += signed

    def on_restore(self, symbol: str, quantity: float, average_price: float) -> None:
        """Adopt a position restored after a restart as a completed entry: the stop-loss and
        take-profit apply from its average price and the time limit from the first quote
        after the restart; no further stage is added to it."""
        if not quantity:
            return
        state = self._state(symbol)
        state.direction = 1 if quantity > 0 else -1
        state.stage = self.config.stages
        state.first_entry = average_price
        state.position = quantity
        state.cost = average_price * quantity
        state.first_fill_ts = None

    def on_order_done(self, symbol: str, ts: int, *, tag: str, status: str) -> None:
        state = self._state(symbol)
        state.order_working = False
        if status.startswith("rejected") or status == "halted":
            state.retry_at = ts + int(self.config.retry_s * _US)

    def position(self, symbol: str) -> float:
        """The position the strategy believes it has (from its own fills)."""
        return self._state(symbol).position
