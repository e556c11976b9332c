"""``|value - centre| <= band`` for prices, shared by the tick filter's band and the collar."""

from amaranth.hdl import Module, Signal, Value, signed

from hdl.protocol import PRICE_BITS

__all__ = ["within_band"]


def within_band(m: Module, value: Value, centre: Value, band: Value, name: str) -> Value:
    """``|value - centre| <= band`` for ``PRICE_BITS``-wide operands, as two comparisons
    against bounds computed from ``centre`` and ``band`` in parallel with ``value``.

    The direct form (a subtraction, a mux of its sign and a comparison in series) was the
    ECP5's critical path in the tick filter. ``name`` prefixes the bounds' signal names.
    """
    low = Signal(signed(PRICE_BITS + 2), name=f"{name}_low")
    high = Signal(PRICE_BITS + 1, name=f"{name}_high")
    m.d.comb += [low.eq(centre - band), high.eq(centre + band)]
    return (value >= low) & (value <= high)
