"""Formal harnesses of :class:`hdl.guard_core.GuardCore`: properties P1, P2, P3, P5 and P6.

Each property is its own harness (smaller SAT problems than one harness with everything):

P1
    Killed (HALTED), not armed (DISARMED), or any limit unset at the check stage => the
    ORDER_VERDICT is never an accept.
P2
    An accept implies every control's condition held at the check stage, each written here
    from the order's fields and the core's registers, independently of
    :mod:`hdl.pre_trade_risk`: C1 (REDUCING shrinks the position), C3, C4, C5, C7, C8, C9,
    C11, C12, C13 (both forms) and C15. C10 (gross exposure) is covered by P3. C6 (max
    notional) is left out: it needs a second 16 x 24 multiplier in the harness, and proving two
    multipliers equal is beyond the SAT solver (a bounded run stalled at depth 8 for nine
    minutes); C6 is checked by simulation against the reference model.
P3
    After an accept, the ordered instrument's worst-case position with open orders is within
    its limit both ways, and gross exposure with open orders is within its limit unless the
    order was position-reducing (the exemption of DESIGN.md section 3).
P5
    While ACTIVE or REDUCING, silence of ``T`` time units after the last good frame
    (``T`` = HEARTBEAT_TIMEOUT) latches HALTED with cause WATCHDOG no later than ``T + 3``
    cycles after that frame's beat (the deadline is ``T + 2``: the age register counts from
    the cycle after the beat, the kill is registered one cycle later), with an ALERT.
P6
    Every message's response (ORDER_VERDICT included) is on ``o_rsp`` exactly
    ``VERDICT_LATENCY`` cycles after its ``i_msg`` beat, whatever the message and verdict;
    HEARTBEAT has none; every other beat on ``o_rsp`` is an ALERT.

How the harness reaches interesting states within a bounded depth
-------------------------------------------------------------------
From reset an accept needs 13 SET_LIMITs, a SET_INSTRUMENT, a TICK and an ARM: at 5 cycles per
message that is beyond 80 cycles. So the *configuration* registers (limits and their set mask,
instrument settings, reference prices and ages, trading state and kill cause) start from any
value (Yosys ``setattr -unset init``) constrained to what the core itself could have stored
(:meth:`GuardCoreSpec.config_invariants`), while the order table, positions, counters and
pipeline start from reset. Every trace is then a reachable run of the core from *some*
configured state, and the bounded depth counts messages after configuration.

Inputs are free (``AnySeq``) within what the frame decoder guarantees: beats at least 5
cycles apart, types host -> gateware only, payload bits beyond the type's length zero. The
kill button, bad-frame and drop strobes are free. ``time_unit_cycles`` is 1.

Internal registers are read through their names (read-only taps), found in the elaborated
core's statements.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from amaranth.asserts import AnySeq, Initial
from amaranth.hdl import (
    Assert,
    Assume,
    Cover,
    Elaboratable,
    Module,
    Mux,
    ResetSignal,
    Signal,
    Value,
)
from amaranth.lib import data

from hdl.guard_core import GuardCore
from hdl.protocol import (
    MESSAGE_LAYOUT,
    N_INSTRUMENTS,
    N_ORDER_SLOTS,
    PAYLOAD_LAYOUTS,
    KillCause,
    LimitId,
    MessageType,
    OrderKind,
    Reason,
    Side,
    TradingState,
)

__all__ = ["GuardProperty", "GuardCoreSpec", "find_signals", "FREE_INIT_PATTERNS"]

#: Minimum cycles between two i_msg beats that the top level guarantees.
BEAT_SPACING = 5

#: Registers (by name inside the core) that start from any value; see the module docstring.
FREE_INIT_PATTERNS = (
    "lim_*",
    "limits_set",
    "state",
    "kill_cause",
    "i?_enabled",
    "i?_max_position",
    "i?_min_price",
    "i?_max_price",
    "i?_band",
    "i?_has_ref",
    "i?_bid",
    "i?_ask",
    "i?_ref_mid",
    "i?_timestamp",
    "i?_ref_age",
)

_HOST_TYPES = tuple(t for t in MessageType if t < 0x80)
_RESPONSE = {
    MessageType.HELLO: MessageType.HELLO_REPLY,
    MessageType.SET_LIMIT: MessageType.ACK,
    MessageType.SET_INSTRUMENT: MessageType.ACK,
    MessageType.ARM: MessageType.ACK,
    MessageType.KILL: MessageType.ACK,
    MessageType.STATUS: MessageType.STATUS_REPLY,
    MessageType.TICK: MessageType.TICK_VERDICT,
    MessageType.ORDER: MessageType.ORDER_VERDICT,
    MessageType.CANCEL: MessageType.ACK,
    MessageType.FILL: MessageType.ACK,
}


class GuardProperty(enum.StrEnum):
    """The properties a :class:`GuardCoreSpec` can check."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P5 = "P5"
    P6 = "P6"


def find_signals(module: Module, names: Iterable[str]) -> dict[str, Signal]:
    """The signals named ``names`` that ``module``'s statements drive.

    Raises
    ------
    KeyError
        If a name is not driven in ``module`` (the core was refactored: update the harness).
    """
    wanted = set(names)
    found: dict[str, Signal] = {}
    # Module keeps its statements per domain; an Amaranth 0.5 internal (the version is pinned).
    for statements in module._statements.values():
        for statement in statements:
            for signal in statement._lhs_signals():
                if signal.name in wanted:
                    found[signal.name] = signal
    missing = wanted - set(found)
    if missing:
        raise KeyError(f"Core signals must exist, not missing {sorted(missing)!r}")
    return found


def _view(message_type: MessageType, payload: Value) -> Any:
    size = data.Layout.cast(PAYLOAD_LAYOUTS[message_type]).size
    return data.View(PAYLOAD_LAYOUTS[message_type], payload[:size])


@dataclass(frozen=True)
class _Context:
    """What every property of one harness reads."""

    reg: dict[str, Signal]  # the core's registers by name
    lim: dict[LimitId, Signal]
    order: Any  # ORDER view of the message being checked / answered
    is_order: Value
    checking: Value  # the cycle whose registers the message's checks read
    answering: Value  # the cycle its response is on o_rsp
    accepted: Value  # an ORDER_VERDICT accept is on o_rsp
    msg: Signal  # the last message beat (MESSAGE_LAYOUT)


class GuardCoreSpec(Elaboratable):
    """One property's harness around a guard core.

    Parameters
    ----------
    prop : GuardProperty
        The property to assert (cover points for it are always added).
    core_class : type
        The core under test (:class:`hdl.guard_core.GuardCore` or a mutant of it).
    """

    def __init__(self, prop: GuardProperty, core_class: type[GuardCore] = GuardCore) -> None:
        self.prop = GuardProperty(prop)
        self.dut = core_class(clock_hz=12_000_000, time_unit_cycles=1)

    def elaborate(self, platform: object) -> Module:
        m = Module()
        dut = self.dut
        core = dut.elaborate(platform)
        # The core is added through its elaborated module, so its own object is never used.
        dut._MustUse__silence = True
        m.submodules.dut = core
        names = [f"lim_{limit.name.lower()}" for limit in LimitId]
        names += ["limits_set", "state", "kill_cause", "open_count", "open_notional"]
        names += ["exposure_sum", "rate_count", "rate_age", "dup_age", "silence"]
        names += ["last_valid", "last_client_id", "last_instrument", "last_side"]
        names += ["last_kind", "last_price", "last_quantity"]
        for index in range(N_INSTRUMENTS):
            for field in (
                "enabled max_position min_price max_price band has_ref bid ask ref_mid "
                "ref_age position open_buy open_sell".split()
            ):
                names.append(f"i{index}_{field}")
        for index in range(N_ORDER_SLOTS):
            for field in "valid client_id instrument side kind price".split():
                names.append(f"s{index}_{field}")
        reg = find_signals(core, names)
        self.reg = reg
        lim = {limit: reg[f"lim_{limit.name.lower()}"] for limit in LimitId}

        # No reset ever: a synchronous reset would wipe the free configuration. Registers with
        # an init value start from it, which is the state a reset leaves.
        m.d.comb += Assume(~ResetSignal())
        self._drive_inputs(m)
        with m.If(Initial()):
            m.d.comb += self.config_invariants(reg, lim)

        # The message at the check stage (one cycle after its beat) and at the verdict.
        beat = dut.i_msg.valid
        msg = Signal(MESSAGE_LAYOUT)
        with m.If(beat):
            m.d.sync += msg.eq(dut.i_msg.payload)
        stage = [Signal(name=f"beat_{delay}") for delay in range(1, GuardCore.VERDICT_LATENCY + 1)]
        m.d.sync += stage[0].eq(beat)
        for earlier, later in zip(stage, stage[1:], strict=False):
            m.d.sync += later.eq(earlier)
        checking = stage[0]  # the cycle whose registers a message's checks read
        answering = stage[-1]  # the cycle its response is on o_rsp
        order = _view(MessageType.ORDER, msg.payload)
        is_order = msg.type == MessageType.ORDER
        rsp = dut.o_rsp
        verdict = _view(MessageType.ORDER_VERDICT, rsp.payload.payload)
        accepted = (
            rsp.valid
            & (rsp.payload.type == MessageType.ORDER_VERDICT)
            & (verdict.reason == Reason.ACCEPT)
        )

        ctx = _Context(reg, lim, order, is_order, checking, answering, accepted, msg)
        getattr(self, f"_{self.prop.lower()}")(m, ctx)
        return m

    # ---- environment ------------------------------------------------------------------------

    def _drive_inputs(self, m: Module) -> None:
        dut = self.dut
        valid = AnySeq(1)
        msg_type = AnySeq(8)
        payload = AnySeq(len(dut.i_msg.payload.payload))
        m.d.comb += [
            dut.i_msg.valid.eq(valid),
            dut.i_msg.payload.type.eq(msg_type),
            dut.i_msg.payload.payload.eq(payload),
            dut.i_bad_frame.eq(AnySeq(1)),
            dut.i_rsp_dropped.eq(AnySeq(1)),
            dut.i_kill_button.eq(AnySeq(1)),
        ]
        since = Signal(range(BEAT_SPACING + 1), init=BEAT_SPACING)
        with m.If(valid):
            m.d.sync += since.eq(1)
        with m.Elif(since != BEAT_SPACING):
            m.d.sync += since.eq(since + 1)
        with m.If(valid):
            m.d.comb += Assume(since == BEAT_SPACING)
            known = Signal()
            for message_type in _HOST_TYPES:
                size = data.Layout.cast(PAYLOAD_LAYOUTS[message_type]).size
                with m.If(msg_type == message_type):
                    m.d.comb += known.eq(1)
                    if size < len(payload):
                        m.d.comb += Assume(payload[size:] == 0)
            m.d.comb += Assume(known)

    @staticmethod
    def config_invariants(reg: dict[str, Signal], lim: dict[LimitId, Signal]) -> list[Any]:
        """What the core's own commands can leave in its configuration registers.

        An unset limit is 0 and a set one is not; MAX_OPEN_ORDERS fits the slots; an
        instrument is all zero or was set by a valid SET_INSTRUMENT; a reference price came
        from an accepted tick; ACTIVE/REDUCING only with every limit set and an instrument
        enabled; a kill cause only when HALTED (DISARMED may follow a kill: NONE or any).
        """
        rules: list[Any] = []
        for limit in LimitId:
            is_set = reg["limits_set"][limit]
            rules.append(Assume(is_set == (lim[limit] != 0)))
        rules.append(Assume(lim[LimitId.MAX_OPEN_ORDERS] <= N_ORDER_SLOTS))
        enabled_any = 0
        for index in range(N_INSTRUMENTS):
            r = {
                name: reg[f"i{index}_{name}"]
                for name in "enabled min_price max_price band has_ref bid ask ref_mid".split()
            }
            configured = r["band"] != 0
            rules.append(Assume(Mux(configured, r["min_price"] <= r["max_price"], 1)))
            rules.append(Assume(~r["enabled"] | configured))
            rules.append(
                Assume(
                    ~r["has_ref"]
                    | (
                        configured
                        & (r["bid"] != 0)
                        & (r["bid"] < r["ask"])
                        & (r["bid"] >= r["min_price"])
                        & (r["ask"] <= r["max_price"])
                        & (r["ref_mid"] == (r["bid"] + r["ask"]) >> 1)
                    )
                )
            )
            enabled_any = enabled_any | r["enabled"]
        armed = (reg["state"] == TradingState.ACTIVE) | (reg["state"] == TradingState.REDUCING)
        all_set = reg["limits_set"] == (1 << len(LimitId)) - 1
        rules.append(Assume(~armed | (all_set & enabled_any)))
        rules.append(Assume(reg["kill_cause"] <= max(KillCause)))
        rules.append(
            Assume((reg["state"] == TradingState.HALTED) == (reg["kill_cause"] != KillCause.NONE))
        )
        return rules

    # ---- properties -------------------------------------------------------------------------

    def _p1(self, m: Module, ctx: _Context) -> None:
        reg = ctx.reg
        allowed = Signal()
        with m.If(ctx.checking):
            armed = (reg["state"] == TradingState.ACTIVE) | (reg["state"] == TradingState.REDUCING)
            all_set = reg["limits_set"] == (1 << len(LimitId)) - 1
            m.d.sync += allowed.eq(armed & all_set)
        with m.If(ctx.accepted):
            m.d.comb += Assert(allowed)
        m.d.comb += [Cover(ctx.accepted), Cover(ctx.answering & ctx.is_order & ~ctx.accepted)]

    def _conditions(
        self, reg: dict[str, Signal], lim: dict[LimitId, Signal], order: Any
    ) -> dict[str, Value]:
        """Each control's pass condition for ``order`` over the registers of this cycle."""
        ins = order.instrument[:2]
        in_range = order.instrument < N_INSTRUMENTS

        def at(field: str) -> Any:
            signals = [reg[f"i{index}_{field}"] for index in range(N_INSTRUMENTS)]
            value = signals[0]
            for index in range(1, N_INSTRUMENTS):
                value = Mux(ins == index, signals[index], value)
            return value

        buy = order.side == Side.BUY
        limit_kind = order.kind == OrderKind.LIMIT
        qty, price = order.quantity, order.price
        position, open_buy, open_sell = at("position"), at("open_buy"), at("open_sell")
        max_position = at("max_position")
        long_case = position + open_buy + qty
        short_case = position - open_sell - qty
        ref_mid = at("ref_mid")
        collar = lim[LimitId.COLLAR_TICKS]
        distance = Mux(price > ref_mid, price - ref_mid, ref_mid - price)
        crosses = 0
        duplicate_open = 0
        for index in range(N_ORDER_SLOTS):
            s = {
                f: reg[f"s{index}_{f}"]
                for f in "valid client_id instrument side kind price".split()
            }
            duplicate_open = duplicate_open | (s["valid"] & (s["client_id"] == order.client_id))
            resting = s["valid"] & (s["instrument"] == ins) & (s["side"] != order.side)
            resting = resting & (s["kind"] == OrderKind.LIMIT)
            would_cross = Mux(limit_kind, Mux(buy, price >= s["price"], price <= s["price"]), 1)
            crosses = crosses | (resting & would_cross)
        rate_expired = reg["rate_age"] >= lim[LimitId.RATE_WINDOW]
        last_same = (
            reg["last_valid"]
            & (reg["last_instrument"] == order.instrument)
            & (reg["last_side"] == order.side)
            & (reg["last_kind"] == order.kind)
            & (reg["last_price"] == Mux(limit_kind, price, reg["last_price"]))
            & (reg["last_quantity"] == qty)
            & (reg["dup_age"] <= lim[LimitId.DUP_WINDOW])
        )
        if_limit_price = Mux(limit_kind, price == reg["last_price"], 1)
        return {
            "C1_reducing": Mux(
                reg["state"] == TradingState.REDUCING,
                Mux(buy, long_case <= 0, short_case >= 0),
                1,
            ),
            "C3_instrument": in_range & at("enabled"),
            "C4_price": Mux(
                limit_kind,
                (price != 0) & (price >= at("min_price")) & (price <= at("max_price")),
                1,
            ),
            "C4_quantity": qty != 0,
            "C5_max_quantity": qty <= lim[LimitId.MAX_ORDER_QTY],
            "C7_collar": Mux(limit_kind, distance <= collar, 1),
            "C8_fresh_reference": at("has_ref") & (at("ref_age") <= lim[LimitId.STALE_AFTER]),
            "C9_position": Mux(buy, long_case <= max_position, short_case >= -max_position),
            "C11_open_orders": reg["open_count"] < lim[LimitId.MAX_OPEN_ORDERS],
            "C12_rate": Mux(rate_expired, 0, reg["rate_count"]) < lim[LimitId.RATE_MAX_ORDERS],
            "C13_duplicate_id": ~duplicate_open
            & ~(reg["last_valid"] & (reg["last_client_id"] == order.client_id)),
            "C13_duplicate_order": ~(last_same & if_limit_price),
            "C15_self_trade": ~crosses,
        }

    def _p2(self, m: Module, ctx: _Context) -> None:
        reg, lim, order = ctx.reg, ctx.lim, ctx.order
        held = {}
        for name, condition in self._conditions(reg, lim, order).items():
            flag = Signal(name=f"held_{name}")
            with m.If(ctx.checking):
                m.d.sync += flag.eq(condition)
            held[name] = flag
        with m.If(ctx.accepted):
            for flag in held.values():
                m.d.comb += Assert(flag)
        m.d.comb += Cover(ctx.accepted)

    def _p3(self, m: Module, ctx: _Context) -> None:
        reg, lim, order = ctx.reg, ctx.lim, ctx.order
        # The accept's updates are registered with the response: check the cycle after.
        after = Signal()
        reducing = Signal()
        m.d.sync += after.eq(ctx.accepted)
        conditions = self._conditions(reg, lim, order)
        with m.If(ctx.checking):
            buy = order.side == Side.BUY
            ins = order.instrument[:2]
            position = Mux(ins == 0, reg["i0_position"], 0)
            for index in range(1, N_INSTRUMENTS):
                position = Mux(ins == index, reg[f"i{index}_position"], position)
            del conditions  # reducing is defined from the position before the order
            open_buy = Mux(ins == 0, reg["i0_open_buy"], 0)
            open_sell = Mux(ins == 0, reg["i0_open_sell"], 0)
            for index in range(1, N_INSTRUMENTS):
                open_buy = Mux(ins == index, reg[f"i{index}_open_buy"], open_buy)
                open_sell = Mux(ins == index, reg[f"i{index}_open_sell"], open_sell)
            m.d.sync += reducing.eq(
                Mux(
                    buy,
                    position + open_buy + order.quantity <= 0,
                    position - open_sell - order.quantity >= 0,
                )
            )
        with m.If(after):
            ins = order.instrument[:2]
            for index in range(N_INSTRUMENTS):
                with m.If(ins == index):
                    position = reg[f"i{index}_position"]
                    limit = reg[f"i{index}_max_position"]
                    m.d.comb += [
                        Assert(position + reg[f"i{index}_open_buy"] <= limit),
                        Assert(position - reg[f"i{index}_open_sell"] >= -limit),
                    ]
            with m.If(~reducing):
                m.d.comb += Assert(
                    reg["exposure_sum"] + reg["open_notional"] <= lim[LimitId.MAX_GROSS_EXPOSURE]
                )
        m.d.comb += Cover(after)

    def _p5(self, m: Module, ctx: _Context) -> None:
        reg, lim = ctx.reg, ctx.lim
        dut = self.dut
        since = Signal(64)
        with m.If(dut.i_msg.valid):
            m.d.sync += since.eq(0)
        with m.Else():
            m.d.sync += since.eq(since + 1)
        armed = (reg["state"] == TradingState.ACTIVE) | (reg["state"] == TradingState.REDUCING)
        timeout = lim[LimitId.HEARTBEAT_TIMEOUT]
        m.d.comb += Assert(~(armed & (since >= timeout + 3)))
        # The kill that ends the silence is a watchdog kill, and it is announced.
        was_armed = Signal()
        m.d.sync += was_armed.eq(armed)
        watchdog_kill = was_armed & (reg["state"] == TradingState.HALTED) & (since >= timeout + 2)
        alert = dut.o_rsp.valid & (dut.o_rsp.payload.type == MessageType.ALERT)
        with m.If(watchdog_kill):
            m.d.comb += Assert(reg["kill_cause"] == KillCause.WATCHDOG)
        m.d.comb += [Cover(watchdog_kill & (timeout > 1)), Cover(alert & watchdog_kill)]

    def _p6(self, m: Module, ctx: _Context) -> None:
        rsp = self.dut.o_rsp
        expected = Signal(8)
        for message_type, response in _RESPONSE.items():
            with m.If(ctx.msg.type == message_type):
                m.d.comb += expected.eq(response)
        with m.If(ctx.answering & (ctx.msg.type != MessageType.HEARTBEAT)):
            m.d.comb += [Assert(rsp.valid), Assert(rsp.payload.type == expected)]
            with m.If(ctx.msg.type == MessageType.ORDER):
                verdict = _view(MessageType.ORDER_VERDICT, rsp.payload.payload)
                order_view = _view(MessageType.ORDER, ctx.msg.payload)
                m.d.comb += Assert(verdict.client_id == order_view.client_id)
        with m.Elif(rsp.valid):
            m.d.comb += Assert(rsp.payload.type == MessageType.ALERT)
        reason = _view(MessageType.ORDER_VERDICT, rsp.payload.payload).reason
        m.d.comb += [
            Cover(ctx.accepted),
            Cover(ctx.answering & ctx.is_order & (reason == Reason.MAX_NOTIONAL)),
            Cover(rsp.valid & (rsp.payload.type == MessageType.ALERT)),
        ]
