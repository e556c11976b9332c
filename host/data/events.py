"""The one in-memory event layout every loader produces and the replay consumes."""

import enum

import numpy as np

__all__ = ["EventKind", "EVENT_DTYPE", "LAYOUTS", "merge_events", "empty_events"]


class EventKind(enum.IntEnum):
    """What one event row holds (fields ``p1, q1, p2, q2`` mean different things per kind)."""

    QUOTE = 0  # best bid/ask: p1 = bid, q1 = bid qty, p2 = ask, q2 = ask qty
    TRADE = 1  # p1 = price, q1 = quantity, side = taker side (+1 buy, -1 sell)
    LIQUIDATION = 2  # p1 = average price, q1 = filled quantity, side = liquidation order side


#: Times are integer microseconds since the epoch: ``ts`` when we received the event (the
#: ordering key of a replay), ``exch_ts`` when the exchange stamped it. ``seq`` is the
#: exchange's update or trade id, ``sym`` the index into the data set's symbol list.
EVENT_DTYPE = np.dtype(
    [
        ("ts", "i8"),
        ("exch_ts", "i8"),
        ("kind", "u1"),
        ("sym", "u1"),
        ("side", "i1"),
        ("seq", "i8"),
        ("p1", "f8"),
        ("q1", "f8"),
        ("p2", "f8"),
        ("q2", "f8"),
    ]
)

#: Column names of the exchange's public CSV files (TOOLCHAIN.md "Market data").
LAYOUTS: dict[str, tuple[str, ...]] = {
    "aggTrades": (
        "agg_trade_id",
        "price",
        "quantity",
        "first_trade_id",
        "last_trade_id",
        "transact_time",
        "is_buyer_maker",
    ),
    "trades": ("id", "price", "qty", "quote_qty", "time", "is_buyer_maker"),
    "bookTicker": (
        "update_id",
        "best_bid_price",
        "best_bid_qty",
        "best_ask_price",
        "best_ask_qty",
        "transaction_time",
        "event_time",
    ),
    "liquidationSnapshot": (
        "time",
        "side",
        "order_type",
        "time_in_force",
        "original_quantity",
        "price",
        "average_price",
        "order_status",
        "last_fill_quantity",
        "accumulated_fill_quantity",
    ),
}


def empty_events(n: int = 0) -> np.ndarray:
    """A zeroed event array of length ``n``."""
    return np.zeros(n, dtype=EVENT_DTYPE)


def merge_events(parts: list[np.ndarray]) -> np.ndarray:
    """Concatenate event arrays into one timeline ordered by receive time.

    Ties keep quotes before trades before liquidations, then file order (a stable sort), so
    a replay is deterministic whatever order the files were listed in.
    """
    if not parts:
        return empty_events()
    events = np.concatenate(parts)
    order = np.lexsort((events["kind"], events["ts"]))
    return events[order]
