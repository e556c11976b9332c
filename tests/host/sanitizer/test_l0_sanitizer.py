"""Every L0Sanitizer rule: a case that trips it and the neighbouring case that passes."""

import pytest

from host.sanitizer import L0Sanitizer, SanitizerConfig, SanitizerReason

MS = 1000


def quote(sanitizer: L0Sanitizer, **overrides: float) -> SanitizerReason | None:
    fields = {
        "seq": overrides.pop("seq", 1),
        "exch_ts": 1_000 * MS,
        "recv_ts": 1_005 * MS,
        "bid": 100.0,
        "bid_qty": 1.0,
        "ask": 100.1,
        "ask_qty": 1.0,
    }
    fields.update(overrides)
    return sanitizer.check_quote("BTCUSDT", **fields)  # type: ignore[arg-type]


def test_check_quote_when_clean_then_accepts_and_counts() -> None:
    sanitizer = L0Sanitizer()
    assert quote(sanitizer) is None
    assert sanitizer.accepted == 1
    assert sum(sanitizer.rejects.values()) == 0


@pytest.mark.parametrize(
    ("latency_ms", "expected"),
    [(1000, None), (1001, SanitizerReason.LATENCY), (-50, None), (-51, SanitizerReason.LATENCY)],
)
def test_check_quote_when_latency_at_or_over_limit_then_rejects_over(
    latency_ms: int, expected: SanitizerReason | None
) -> None:
    sanitizer = L0Sanitizer(SanitizerConfig(max_latency_ms=1000, max_clock_skew_ms=50))
    assert quote(sanitizer, exch_ts=0, recv_ts=latency_ms * MS) == expected
    if expected is not None:
        assert sanitizer.rejects[expected] == 1
        assert sanitizer.last_detail.startswith("LATENCY: symbol=BTCUSDT, latency_ms=")


@pytest.mark.parametrize(("ask", "expected"), [(100.3, None), (100.31, SanitizerReason.SPREAD)])
def test_check_quote_when_spread_over_limit_then_rejects(
    ask: float, expected: SanitizerReason | None
) -> None:
    sanitizer = L0Sanitizer(SanitizerConfig(max_spread_bp=30))
    assert quote(sanitizer, bid=100.0, ask=ask) == expected


@pytest.mark.parametrize(
    ("bid", "ask", "expected"),
    [
        (100.0, 100.0, SanitizerReason.CROSSED_BOOK),
        (100.1, 100.0, SanitizerReason.CROSSED_BOOK),
        (99.99, 100.0, None),
    ],
)
def test_check_quote_when_crossed_or_locked_then_rejects(
    bid: float, ask: float, expected: SanitizerReason | None
) -> None:
    assert quote(L0Sanitizer(), bid=bid, ask=ask) == expected


@pytest.mark.parametrize(
    ("bid", "ask", "expected"),
    [
        (0.0, 100.0, SanitizerReason.NON_POSITIVE_PRICE),
        (-1.0, 100.0, SanitizerReason.NON_POSITIVE_PRICE),
        (99.0, float("nan"), SanitizerReason.NON_POSITIVE_PRICE),
        (99.0, float("inf"), SanitizerReason.NON_POSITIVE_PRICE),
        (0.01, 0.011, None),
    ],
)
def test_check_quote_when_price_not_positive_then_rejects(
    bid: float, ask: float, expected: SanitizerReason | None
) -> None:
    sanitizer = L0Sanitizer(SanitizerConfig(max_spread_bp=5000))
    assert quote(sanitizer, bid=bid, ask=ask) == expected


def test_check_quote_when_quantity_zero_then_rejects() -> None:
    sanitizer = L0Sanitizer()
    assert quote(sanitizer, bid_qty=0.0) == SanitizerReason.NON_POSITIVE_QUANTITY
    assert quote(sanitizer, seq=2, bid_qty=0.001) is None


def test_check_quote_when_sequence_repeats_or_goes_back_then_rejects_duplicate() -> None:
    sanitizer = L0Sanitizer()
    assert quote(sanitizer, seq=10) is None
    assert quote(sanitizer, seq=10) == SanitizerReason.SEQUENCE_DUPLICATE
    assert quote(sanitizer, seq=9) == SanitizerReason.SEQUENCE_DUPLICATE
    assert quote(sanitizer, seq=11) is None


def test_check_quote_when_gap_over_limit_then_rejects_gap_and_resumes() -> None:
    sanitizer = L0Sanitizer(SanitizerConfig(max_sequence_gap=5))
    assert quote(sanitizer, seq=10) is None
    assert quote(sanitizer, seq=15) is None  # a gap of exactly the limit passes
    assert quote(sanitizer, seq=21) == SanitizerReason.SEQUENCE_GAP
    assert quote(sanitizer, seq=22) is None


def test_check_quote_when_gaps_unchecked_then_any_increase_passes() -> None:
    sanitizer = L0Sanitizer()
    assert quote(sanitizer, seq=1) is None
    assert quote(sanitizer, seq=1_000_000) is None


def test_check_quote_when_price_absurd_then_rejects_until_new_level_confirmed() -> None:
    sanitizer = L0Sanitizer(SanitizerConfig(max_deviation=0.2, confirm_count=3, max_spread_bp=100))
    assert quote(sanitizer, seq=1, bid=100.0, ask=100.1) is None
    assert quote(sanitizer, seq=2, bid=119.0, ask=119.1) is None  # within 20 %
    assert quote(sanitizer, seq=3, bid=1000.0, ask=1000.1) == SanitizerReason.ABSURD_PRICE
    assert quote(sanitizer, seq=4, bid=119.0, ask=119.1) is None
    # A genuine new level: three agreeing quotes adopt it, so there is no permanent lock-out.
    assert quote(sanitizer, seq=5, bid=200.0, ask=200.1) == SanitizerReason.ABSURD_PRICE
    assert quote(sanitizer, seq=6, bid=200.0, ask=200.1) == SanitizerReason.ABSURD_PRICE
    assert quote(sanitizer, seq=7, bid=200.0, ask=200.1) is None
    assert quote(sanitizer, seq=8, bid=200.0, ask=200.1) is None


def test_check_trade_when_price_or_quantity_bad_then_rejects() -> None:
    sanitizer = L0Sanitizer()
    common = {"exch_ts": 0, "recv_ts": 1000}
    assert sanitizer.check_trade("X", seq=1, price=100.0, quantity=1.0, **common) is None
    assert (
        sanitizer.check_trade("X", seq=2, price=0.0, quantity=1.0, **common)
        == SanitizerReason.NON_POSITIVE_PRICE
    )
    assert (
        sanitizer.check_trade("X", seq=3, price=100.0, quantity=0.0, **common)
        == SanitizerReason.NON_POSITIVE_QUANTITY
    )
    assert (
        sanitizer.check_trade("X", seq=3, price=100.0, quantity=1.0, **common)
        == SanitizerReason.SEQUENCE_DUPLICATE
    )


def test_check_liquidation_when_late_then_rejects_latency() -> None:
    sanitizer = L0Sanitizer(SanitizerConfig(max_latency_ms=100))
    ok = sanitizer.check_liquidation("X", exch_ts=0, recv_ts=100 * MS, price=10.0, quantity=1.0)
    late = sanitizer.check_liquidation("X", exch_ts=0, recv_ts=101 * MS, price=10.0, quantity=1.0)
    assert ok is None
    assert late == SanitizerReason.LATENCY
    assert sanitizer.rejects_by_symbol["X", SanitizerReason.LATENCY] == 1
    assert sanitizer.summary() == {"LATENCY": 1}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("max_latency_ms", 0, r"^SanitizerConfig.max_latency_ms must be positive, not 0$"),
        ("max_spread_bp", -1, r"^SanitizerConfig.max_spread_bp must be positive, not -1$"),
        ("confirm_count", 0, r"^SanitizerConfig.confirm_count must be an integer >= 1, not 0$"),
        (
            "max_sequence_gap",
            0,
            r"^SanitizerConfig.max_sequence_gap must be None or an integer >= 1, not 0$",
        ),
    ],
)
def test_config_when_value_invalid_then_raises_with_message(
    field: str, value: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        SanitizerConfig(**{field: value})
