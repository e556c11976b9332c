"""Instrument map: symbol -> gateware index, tick size, lot size and per-instrument limits."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from hdl.protocol import N_INSTRUMENTS, PRICE_BITS, QTY_BITS

__all__ = ["Instrument", "InstrumentMap", "DEFAULT_INSTRUMENTS"]

_MAX_PRICE_TICKS = (1 << PRICE_BITS) - 1
_MAX_QTY_LOTS = (1 << QTY_BITS) - 1


@dataclass(frozen=True)
class Instrument:
    """One tradable instrument as both guard lines see it.

    Parameters
    ----------
    symbol : str
        Exchange symbol as it appears in file names and feeds, e.g. ``"BTCUSDT"``.
    index : int
        Gateware instrument index, ``0 .. N_INSTRUMENTS - 1``.
    tick_size, lot_size : float
        Price and quantity increments; the wire carries ``price / tick_size`` ticks and
        ``quantity / lot_size`` lots.
    max_position : int
        C9 limit of the gateware, lots, both directions.
    min_price, max_price : int
        Tick filter range and C4 range of the gateware, ticks.
    band_ticks : int
        Tick filter jump band around the reference mid, ticks.
    """

    symbol: str
    index: int
    tick_size: float
    lot_size: float
    max_position: int
    min_price: int
    max_price: int
    band_ticks: int

    def __post_init__(self) -> None:
        if not isinstance(self.symbol, str) or not self.symbol:
            raise ValueError(f"Instrument symbol must be a non-empty string, not {self.symbol!r}")
        if not 0 <= self.index < N_INSTRUMENTS:
            raise ValueError(
                f"Instrument index must be in 0..{N_INSTRUMENTS - 1}, not {self.index!r}"
            )
        for name in ("tick_size", "lot_size"):
            value = getattr(self, name)
            if not value > 0:
                raise ValueError(f"Instrument {name} must be positive, not {value!r}")
        if not 0 < self.max_position <= (1 << 23) - 1:
            raise ValueError(
                f"Instrument max_position must be in 1..{(1 << 23) - 1}, not {self.max_position!r}"
            )
        if not 0 < self.min_price < self.max_price <= _MAX_PRICE_TICKS:
            raise ValueError(
                f"Instrument price range must satisfy 0 < min_price < max_price <= "
                f"{_MAX_PRICE_TICKS}, not {self.min_price!r}..{self.max_price!r}"
            )
        if not 0 < self.band_ticks <= _MAX_PRICE_TICKS:
            raise ValueError(f"Instrument band_ticks must be positive, not {self.band_ticks!r}")

    def to_ticks(self, price: float) -> int:
        """Price in whole ticks (rounded to the nearest tick)."""
        return int(round(price / self.tick_size))

    def to_lots(self, quantity: float) -> int:
        """Quantity in whole lots (rounded to the nearest lot)."""
        return int(round(quantity / self.lot_size))

    def price(self, ticks: int) -> float:
        """Price of ``ticks`` ticks."""
        return round(ticks * self.tick_size, 10)

    def quantity(self, lots: int) -> float:
        """Quantity of ``lots`` lots."""
        return round(lots * self.lot_size, 10)

    @property
    def lot_notional(self) -> float:
        """Quote-currency value of one tick-lot (tick size times lot size)."""
        return self.tick_size * self.lot_size


class InstrumentMap:
    """Symbols to instruments, checked for unique symbols and indices."""

    def __init__(self, instruments: Iterable[Instrument]) -> None:
        self._by_symbol: dict[str, Instrument] = {}
        self._by_index: dict[int, Instrument] = {}
        for instrument in instruments:
            if not isinstance(instrument, Instrument):
                raise TypeError(f"Instrument map entries must be Instrument, not {instrument!r}")
            if instrument.symbol in self._by_symbol:
                raise ValueError(f"Instrument symbols must be unique, not {instrument.symbol!r}")
            if instrument.index in self._by_index:
                raise ValueError(f"Instrument indices must be unique, not {instrument.index!r}")
            self._by_symbol[instrument.symbol] = instrument
            self._by_index[instrument.index] = instrument
        if not self._by_symbol:
            raise ValueError("Instrument map must hold at least one instrument, not none")

    def __iter__(self) -> Iterator[Instrument]:
        return iter(sorted(self._by_index.values(), key=lambda i: i.index))

    def __len__(self) -> int:
        return len(self._by_symbol)

    def __contains__(self, symbol: object) -> bool:
        return symbol in self._by_symbol

    def by_symbol(self, symbol: str) -> Instrument:
        """The instrument traded as ``symbol``; KeyError names the known symbols."""
        try:
            return self._by_symbol[symbol]
        except KeyError:
            raise KeyError(
                f"Symbol must be one of {sorted(self._by_symbol)}, not {symbol!r}"
            ) from None

    def by_index(self, index: int) -> Instrument | None:
        """The instrument at gateware ``index``, or None."""
        return self._by_index.get(index)

    @property
    def symbols(self) -> list[str]:
        """Symbols in index order."""
        return [instrument.symbol for instrument in self]


#: The demo instruments (Binance USD-M perpetuals' tick and lot sizes).
DEFAULT_INSTRUMENTS = InstrumentMap(
    [
        Instrument("BTCUSDT", 0, 0.1, 0.001, 2000, 10_000, 2_000_000, 2_000),
        Instrument("ETHUSDT", 1, 0.01, 0.001, 5_000, 10_000, 1_000_000, 2_000),
    ]
)
