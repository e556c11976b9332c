"""Exact, vectorised replicas of the per-event state machines that do not depend on decisions.

The fast backtest path (:mod:`host.backtest.fast_path`) computes, before its event loop, what
the reference engine computes one event at a time and what no order, fill or verdict can
change: the L0Sanitizer's verdicts, the host's tick conversion, the gateware tick filter's
verdicts, the paper broker's view of the touch (volatility included) and the liquidation
hunter's sliding-window features. "Exact" means bit for bit: the same IEEE operations in the
same order as :class:`~host.sanitizer.l0_sanitizer.L0Sanitizer`,
:class:`~host.link.model.GuardModel` and friends, so every float compares equal.

The stateful rules (the sanitizer's ABSURD_PRICE with its confirmation streak, the tick
filter's TIME_BACKWARDS and BAND_JUMP with theirs) are solved in two passes: first assume no
stateful reject, which makes the reference price a forward fill; then walk one event at a
time, with the reference code's logic, only from each event that assumption flags until the
next accepted event, where the state is again what the assumption says. On clean data the walk
never runs; on the generated data (faults at 0.2 %) it visits a few events per fault.
"""

from bisect import bisect_left
from dataclasses import dataclass

import numpy as np

from hdl.guard_spec import CONFIRM_COUNT_MAX
from hdl.protocol import TickReason
from host.data.events import EventKind
from host.sanitizer.l0_sanitizer import SanitizerConfig, SanitizerReason

__all__ = [
    "SANITIZER_REASONS",
    "TickFilterLimits",
    "previous_index",
    "previous_where",
    "event_groups",
    "sanitize",
    "filter_ticks",
    "volatility",
    "window_sums",
    "counts_up_to",
    "greedy_samples",
    "window_start_samples",
]

#: Sanitizer verdict codes: 0 accepts, ``i + 1`` is ``SANITIZER_REASONS[i]``.
SANITIZER_REASONS: tuple[SanitizerReason, ...] = tuple(SanitizerReason)
_CODE = {reason: index + 1 for index, reason in enumerate(SANITIZER_REASONS)}
_DUPLICATE = _CODE[SanitizerReason.SEQUENCE_DUPLICATE]
_GAP = _CODE[SanitizerReason.SEQUENCE_GAP]
_PRICE = _CODE[SanitizerReason.NON_POSITIVE_PRICE]
_QUANTITY = _CODE[SanitizerReason.NON_POSITIVE_QUANTITY]
_ABSURD = _CODE[SanitizerReason.ABSURD_PRICE]
_CROSSED = _CODE[SanitizerReason.CROSSED_BOOK]
_SPREAD = _CODE[SanitizerReason.SPREAD]
_LATENCY = _CODE[SanitizerReason.LATENCY]


def previous_index(mask: np.ndarray) -> np.ndarray:
    """For each index, the last index strictly before it where ``mask`` holds, else -1."""
    n = len(mask)
    before = np.empty(n, dtype=np.int64)
    if n == 0:
        return before
    marked = np.where(mask, np.arange(n), -1)
    before[0] = -1
    np.maximum.accumulate(marked[:-1], out=before[1:])
    return before


def previous_where(values: np.ndarray, mask: np.ndarray, default: float | int) -> np.ndarray:
    """For each index, ``values`` at the last index strictly before it where ``mask`` holds,
    else ``default`` (the reference state "last accepted value" as a forward fill)."""
    before = previous_index(mask)
    return np.where(before >= 0, values[np.maximum(before, 0)], default)


def _sequence_codes(seq: np.ndarray, max_gap: int | None) -> np.ndarray:
    """SEQUENCE_DUPLICATE / SEQUENCE_GAP of one (symbol, stream): the last id the sanitizer
    keeps is the running maximum (a duplicate never raises it, anything else sets it)."""
    codes = np.zeros(len(seq), dtype=np.uint8)
    if len(seq) < 2:
        return codes
    last = np.maximum.accumulate(seq)[:-1]
    duplicate = seq[1:] <= last
    codes[1:][duplicate] = _DUPLICATE
    if max_gap is not None:
        gap = ~duplicate & (seq[1:] - last > max_gap)
        codes[1:][gap] = _GAP
    return codes


def _first(shape: int, *rules: tuple[np.ndarray, int]) -> np.ndarray:
    """The code of the first rule that holds, rules in the reference's order (0: none)."""
    codes = np.zeros(shape, dtype=np.uint8)
    for condition, code in reversed(rules):
        codes[condition] = code
    return codes


def _walk_deviation(
    mid: np.ndarray,
    pre: np.ndarray,
    post: np.ndarray,
    codes: np.ndarray,
    flagged: np.ndarray,
    reference: np.ndarray,
    config: SanitizerConfig,
) -> None:
    """Replay ``L0Sanitizer._deviation`` quote by quote from each flagged quote until the next
    accept (see the module docstring); writes ABSURD_PRICE into ``codes``."""
    limit = config.max_deviation
    confirm = config.confirm_count
    # The walks visit a few quotes per fault: index the arrays, do not convert them whole.
    mids, pres, posts = mid, pre, post
    starts = flagged.tolist()
    count = len(mids)
    next_start = 0
    while next_start < len(starts):
        index = starts[next_start]
        ref = float(reference[index])
        streak = 0
        candidate = 0.0
        while index < count:
            if pres[index]:
                index += 1
                continue
            value = float(mids[index])
            if ref > 0 and abs(value / ref - 1) > limit:
                if streak and abs(value / candidate - 1) <= limit:
                    streak += 1
                else:
                    candidate, streak = value, 1
                if streak >= confirm:
                    streak = 0
                else:
                    codes[index] = _ABSURD
                    index += 1
                    continue
            if posts[index]:
                index += 1
                continue
            ref = value  # accepted: the state is the forward fill's again
            break
        next_start = int(np.searchsorted(flagged, index, side="right"))


def event_groups(kind: np.ndarray, sym: np.ndarray, n_symbols: int) -> list[list[np.ndarray]]:
    """``groups[s][k]``: positions of the events of symbol ``s`` and kind ``k``, in order
    (one stable sort instead of a mask per group)."""
    kinds = len(EventKind)
    # A small-integer key sorts by radix in one pass.
    key = sym.astype(np.uint8 if n_symbols * kinds <= 256 else np.int64) * kinds + kind
    order = np.argsort(key, kind="stable")
    bounds = np.concatenate(
        [[0], np.cumsum(np.bincount(key, minlength=n_symbols * len(EventKind)))]
    )
    return [
        [
            order[bounds[s * len(EventKind) + k] : bounds[s * len(EventKind) + k + 1]]
            for k in range(len(EventKind))
        ]
        for s in range(n_symbols)
    ]


def sanitize(
    columns: dict[str, np.ndarray], groups: list[list[np.ndarray]], config: SanitizerConfig
) -> np.ndarray:
    """L0Sanitizer verdict codes of every event, as the reference replays them in order.

    Parameters
    ----------
    columns : dict of str to numpy.ndarray
        The event fields (:data:`host.data.events.EVENT_DTYPE`) as contiguous arrays.
    groups : list of list of numpy.ndarray
        :func:`event_groups` of the events.
    config : SanitizerConfig

    Returns
    -------
    numpy.ndarray of uint8
        0 for accepted, else ``1 + index`` into :data:`SANITIZER_REASONS`.
    """
    ts = columns["ts"]
    codes = np.zeros(len(ts), dtype=np.uint8)
    max_latency = config.max_latency_ms * 1000
    max_skew = -(config.max_clock_skew_ms * 1000)
    max_spread = config.max_spread_bp / 1e4
    limit = config.max_deviation
    gap = config.max_sequence_gap
    p1, q1, p2, q2 = columns["p1"], columns["q1"], columns["p2"], columns["q2"]
    with np.errstate(all="ignore"):
        for by_kind in groups:
            # Quotes: the only events that move the sanitizer's reference mid.
            at = by_kind[EventKind.QUOTE]
            bid, bid_qty, ask, ask_qty = p1[at], q1[at], p2[at], q2[at]
            latency = ts[at] - columns["exch_ts"][at]
            pre = _sequence_codes(columns["seq"][at], gap)
            bad_price = ~((bid > 0) & (ask > 0) & np.isfinite(bid) & np.isfinite(ask))
            bad_qty = ~((bid_qty > 0) & (ask_qty > 0))
            pre = np.where(
                pre != 0, pre, _first(len(at), (bad_price, _PRICE), (bad_qty, _QUANTITY))
            )
            mid = (bid + ask) / 2
            post = _first(
                len(at),
                (bid >= ask, _CROSSED),
                ((ask - bid) / mid > max_spread, _SPREAD),
                ((latency > max_latency) | (latency < max_skew), _LATENCY),
            )
            quote_codes = np.where(pre != 0, pre, post)
            reference = previous_where(mid, quote_codes == 0, 0.0)
            flagged = np.flatnonzero(
                (pre == 0) & (reference > 0) & (np.abs(mid / reference - 1) > limit)
            )
            if len(flagged):
                _walk_deviation(mid, pre, post, quote_codes, flagged, reference, config)
            codes[at] = quote_codes
            # Trades and liquidations read the mid of the last accepted quote before them.
            accepted_at = at[quote_codes == 0]
            accepted_mid = mid[quote_codes == 0]
            for stream_kind in (EventKind.TRADE, EventKind.LIQUIDATION):
                where = by_kind[stream_kind]
                if not len(where):
                    continue
                price, quantity = p1[where], q1[where]
                latency = ts[where] - columns["exch_ts"][where]
                before = np.searchsorted(accepted_at, where) - 1
                ref = (
                    np.where(before >= 0, accepted_mid[np.maximum(before, 0)], 0.0)
                    if len(accepted_at)
                    else np.zeros(len(where))
                )
                sequence = (
                    _sequence_codes(columns["seq"][where], gap)
                    if stream_kind == EventKind.TRADE  # liquidations carry no id
                    else np.zeros(len(where), dtype=np.uint8)
                )
                rest = _first(
                    len(where),
                    (~((price > 0) & np.isfinite(price)), _PRICE),
                    (~((quantity > 0) & np.isfinite(quantity)), _QUANTITY),
                    ((ref > 0) & (np.abs(price / ref - 1) > limit), _ABSURD),
                    ((latency > max_latency) | (latency < max_skew), _LATENCY),
                )
                codes[where] = np.where(sequence != 0, sequence, rest)
    return codes


@dataclass(frozen=True)
class TickFilterLimits:
    """One instrument's tick-filter registers as the reference model holds them after start."""

    enabled: bool
    min_price: int
    max_price: int
    band: int
    confirm: int  # CONFIRM_TICKS, 0 when unset (never confirm: fail closed)


@dataclass
class TickFilterResult:
    """Verdicts of one instrument's ticks and the filter's candidate registers at the end."""

    reasons: np.ndarray  # TickReason per tick
    cand_valid: bool
    cand_mid: int
    cand_count: int


def filter_ticks(
    bid: np.ndarray, ask: np.ndarray, wire_ts: np.ndarray, limits: TickFilterLimits
) -> TickFilterResult:
    """``GuardModel._filter_tick`` over one instrument's ticks in order (ints, exact)."""
    n = len(bid)
    if not limits.enabled:
        reasons = np.full(n, TickReason.UNKNOWN_INSTRUMENT, dtype=np.uint8)
        return TickFilterResult(reasons, False, 0, 0)
    pre = _first(
        n,
        (
            (bid == 0) | (ask == 0) | (bid < limits.min_price) | (ask > limits.max_price),
            TickReason.PRICE_RANGE,
        ),
        (bid >= ask, TickReason.CROSSED_BOOK),
    )
    mid = (bid + ask) >> 1
    accepted = pre == 0
    before = previous_index(accepted)
    has_ref = before >= 0
    last = np.maximum(before, 0)
    ref_mid, ref_ts = mid[last], wire_ts[last]
    flagged = np.flatnonzero(
        accepted & has_ref & ((wire_ts < ref_ts) | (np.abs(mid - ref_mid) > limits.band))
    )
    reasons = pre.copy()
    cand_valid, cand_mid, cand_count = False, 0, 0
    if len(flagged):
        band, confirm = limits.band, limits.confirm
        mids, times, pres = mid, wire_ts, pre  # a few ticks per fault: no whole conversion
        starts = flagged.tolist()
        next_start = 0
        while next_start < len(starts):
            index = starts[next_start]
            ref, ref_time = int(ref_mid[index]), int(ref_ts[index])
            cand_valid = False
            while index < n:
                if pres[index]:
                    index += 1
                    continue
                if times[index] < ref_time:
                    reasons[index] = TickReason.TIME_BACKWARDS
                    index += 1
                    continue
                value = int(mids[index])
                if abs(value - ref) > band:
                    if cand_valid and abs(value - cand_mid) <= band:
                        count = min(cand_count + 1, CONFIRM_COUNT_MAX)
                    else:
                        cand_mid = value
                        count = 1
                    if not (confirm and count >= confirm):
                        cand_valid = True
                        cand_count = count
                        reasons[index] = TickReason.BAND_JUMP
                        index += 1
                        continue
                cand_valid = False  # accepted: the state is the forward fill's again
                break
            next_start = int(np.searchsorted(flagged, index, side="right"))
    return TickFilterResult(reasons, cand_valid, cand_mid, cand_count)


def volatility(mid: np.ndarray) -> list[float]:
    """``PaperBroker``'s smoothed |mid move| (bp) after each quote of one symbol, in order.

    A recurrence has no exact vectorised form, so this is a tight loop over ready-made terms
    (``0.1 * move`` is elementwise and exact; the loop adds it to ``0.9 * value`` as the
    broker does).
    """
    if len(mid) == 0:
        return []
    # A zero term first: the first value is 0.9 * 0.0 + 0.0 == 0.0, the broker's before any
    # move, and the list needs no copy to put it in front.
    tenths = np.empty(len(mid))
    tenths[0] = 0.0
    with np.errstate(all="ignore"):
        np.multiply(0.1, np.abs(mid[1:] / mid[:-1] - 1) * 1e4, out=tenths[1:])
    value = 0.0
    return [(value := 0.9 * value + tenth) for tenth in tenths.tolist()]


def window_sums(
    add_at: np.ndarray, notional: np.ndarray, expire_at: np.ndarray, query_at: np.ndarray
) -> np.ndarray:
    """A running float sum as the hunter keeps it (``+=`` when a liquidation arrives, ``-=``
    when it leaves the window), read after everything up to each ``query_at`` position.

    ``add_at`` and ``expire_at`` are event positions (an expiry after every add at or before
    it, ``-1`` when it never expires), ``query_at`` increasing positions; the result repeats
    the reference's exact sequence of additions and subtractions, so it equals the
    reference's float bit for bit.
    """
    if len(add_at) == 0:
        return np.zeros(len(query_at))
    expires = expire_at >= 0
    positions = np.concatenate([add_at, expire_at[expires]])
    # At one position the adds (liquidation events) and expiries (quote events) never mix;
    # within each, the reference order is the liquidations' own order.
    order = np.lexsort(
        (np.concatenate([np.arange(len(add_at)), np.flatnonzero(expires)]), positions)
    )
    signs = np.concatenate(
        [np.ones(len(add_at), dtype=bool), np.zeros(int(expires.sum()), dtype=bool)]
    )
    values = np.concatenate([notional, notional[expires]])
    total = 0.0
    after: list[float] = []
    append = after.append
    for add, value in zip(signs[order].tolist(), values[order].tolist(), strict=True):
        if add:
            total += value
        else:
            total -= value
        append(total)
    done = counts_up_to(positions[order], query_at)  # operations each query sees
    return np.array([0.0, *after])[done]  # after none, the empty sum


def counts_up_to(values: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """For each of the increasing ``queries``, how many of the increasing ``values`` are at or
    below it: ``np.searchsorted(values, queries, side="right")``, but each value counts from
    the first query at or above it, so the search runs over the values (cheaper when they
    are fewer than the queries)."""
    first_query = np.searchsorted(queries, values, side="left")
    return np.cumsum(np.bincount(first_query, minlength=len(queries) + 1)[: len(queries)])


def greedy_samples(times: np.ndarray, every: int, start: int) -> np.ndarray:
    """Indices the reference samples at: the first time at or after ``start``, then the first
    at or after each sample plus ``every`` (``if ts >= next: next = ts + every``)."""
    count = len(times)
    if count == 0:
        return np.empty(0, dtype=np.int64)
    if every <= 0:
        return np.flatnonzero(times >= start)
    chosen: list[int] = []
    append = chosen.append
    span = int(times[-1]) - max(int(times[0]), start)
    expected = count // (span // every + 1)  # events per interval, on average
    # Measured: the chain costs a search per event up front, the windowed search ~15 times
    # more per sample than a chain step; the chain wins below about a dozen events a sample.
    if expected > 12:
        # Sparse samples: a binary search per sample, within a window of a few intervals'
        # worth of events first (a search of the whole array only after a gap).
        window = 4 * expected
        # A memoryview reads Python ints, several times cheaper than numpy's scalars (the
        # search makes a few reads per sample) and cheaper than converting every time.
        view = np.ascontiguousarray(times, dtype=np.int64).data
        index = int(np.searchsorted(times, start))
        while index < count:
            append(index)
            target = view[index] + every
            high = min(count, index + window)
            found = bisect_left(view, target, index + 1, high)
            index = found if found < high or high == count else int(times.searchsorted(target))
    else:
        # Dense samples: follow a precomputed "next sample" chain.
        following = np.searchsorted(times, times + every).data  # read, not converted
        index = int(np.searchsorted(times, start))
        while index < count:
            append(index)
            index = following[index]
    return np.asarray(chosen, dtype=np.int64)


def window_start_samples(
    times: np.ndarray, queries: np.ndarray, window: int, every: int
) -> np.ndarray:
    """For each of the increasing indices ``queries`` into ``times``, the index of the last
    sample ``greedy_samples(times, every, start)`` takes at or before
    ``times[query] - window`` (the first sample, index 0, if none), for any ``start`` at or
    before ``times[0]``, without sampling every time.

    A time at least ``every`` after the one before it is always a sample (the last sample is
    no later than that one), so each answer follows from the chain of samples since the last
    such gap before it: only those stretches are walked, each once.
    """
    count = len(times)
    if count == 0 or len(queries) == 0:
        return np.zeros(len(queries), dtype=np.int64)
    last = np.searchsorted(times, times[queries] - window, side="right") - 1
    gaps = np.flatnonzero(np.diff(times) >= every) + 1 if every > 0 else np.arange(1, count)
    resets = np.concatenate([[0], gaps])
    chain_start = resets[np.searchsorted(resets, np.maximum(last, 0), side="right") - 1]
    # Each stretch from a chain start to the furthest query it serves (stretches do not
    # overlap: a later query in a stretch would have a later chain start).
    ends = np.maximum.reduceat(last, np.flatnonzero(np.diff(chain_start, prepend=-1)))
    # A memoryview reads Python ints (see greedy_samples).
    view = np.ascontiguousarray(times, dtype=np.int64).data
    samples: list[int] = []
    append = samples.append
    for sample, upto in zip(np.unique(chain_start).tolist(), ends.tolist(), strict=True):
        append(sample)
        while True:
            sample = bisect_left(view, view[sample] + every, sample + 1, upto + 1)
            if sample > upto:
                break
            append(sample)
    taken = np.asarray(samples, dtype=np.int64)
    # A query before every window start (``last`` -1) reads the stretch from 0: sample 0.
    return taken[np.searchsorted(taken, np.maximum(last, 0), side="right") - 1]
