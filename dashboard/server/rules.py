"""Which pre-trade control (DESIGN.md section 3) each reject reason comes from."""

from hdl.protocol import Reason

__all__ = ["RULES", "rule_of", "is_reject", "reason_code", "reason_facts"]

#: Reason name -> "control id: what it checks", for order timelines and the Risk page.
RULES: dict[str, str] = {
    Reason.HALTED.name: "C1: trading state HALTED (kill latch set)",
    Reason.NOT_ARMED.name: "C2: fail closed until every limit is set and ARM received",
    Reason.REDUCING_ONLY.name: "C1: REDUCING lets through only orders that shrink the position",
    Reason.UNKNOWN_INSTRUMENT.name: "C3: instrument known and enabled",
    Reason.INVALID_PRICE.name: "C4: price > 0, in range, whole ticks",
    Reason.INVALID_QUANTITY.name: "C4: quantity > 0, whole lots",
    Reason.MAX_QUANTITY.name: "C5: max order quantity",
    Reason.STALE_REFERENCE.name: "C8: stale reference price",
    Reason.MAX_NOTIONAL.name: "C6: max order notional",
    Reason.PRICE_COLLAR.name: "C7: price collar around the reference price",
    Reason.MAX_POSITION.name: "C9: max position per instrument, worst case with open orders",
    Reason.MAX_EXPOSURE.name: "C10: max gross open exposure",
    Reason.MAX_OPEN_ORDERS.name: "C11: max open orders",
    Reason.RATE_LIMIT.name: "C12: order rate limit",
    Reason.DUPLICATE_ID.name: "C13: duplicate client id",
    Reason.DUPLICATE_ORDER.name: "C13: same order repeated within the window",
    Reason.SELF_TRADE.name: "C15: self-trade prevention",
    Reason.MAX_DRAWDOWN.name: "C17: max drawdown from peak equity",
    Reason.DAILY_LOSS.name: "C17: daily loss limit",
    Reason.NO_VERDICT.name: "fail closed: no verdict within the timeout",
    Reason.LINK_DOWN.name: "fail closed: the link to the gateware is down",
    Reason.UNKNOWN_POSITION.name: "fail closed: the second line cannot value a position",
}


def is_reject(reason: str | None) -> bool:
    """Whether a recorded reason is a reject (``None`` and ``"ACCEPT"`` are not)."""
    return reason is not None and reason != Reason.ACCEPT.name


def reason_code(reason: str) -> str:
    """The code of a reason text: ``"MAX_NOTIONAL: notional=5, limit=4"`` -> ``"MAX_NOTIONAL"``."""
    return reason.split(":", 1)[0].strip()


def reason_facts(reason: str | None) -> dict[str, str]:
    """The ``key=value`` facts after the code of a reason text (empty when there are none)."""
    if reason is None or ":" not in reason:
        return {}
    facts = {}
    for part in reason.split(":", 1)[1].split(","):
        key, sep, value = part.partition("=")
        if sep and key.strip():
            facts[key.strip()] = value.strip()
    return facts


def rule_of(reason: str | None) -> str | None:
    """The control behind ``reason`` (the code itself when it is not a known one)."""
    if not is_reject(reason):
        return None
    assert reason is not None
    code = reason_code(reason)
    return RULES.get(code, code)
