"""Formal harnesses of :class:`hdl.guard_core.GuardCore`: properties P1, P2, P3, P5 and P6.

Each property is its own harness (smaller SAT problems than one harness with everything):

P1
    Killed (HALTED), not armed (DISARMED), or any limit unset at the check stage, or killed at
    the update stage (a kill on the check stage's own cycle) => the ORDER_VERDICT is never an
    accept.
P2
    An accept implies every control's condition held at the check stage, each written here
    from the order's fields and the core's registers, independently of
    :mod:`hdl.pre_trade_risk` (:data:`P2_CONTROLS`): C1 (armed; REDUCING shrinks the
    position), C2, C3, C4, C5, C6, C7, C8, C9, C10, C11, C12, C13 (both forms) and C15.
    C6 and C10 need the notional: see :meth:`GuardCoreSpec._notional_conditions` for how the
    multiplier is handled. A harness may assert a subset (``controls``), and the two controls
    that compare the order with the open slots (:data:`SLOT_CONTROLS`) against one slot
    (``slot``), so that each solver call stays small.
P3
    After an accept, the ordered instrument's worst-case position with open orders is within
    its limit on the side of the order (the other side is not made worse by it; it may be
    outside a limit that was lowered since, which no accept can cause or undo), and gross
    exposure with open orders is within its limit unless the order was position-reducing
    (the exemption of DESIGN.md section 3).
P5
    While ACTIVE or REDUCING, silence of ``T`` time units after the last good frame
    (``T`` = HEARTBEAT_TIMEOUT) latches HALTED with cause WATCHDOG no later than ``T + 3``
    cycles after that frame's beat (the deadline is ``T + 2``: the age register counts from
    the cycle after the beat, the kill is registered one cycle later), with an ALERT.
P6
    Every message's response (ORDER_VERDICT included) is on ``o_rsp`` exactly
    ``VERDICT_LATENCY`` cycles after its ``i_msg`` beat, whatever the message and verdict;
    HEARTBEAT has none; every other beat on ``o_rsp`` is an ALERT.

Proof: k-induction, with strengthening invariants
-------------------------------------------------
Each property is a statement about one message's trip through the pipeline, so k-induction
closes with k a little above the latency once the harness also asserts the facts about the
core's state that the checks rely on (:meth:`GuardCoreSpec.state_invariants`: armed only with
every limit set and an instrument enabled; a remembered market order has price 0; each
pipeline stage is busy only its number of cycles after a beat; for P5, the core's heartbeat age
equals the silence counted here). Those are asserted, so they are proven too, not assumed.

The base case: reaching interesting states within a bounded depth
-----------------------------------------------------------------
From reset an accept needs 13 SET_LIMITs, a SET_INSTRUMENT, a TICK and an ARM: at 5 cycles per
message that is beyond 80 cycles. So the *configuration* registers (limits and their set mask,
instrument settings, reference prices and ages, trading state and kill cause) start from any
value (Yosys ``setattr -unset init``) constrained to what the core itself could have stored
(:meth:`GuardCoreSpec.config_invariants`), while the order table, positions, counters and
pipeline start from reset. Every trace is then a reachable run of the core from *some*
configured state, and the bounded depth counts messages after configuration. The reset state
is one of these starting states, so a proof (base case from them, induction step from any
state) covers every state the core can reach from reset.

Inputs are free (``AnySeq``) within what the frame decoder guarantees: beats at least 5
cycles apart, types host -> gateware only, payload bits beyond the type's length zero, the
payload the beat's on the cycle before it too (cut-through: the core starts on it there). The
kill button, bad-frame and drop strobes are free. ``time_unit_cycles`` is 1. The core may be
built at a reduced size (``n_instruments``, ``n_order_slots``: the same parametric gateware).

Internal registers are read through their names (read-only taps), found in the elaborated
core's statements; a name the core no longer has fails with a KeyError naming it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from amaranth.asserts import AnySeq, Initial
from amaranth.hdl import (
    Assert,
    Assume,
    Cat,
    Const,
    Cover,
    Elaboratable,
    Module,
    Mux,
    ResetSignal,
    Signal,
    Value,
    _ast,
)
from amaranth.lib import data

from hdl.guard_core import GuardCore
from hdl.guard_spec import AGE_MAX, CHECK_STAGE, NOTIONAL_STAGE, UPDATE_STAGE, VALUATION_BITS
from hdl.protocol import (
    MESSAGE_LAYOUT,
    N_INSTRUMENTS,
    N_ORDER_SLOTS,
    PAYLOAD_LAYOUTS,
    QTY_BITS,
    KillCause,
    LimitId,
    MessageType,
    OrderKind,
    Reason,
    Side,
    TradingState,
)

__all__ = [
    "GuardProperty",
    "GuardCoreSpec",
    "find_signals",
    "FREE_INIT_PATTERNS",
    "drive_messages",
    "P2_CONTROLS",
    "NOTIONAL_CONTROLS",
    "SLOT_CONTROLS",
]

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

#: The controls P2 asserts, each the pass condition of one rule of DESIGN.md section 3.
P2_CONTROLS = (
    "C1_armed",
    "C1_reducing",
    "C2_limits_set",
    "C3_instrument",
    "C4_price",
    "C4_quantity",
    "C5_max_quantity",
    "C6_max_notional",
    "C7_collar",
    "C8_fresh_reference",
    "C9_position",
    "C10_gross_exposure",
    "C11_open_orders",
    "C12_rate",
    "C13_duplicate_id",
    "C13_duplicate_order",
    "C15_self_trade",
)

#: The controls that compare the order with every open slot: checked one slot per solver
#: call on the full core (see ``slot`` of :class:`GuardCoreSpec`).
SLOT_CONTROLS = ("C13_duplicate_id", "C15_self_trade")

#: The controls that need the order's notional (checked on the core's multiplier, see
#: :meth:`GuardCoreSpec._notional_conditions`).
NOTIONAL_CONTROLS = ("C6_max_notional", "C10_gross_exposure")

_HOST_TYPES = tuple(t for t in MessageType if t < 0x80)
_RESPONSE = {
    MessageType.HELLO: MessageType.HELLO_REPLY,
    MessageType.SET_LIMIT: MessageType.ACK,
    MessageType.SET_INSTRUMENT: MessageType.ACK,
    MessageType.ARM: MessageType.ACK,
    MessageType.KILL: MessageType.ACK,
    MessageType.STATUS: MessageType.STATUS_REPLY,
    MessageType.SET_POSITION: MessageType.ACK,
    MessageType.CANCEL_ALL: MessageType.ACK,
    MessageType.TICK: MessageType.TICK_VERDICT,
    MessageType.ORDER: MessageType.ORDER_VERDICT,
    MessageType.CANCEL: MessageType.ACK,
    MessageType.FILL: MessageType.ACK,
}


def drive_messages(m: Module, cores: Sequence[GuardCore]) -> Signal:
    """Drive the same free messages, drop strobes and kill button into every core of ``cores``.

    Messages are what the frame decoder guarantees: beats at least :data:`BEAT_SPACING`
    cycles apart, host -> gateware types only, payload bits beyond the type's length zero, and
    the payload already the beat's on the cycle before it (the decoder's is, from the CRC on);
    in between, the payload is free. ``i_bad_frame`` is left to the caller. Returns the cycles
    since the last beat (1 on the cycle after it), saturating at :data:`BEAT_SPACING`.
    """
    valid = AnySeq(1)
    msg_type = AnySeq(8)
    payload = AnySeq(len(cores[0].i_msg.payload.payload))
    previous = Signal(8 + len(payload), name="payload_before")
    m.d.sync += previous.eq(Cat(msg_type, payload))
    dropped = AnySeq(1)
    button = AnySeq(1)
    for core in cores:
        m.d.comb += [
            core.i_msg.valid.eq(valid),
            core.i_msg.payload.type.eq(msg_type),
            core.i_msg.payload.payload.eq(payload),
            core.i_rsp_dropped.eq(dropped),
            core.i_kill_button.eq(button),
        ]
    since = Signal(range(BEAT_SPACING + 1), init=BEAT_SPACING)
    with m.If(valid):
        m.d.sync += since.eq(1)
    with m.Elif(since != BEAT_SPACING):
        m.d.sync += since.eq(since + 1)
    with m.If(valid):
        m.d.comb += [Assume(since == BEAT_SPACING), Assume(Cat(msg_type, payload) == previous)]
        known = Signal()
        for message_type in _HOST_TYPES:
            size = data.Layout.cast(PAYLOAD_LAYOUTS[message_type]).size
            with m.If(msg_type == message_type):
                m.d.comb += known.eq(1)
                if size < len(payload):
                    m.d.comb += Assume(payload[size:] == 0)
        m.d.comb += Assume(known)
    return since


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
    # A trailing `with m.If` block joins them only when flushed (elaboration would flush it).
    module._flush()
    for statements in module._statements.values():
        for statement in statements:
            for signal in statement._lhs_signals():
                if signal.name in wanted:
                    found[signal.name] = signal
    missing = wanted - set(found)
    if missing:
        raise KeyError(f"Core signals must exist, not missing {sorted(missing)!r}")
    return found


def find_products(module: Module) -> list[Any]:
    """Every multiplication (``a * b``) in ``module``'s statements, conditional ones included.

    Each is an Amaranth operator node whose ``operands`` are the two factors as the module
    computes them (Amaranth 0.5 internals: the version is pinned).
    """
    found: list[Any] = []

    def value(node: Any) -> None:
        if isinstance(node, _ast.Operator):
            if node.operator == "*":
                found.append(node)
            for operand in node.operands:
                value(operand)
        elif isinstance(node, _ast.Slice):
            value(node.value)
        elif isinstance(node, _ast.Part):
            value(node.value)
            value(node.offset)
        elif isinstance(node, _ast.Concat):
            for part in node.parts:
                value(part)
        elif isinstance(node, _ast.SwitchValue):
            value(node.test)
            for _patterns, case in node.cases:
                value(case)

    def statement(node: Any) -> None:
        if isinstance(node, _ast.Assign):
            value(node.rhs)
        elif isinstance(node, _ast.Switch):
            value(node.test)
            for _patterns, body, _where in node.cases:
                for inner in body:
                    statement(inner)

    module._flush()
    for statements in module._statements.values():
        for node in statements:
            statement(node)
    return found


def order_multiplier(module: Module) -> tuple[Value, Value]:
    """The two factors of the core's notional multiplier (quantity x valuation price).

    Raises
    ------
    KeyError
        If the core has not exactly one multiplication of a quantity by a valuation price.
    """
    widths = (QTY_BITS, VALUATION_BITS)
    matches = [
        product
        for product in find_products(module)
        if tuple(len(operand) for operand in product.operands) == widths
    ]
    if len(matches) != 1:
        raise KeyError(
            f"Core must have one {widths[0]} x {widths[1]}-bit notional multiplier, "
            f"not {len(matches)}"
        )
    quantity, price = matches[0].operands
    return quantity, price


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
    msg: Signal  # the message of this beat or the last one (MESSAGE_LAYOUT)
    stages: list[Value]  # stages[i]: the beat was i cycles ago
    core: Module  # the elaborated core (read-only)


class GuardCoreSpec(Elaboratable):
    """One property's harness around a guard core.

    Parameters
    ----------
    prop : GuardProperty
        The property to assert (cover points for it are always added).
    core_class : type
        The core under test (:class:`hdl.guard_core.GuardCore` or a mutant of it).
    n_instruments, n_order_slots : int
        The size the core is built at (its own parameters; the full protocol size by default).
    controls : sequence of str, optional
        For P2: only these controls' conditions are asserted (names of
        :data:`P2_CONTROLS`); all of them by default.
    slot : int, optional
        For P2's :data:`SLOT_CONTROLS`: compare the order with this open-order slot only
        (the control holds when it holds against every slot, each a separate solver call);
        every slot by default.

    Raises
    ------
    ValueError
        If ``controls`` names a control that does not exist, or ``slot`` is not a slot of
        the core.
    """

    def __init__(
        self,
        prop: GuardProperty,
        core_class: type[GuardCore] = GuardCore,
        *,
        n_instruments: int = N_INSTRUMENTS,
        n_order_slots: int = N_ORDER_SLOTS,
        controls: Sequence[str] | None = None,
        slot: int | None = None,
    ) -> None:
        self.prop = GuardProperty(prop)
        unknown = sorted(set(controls or ()) - set(P2_CONTROLS))
        if unknown:
            raise ValueError(f"Controls must be among {P2_CONTROLS!r}, not {unknown!r}")
        if slot is not None and not 0 <= slot < n_order_slots:
            raise ValueError(f"Slot must be in 0..{n_order_slots - 1}, not {slot!r}")
        self.slot = slot
        self.controls = tuple(controls) if controls else P2_CONTROLS
        self.dut = core_class(
            clock_hz=12_000_000,
            time_unit_cycles=1,
            n_instruments=n_instruments,
            n_order_slots=n_order_slots,
        )
        self.n_instruments = n_instruments
        self.n_order_slots = n_order_slots

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
        names += [f"valid_{stage}" for stage in "bcd"]
        for index in range(self.n_instruments):
            for field in (
                "enabled max_position min_price max_price band has_ref bid ask ref_mid "
                "ref_age position open_buy open_sell".split()
            ):
                names.append(f"i{index}_{field}")
        for index in range(self.n_order_slots):
            for field in "valid client_id instrument side kind price".split():
                names.append(f"s{index}_{field}")
        reg = find_signals(core, names)
        self.reg = reg
        lim = {limit: reg[f"lim_{limit.name.lower()}"] for limit in LimitId}

        # No reset ever: a synchronous reset would wipe the free configuration. Registers with
        # an init value start from it, which is the state a reset leaves.
        m.d.comb += Assume(~ResetSignal())
        since_beat = self._drive_inputs(m)
        with m.If(Initial()):
            m.d.comb += self.config_invariants(reg, lim)
        m.d.comb += self.state_invariants(reg, since_beat)

        # The message from its beat (the check stage) until the next beat, and the beat
        # delayed by each stage's offset.
        beat = dut.i_msg.valid
        msg_held = Signal(MESSAGE_LAYOUT)
        with m.If(beat):
            m.d.sync += msg_held.eq(dut.i_msg.payload)
        msg = Signal(MESSAGE_LAYOUT)
        m.d.comb += msg.eq(Mux(beat, dut.i_msg.payload.as_value(), msg_held.as_value()))
        stage = [beat] + [
            Signal(name=f"beat_{delay}") for delay in range(1, GuardCore.VERDICT_LATENCY + 1)
        ]
        for earlier, later in zip(stage, stage[1:], strict=False):
            m.d.sync += later.eq(earlier)
        checking = stage[CHECK_STAGE]  # the cycle whose registers a message's checks read
        answering = stage[GuardCore.VERDICT_LATENCY]  # the cycle its response is on o_rsp
        order = _view(MessageType.ORDER, msg.payload)
        is_order = msg.type == MessageType.ORDER
        rsp = dut.o_rsp
        verdict = _view(MessageType.ORDER_VERDICT, rsp.payload.payload)
        accepted = (
            rsp.valid
            & (rsp.payload.type == MessageType.ORDER_VERDICT)
            & (verdict.reason == Reason.ACCEPT)
        )

        ctx = _Context(reg, lim, order, is_order, checking, answering, accepted, msg, stage, core)
        getattr(self, f"_{self.prop.lower()}")(m, ctx)
        return m

    # ---- environment ------------------------------------------------------------------------

    def _drive_inputs(self, m: Module) -> Signal:
        since = drive_messages(m, [self.dut])
        m.d.comb += self.dut.i_bad_frame.eq(AnySeq(1))
        return since

    def config_invariants(self, reg: dict[str, Signal], lim: dict[LimitId, Signal]) -> list[Any]:
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
        rules.append(Assume(lim[LimitId.MAX_OPEN_ORDERS] <= self.n_order_slots))
        for index in range(self.n_instruments):
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
        rules.append(Assume(reg["kill_cause"] <= max(KillCause)))
        rules.append(
            Assume((reg["state"] == TradingState.HALTED) == (reg["kill_cause"] != KillCause.NONE))
        )
        return rules

    def state_invariants(self, reg: dict[str, Signal], since_beat: Signal) -> list[Any]:
        """Asserted in every cycle: the core is armed only with every limit set and an
        instrument enabled (C2; ARM checks it, no limit is ever unset, and disabling an
        instrument disarms). As an assertion it is both checked and, in k-induction, the
        strengthening that P1 and P2 need: their checks read the state, not the limits.

        And the pipeline holds one message at a time: stage B, C, D is busy only 1, 2, 3
        cycles after a beat (``since_beat``). Without it, induction may start from a
        fill's exposure update in flight next to an order that the spacing of beats rules
        out (P3).
        """
        armed = (reg["state"] == TradingState.ACTIVE) | (reg["state"] == TradingState.REDUCING)
        all_set = reg["limits_set"] == (1 << len(LimitId)) - 1
        enabled_any = Cat(reg[f"i{index}_enabled"] for index in range(self.n_instruments)).any()
        market_last = reg["last_valid"] & (reg["last_kind"] == OrderKind.MARKET)
        pipeline = [
            Assert(~reg[f"valid_{stage}"] | (since_beat == delay))
            for delay, stage in enumerate("bcd", start=1)
        ]
        return [
            *pipeline,
            Assert(~armed | (all_set & enabled_any)),
            # A market order is remembered with price 0 (C13 compares prices of limit orders).
            Assert(~market_last | (reg["last_price"] == 0)),
        ]

    # ---- properties -------------------------------------------------------------------------

    def _p1(self, m: Module, ctx: _Context) -> None:
        reg = ctx.reg
        allowed = Signal()
        with m.If(ctx.checking):
            armed = (reg["state"] == TradingState.ACTIVE) | (reg["state"] == TradingState.REDUCING)
            all_set = reg["limits_set"] == (1 << len(LimitId)) - 1
            m.d.sync += allowed.eq(armed & all_set)
        # A kill on the check stage's cycle is HALTED on the update stage's: still no accept.
        not_killed = Signal()
        with m.If(ctx.stages[UPDATE_STAGE]):
            m.d.sync += not_killed.eq(reg["state"] != TradingState.HALTED)
        with m.If(ctx.accepted):
            m.d.comb += [Assert(allowed), Assert(not_killed)]
        m.d.comb += [Cover(ctx.accepted), Cover(ctx.answering & ctx.is_order & ~ctx.accepted)]

    def _select(self, reg: dict[str, Signal], order: Any, field: str) -> Value:
        """The ordered instrument's register ``field`` (instrument 0's when out of range)."""
        ins = order.instrument[:2]
        value: Value = reg[f"i0_{field}"]
        for index in range(1, self.n_instruments):
            value = Mux(ins == index, reg[f"i{index}_{field}"], value)
        return value

    def valuation(self, reg: dict[str, Signal], lim: dict[LimitId, Signal], order: Any) -> Value:
        """The price an order is valued at (DESIGN.md section 3): a buy at the higher of its
        price and the ask, a sell at the lower of its price and the bid; a market order at the
        worse of the collar edge and the touch (a sell at least 1 tick)."""
        buy = order.side == Side.BUY
        price = order.price
        ask, bid = self._select(reg, order, "ask"), self._select(reg, order, "bid")
        ref_mid = self._select(reg, order, "ref_mid")
        collar = lim[LimitId.COLLAR_TICKS]
        upper = ref_mid + collar
        lower = ref_mid - collar  # signed: may be below zero
        lowest = Mux(lower < bid, lower, bid)
        return Mux(
            order.kind == OrderKind.LIMIT,
            Mux(buy, Mux(price > ask, price, ask), Mux(price < bid, price, bid)),
            Mux(buy, Mux(upper > ask, upper, ask), Mux(lowest < 1, 1, lowest)),
        )

    def _conditions(
        self, reg: dict[str, Signal], lim: dict[LimitId, Signal], order: Any
    ) -> dict[str, Value]:
        """Each control's pass condition for ``order`` over the registers of this cycle."""
        ins = order.instrument[:2]
        in_range = order.instrument < self.n_instruments

        def at(field: str) -> Value:
            return self._select(reg, order, field)

        buy = order.side == Side.BUY
        limit_kind = order.kind == OrderKind.LIMIT
        qty, price = order.quantity, order.price
        position, open_buy, open_sell = at("position"), at("open_buy"), at("open_sell")
        max_position = at("max_position")
        long_case = position + open_buy + qty
        short_case = position - open_sell - qty
        reducing = Mux(buy, long_case <= 0, short_case >= 0)
        ref_mid = at("ref_mid")
        collar = lim[LimitId.COLLAR_TICKS]
        distance = Mux(price > ref_mid, price - ref_mid, ref_mid - price)
        crosses: Value = Const(0)
        duplicate_open: Value = Const(0)
        compared = range(self.n_order_slots) if self.slot is None else (self.slot,)
        for index in compared:
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
        state = reg["state"]
        conditions = {
            "C1_armed": (state == TradingState.ACTIVE) | (state == TradingState.REDUCING),
            "C1_reducing": Mux(state == TradingState.REDUCING, reducing, 1),
            "C2_limits_set": reg["limits_set"] == (1 << len(LimitId)) - 1,
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
        assert set(conditions) | set(NOTIONAL_CONTROLS) == set(P2_CONTROLS)
        return conditions

    def _p2(self, m: Module, ctx: _Context) -> None:
        reg, lim, order = ctx.reg, ctx.lim, ctx.order
        held = {}
        conditions = self._conditions(reg, lim, order)
        for name in self.controls:
            if name in NOTIONAL_CONTROLS:
                continue
            flag = Signal(name=f"held_{name}")
            with m.If(ctx.checking):
                m.d.sync += flag.eq(conditions[name])
            held[name] = flag
        if set(self.controls) & set(NOTIONAL_CONTROLS):
            held.update(self._notional_conditions(m, ctx))
        with m.If(ctx.accepted):
            for flag in held.values():
                m.d.comb += Assert(flag)
        m.d.comb += Cover(ctx.accepted)

    def _notional_conditions(self, m: Module, ctx: _Context) -> dict[str, Signal]:
        """C6 and C10, which need the order's notional (quantity x valuation price).

        Two multipliers (the core's and one here) cannot be proven equal by the SAT solver
        (a 4 x 25-bit pair already runs for minutes), so the notional is taken from the core's
        own multiplier and its two factors are proven to be the order's quantity and the
        valuation price written here from DESIGN.md (the first assertions below), in the cycle
        the multiplier reads them (:data:`hdl.guard_spec.NOTIONAL_STAGE`). Both
        conditions then read that product; with the factors proven equal to the spec's, the
        product is the spec's notional (a multiplication of equal numbers is equal).
        """
        reg, lim, order = ctx.reg, ctx.lim, ctx.order
        quantity, price = order_multiplier(ctx.core)
        factor_qty = Signal(QTY_BITS, name="tap_notional_qty")
        factor_price = Signal(VALUATION_BITS, name="tap_notional_price")
        m.d.comb += [factor_qty.eq(quantity), factor_price.eq(price)]

        # What the spec says, from the registers of the check stage, carried to the cycle the
        # core multiplies (its notional stage).
        buy = order.side == Side.BUY
        position = self._select(reg, order, "position")
        long_case = position + self._select(reg, order, "open_buy") + order.quantity
        short_case = position - self._select(reg, order, "open_sell") - order.quantity
        spec: dict[str, Value] = {
            "valuation": self.valuation(reg, lim, order),
            "gross": reg["exposure_sum"] + reg["open_notional"],
            "reducing": Mux(buy, long_case <= 0, short_case >= 0),
        }
        delay = NOTIONAL_STAGE - CHECK_STAGE
        if delay not in (0, 1):
            raise ValueError(f"Notional stage must be the check stage or the next, not {delay}")
        if delay:
            for name, value in list(spec.items()):
                held = Signal.like(value, name=f"spec_{name}")
                with m.If(ctx.checking):
                    m.d.sync += held.eq(value)
                spec[name] = held
        # An order for an instrument the core does not have has no valuation (C3 rejects it).
        multiplying = ctx.stages[NOTIONAL_STAGE] & ctx.is_order
        known = order.instrument < self.n_instruments
        with m.If(multiplying & known):
            m.d.comb += [
                Assert(factor_qty == order.quantity),
                Assert(factor_price == spec["valuation"]),
            ]
        notional = factor_qty * factor_price
        flags = {name: Signal(name=f"held_{name}") for name in NOTIONAL_CONTROLS}
        gross_limit = lim[LimitId.MAX_GROSS_EXPOSURE]
        with m.If(multiplying):
            m.d.sync += [
                flags["C6_max_notional"].eq(known & (notional <= lim[LimitId.MAX_ORDER_NOTIONAL])),
                flags["C10_gross_exposure"].eq(
                    known & (spec["reducing"] | (spec["gross"] + notional <= gross_limit))
                ),
            ]
        return {name: flags[name] for name in NOTIONAL_CONTROLS if name in self.controls}

    def _p3(self, m: Module, ctx: _Context) -> None:
        reg, lim, order = ctx.reg, ctx.lim, ctx.order
        # The accept's updates are registered with the response: check the cycle after.
        after = Signal()
        reducing = Signal()
        buy = Signal()
        m.d.sync += after.eq(ctx.accepted)
        with m.If(ctx.checking):
            position = self._select(reg, order, "position")
            open_buy = self._select(reg, order, "open_buy")
            open_sell = self._select(reg, order, "open_sell")
            m.d.sync += [
                buy.eq(order.side == Side.BUY),
                reducing.eq(
                    Mux(
                        order.side == Side.BUY,
                        position + open_buy + order.quantity <= 0,
                        position - open_sell - order.quantity >= 0,
                    )
                ),
            ]
        with m.If(after):
            ins = order.instrument[:2]
            for index in range(self.n_instruments):
                with m.If(ins == index):
                    position = reg[f"i{index}_position"]
                    limit = reg[f"i{index}_max_position"]
                    # The side the order was on: the other side is not made worse by it (it
                    # may be outside a limit lowered since, which no order can undo).
                    with m.If(buy):
                        m.d.comb += Assert(position + reg[f"i{index}_open_buy"] <= limit)
                    with m.Else():
                        m.d.comb += Assert(position - reg[f"i{index}_open_sell"] >= -limit)
            with m.If(~reducing):
                m.d.comb += Assert(
                    reg["exposure_sum"] + reg["open_notional"] <= lim[LimitId.MAX_GROSS_EXPOSURE]
                )
        m.d.comb += [Cover(after & buy), Cover(after & ~buy)]

    def _p5(self, m: Module, ctx: _Context) -> None:
        reg, lim = ctx.reg, ctx.lim
        dut = self.dut
        # Cycles since the last message beat, saturating (a time unit is one cycle here, and
        # every timeout is below AGE_MAX).
        since = Signal(range(AGE_MAX + 1), name="heartbeat_silence")
        with m.If(dut.i_msg.valid):
            m.d.sync += since.eq(0)
        with m.Elif(since != AGE_MAX):
            m.d.sync += since.eq(since + 1)
        # Strengthening for k-induction: the core's heartbeat age is this silence.
        m.d.comb += Assert(reg["silence"] == since)
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
