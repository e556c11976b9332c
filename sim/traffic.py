"""Seeded random host traffic for the differential simulation of the guard against its model.

The mix is tuned so that every control fires now and then while most orders are plausible:
ticks follow a random walk per instrument (with crossed books, out-of-range prices, jumps and
timestamps going backwards), orders sit around the reference mid (some far outside the collar,
some too large, some duplicates, some market orders), fills and cancels name recent orders
(sometimes unknown ones), limits change, kills and re-arms happen, STATUS sections are read,
and some frames arrive corrupted.
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass

from hdl.protocol import (
    N_INSTRUMENTS,
    N_ORDER_SLOTS,
    ArmMode,
    LimitId,
    MessageType,
    OrderKind,
    Side,
    StatusSection,
)
from host.link.codec import FrameSplitter, Message, decode_frame, encode

__all__ = ["Action", "RandomTraffic", "TRAFFIC_LIMITS", "corrupt"]

#: Limits set at the start (time units are cycles in simulation: 1 us at 1 MHz).
TRAFFIC_LIMITS = {
    LimitId.MAX_ORDER_QTY: 40,
    LimitId.MAX_ORDER_NOTIONAL: 60_000,
    LimitId.COLLAR_TICKS: 40,
    LimitId.STALE_AFTER: 3_000,
    LimitId.MAX_GROSS_EXPOSURE: 250_000,
    LimitId.MAX_OPEN_ORDERS: 6,
    LimitId.RATE_MAX_ORDERS: 12,
    LimitId.RATE_WINDOW: 2_000,
    LimitId.DUP_WINDOW: 400,
    LimitId.FILL_MAX: 12,
    LimitId.FILL_WINDOW: 1_500,
    LimitId.HEARTBEAT_TIMEOUT: 4_000,
    LimitId.CONFIRM_TICKS: 3,
}

_MIN_PRICE, _MAX_PRICE = 1_000, 3_000


@dataclass(frozen=True)
class Action:
    """One thing the driver does: send a message, send corrupted bytes, idle, or press kill."""

    kind: str  # "message" | "bad" | "idle" | "button"
    message: Message | None = None
    data: bytes = b""
    cycles: int = 0


def corrupt(rng: random.Random, message: Message) -> bytes:
    """``message``'s frame damaged so that every frame the splitter finds in it is bad."""
    while True:
        frame = bytearray(encode(message))
        how = rng.randrange(3)
        if how == 0:  # bit flip (not in the delimiter)
            index = rng.randrange(len(frame) - 1)
            frame[index] ^= 1 << rng.randrange(8)
        elif how == 1:  # truncation
            cut = rng.randrange(1, len(frame) - 1)
            frame = frame[:cut] + b"\x00"
        else:  # garbage
            frame = bytearray(rng.randrange(1, 256) for _ in range(rng.randrange(1, 40)))
            frame.append(0)
        pieces = FrameSplitter().feed(bytes(frame))
        if pieces and all(_is_bad(piece) for piece in pieces):
            return bytes(frame)


def _is_bad(frame: bytes) -> bool:
    try:
        decode_frame(frame)
    except ValueError:
        return True
    return False


class RandomTraffic:
    """An endless seeded stream of :class:`Action` after a setup that arms the guard.

    Parameters
    ----------
    seed : int
        Same seed, same traffic.
    n_order_slots : int
        Order slots of the guard: the setup's MAX_OPEN_ORDERS is at most this many.
    """

    def __init__(self, seed: int, *, n_order_slots: int = N_ORDER_SLOTS) -> None:
        self.rng = random.Random(seed)
        self.n_order_slots = n_order_slots
        self._mid = [self.rng.randrange(1_400, 2_600) for _ in range(N_INSTRUMENTS)]
        self._timestamp = [1_000] * N_INSTRUMENTS
        self._next_id = 1
        self._recent_ids: list[int] = []
        self._last_order: Message | None = None
        self._rearm_in = -1
        self._sent_quantity: dict[int, int] = {}
        self._fill_quantity: dict[int, int] = {}
        #: Orders the guard accepted and that are still open, with their remaining quantity.
        self.open_orders: dict[int, int] = {}

    def observe(self, response: Message) -> None:
        """Learn from a response which orders are open, so fills and cancels can name them."""
        if response.type == MessageType.ORDER_VERDICT:
            client_id = response["client_id"]
            quantity = self._sent_quantity.pop(client_id, 0)
            if response["reason"] == 0 and quantity:
                self.open_orders[client_id] = quantity
        elif response.type == MessageType.ACK and response["result"] == 0:
            client_id = response["argument"]
            if response["command"] == MessageType.CANCEL:
                self.open_orders.pop(client_id, None)
            elif response["command"] == MessageType.CANCEL_ALL:
                self.open_orders.clear()
            elif response["command"] == MessageType.FILL and client_id in self.open_orders:
                left = self.open_orders[client_id] - self._fill_quantity.get(client_id, 0)
                if left > 0:
                    self.open_orders[client_id] = left
                else:
                    del self.open_orders[client_id]

    def setup(self) -> list[Message]:
        """Limits, three enabled instruments (the fourth stays disabled), a tick each, ARM."""
        limits = dict(TRAFFIC_LIMITS)
        open_orders = LimitId.MAX_OPEN_ORDERS
        limits[open_orders] = min(limits[open_orders], self.n_order_slots)
        messages = [
            Message(MessageType.SET_LIMIT, {"limit_id": limit_id, "value": value})
            for limit_id, value in limits.items()
        ]
        for index in range(N_INSTRUMENTS):
            messages.append(self._instrument(index, enabled=index < 3))
        for index in range(N_INSTRUMENTS):
            messages.append(self._tick(index))
        messages.append(Message(MessageType.ARM, {"mode": ArmMode.ACTIVE}))
        return messages

    def _set_position(self) -> Message:
        """A position restored on some instrument: small or at the s24 edges, sometimes with
        no price or on an instrument out of range (both refused)."""
        rng = self.rng
        if rng.random() < 0.1:
            position = rng.choice((-(1 << 23), (1 << 23) - 1))
        else:
            position = rng.choice((0, rng.randint(-60, 60)))
        price = 0 if rng.random() < 0.15 else self._mid[rng.randrange(3)] + rng.randint(-5, 5)
        fields = {
            "instrument": rng.randrange(N_INSTRUMENTS + 1),
            "position": position,
            "price": price,
        }
        return Message(MessageType.SET_POSITION, fields)

    def _instrument(self, index: int, *, enabled: bool = True) -> Message:
        fields = {
            "instrument": index,
            "enabled": int(enabled),
            "max_position": self.rng.choice((20, 60, 200)),
            "min_price": _MIN_PRICE,
            "max_price": _MAX_PRICE,
            "band_ticks": self.rng.choice((30, 60)),
        }
        return Message(MessageType.SET_INSTRUMENT, fields)

    def _tick(self, index: int) -> Message:
        rng = self.rng
        self._mid[index] = min(max(self._mid[index] + rng.randint(-6, 6), 1_200), 2_800)
        mid = self._mid[index]
        spread = rng.randint(1, 12)
        bid, ask = mid - spread // 2 - 1, mid + (spread + 1) // 2
        roll = rng.random()
        if roll < 0.03:
            bid, ask = ask, bid  # crossed
        elif roll < 0.05:
            bid, ask = mid + 200, mid + 204  # jump beyond the band (confirmed if repeated)
        elif roll < 0.06:
            bid = 0
        elif roll < 0.07:
            ask = _MAX_PRICE + 5
        step = rng.choice((0, 1, 1, 5, 40))
        timestamp = self._timestamp[index] + step
        if rng.random() < 0.03:
            timestamp = max(0, self._timestamp[index] - rng.randint(1, 50))
        else:
            self._timestamp[index] = timestamp
        fields = {"instrument": index, "timestamp": timestamp, "bid": bid, "ask": ask}
        return Message(MessageType.TICK, fields)

    def _order(self) -> Message:
        rng = self.rng
        if self._last_order is not None and rng.random() < 0.03:
            repeat = dict(self._last_order.fields)
            if rng.random() < 0.5:
                repeat["client_id"] = self._new_id()  # same order, new id
            self._sent_quantity[repeat["client_id"]] = repeat["quantity"]
            return Message(MessageType.ORDER, repeat)
        index = rng.choice((0, 0, 1, 1, 2, 3)) if rng.random() > 0.02 else rng.randrange(4, 9)
        mid = self._mid[min(index, N_INSTRUMENTS - 1)]
        kind = OrderKind.MARKET if rng.random() < 0.1 else OrderKind.LIMIT
        price = 0 if kind == OrderKind.MARKET else max(0, mid + int(rng.gauss(0, 25)))
        if rng.random() < 0.02:
            price = 0 if rng.random() < 0.5 else _MAX_PRICE + 100
        quantity = rng.choice((1, 2, 3, 5, 8, 13, 21, 34, 45)) if rng.random() > 0.02 else 0
        fields = {
            "client_id": self._new_id(),
            "instrument": index,
            "side": rng.choice((Side.BUY, Side.SELL)),
            "kind": kind,
            "price": price,
            "quantity": quantity,
        }
        self._last_order = Message(MessageType.ORDER, fields)
        self._sent_quantity[fields["client_id"]] = quantity
        return self._last_order

    def _new_id(self) -> int:
        client_id = self._next_id
        self._next_id += 1
        self._recent_ids = (self._recent_ids + [client_id])[-12:]
        return client_id

    def _known_id(self) -> int:
        roll = self.rng.random()
        if self.open_orders and roll < 0.85:
            return self.rng.choice(sorted(self.open_orders))
        if self._recent_ids and roll < 0.95:
            return self.rng.choice(self._recent_ids)
        return self.rng.randrange(1 << 32)

    def __iter__(self) -> Iterator[Action]:
        return self

    def __next__(self) -> Action:
        rng = self.rng
        if self._rearm_in == 0:
            self._rearm_in = -1
            mode = ArmMode.REDUCING if rng.random() < 0.15 else ArmMode.ACTIVE
            return Action("message", Message(MessageType.ARM, {"mode": mode}))
        if self._rearm_in > 0:
            self._rearm_in -= 1
        roll = rng.random()
        if roll < 0.36:
            return Action("message", self._tick(rng.randrange(N_INSTRUMENTS)))
        if roll < 0.70:
            return Action("message", self._order())
        if roll < 0.79:
            client_id = self._known_id()
            quantity = rng.choice((1, 2, 5, 10, 40))
            self._fill_quantity[client_id] = quantity
            fields = {
                "client_id": client_id,
                "price": self._mid[rng.randrange(3)] + rng.randint(-5, 5),
                "quantity": quantity,
            }
            return Action("message", Message(MessageType.FILL, fields))
        if roll < 0.88:
            return Action("message", Message(MessageType.CANCEL, {"client_id": self._known_id()}))
        if roll < 0.91:
            return Action("message", Message(MessageType.HEARTBEAT))
        if roll < 0.935:
            section = rng.choice(
                [StatusSection.SUMMARY]
                + [StatusSection.INSTRUMENT_0 + i for i in range(N_INSTRUMENTS)]
                + [StatusSection.COUNTERS_0 + i for i in range(8)]
                + [StatusSection.LIMITS_0 + i for i in range(7)]
                + [rng.randrange(256)]
            )
            return Action("message", Message(MessageType.STATUS, {"section": section}))
        if roll < 0.95:
            return Action("bad", data=corrupt(rng, self._order()))
        if roll < 0.955:
            self._rearm_in = rng.randrange(0, 5)
            return Action("message", Message(MessageType.KILL))
        if roll < 0.96:
            limit_id = rng.choice(list(LimitId))
            value = TRAFFIC_LIMITS[limit_id]
            if rng.random() < 0.8:
                value = max(0, value + rng.randint(-value // 4, value // 4))
            self._rearm_in = rng.randrange(0, 3)
            fields = {"limit_id": limit_id, "value": value}
            return Action("message", Message(MessageType.SET_LIMIT, fields))
        if roll < 0.962:
            self._rearm_in = rng.randrange(0, 3)
            return Action("message", self._instrument(rng.randrange(N_INSTRUMENTS)))
        if roll < 0.964:
            self._rearm_in = rng.randrange(0, 3)
            return Action("message", self._set_position())
        if roll < 0.965:
            return Action("message", Message(MessageType.CANCEL_ALL))
        if roll < 0.968:
            return Action("message", Message(MessageType.HELLO, {"version": rng.choice((1, 1, 7))}))
        if roll < 0.970:
            self._rearm_in = rng.randrange(1, 4)
            return Action("button")
        if roll < 0.971:
            # Silence beyond the heartbeat timeout: the watchdog must latch the kill.
            self._rearm_in = 0
            return Action("idle", cycles=TRAFFIC_LIMITS[LimitId.HEARTBEAT_TIMEOUT] + 50)
        if roll < 0.978:
            self._rearm_in = rng.randrange(0, 6) if self._rearm_in < 0 else self._rearm_in
            return Action("message", Message(MessageType.ARM, {"mode": rng.choice((0, 0, 1, 2))}))
        return Action("idle", cycles=rng.randrange(1, 60))
