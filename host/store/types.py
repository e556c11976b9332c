"""Column types that keep money and time exact on SQLite and MySQL/MariaDB alike."""

import json
import math
from datetime import UTC, datetime
from decimal import Context, Decimal
from typing import Any

from sqlalchemy import DateTime, Dialect, Numeric, String
from sqlalchemy.dialects import mysql
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["ExactDecimal", "UtcDateTime", "canonical_decimal", "json_default", "dumps"]

#: Digits kept for prices, quantities and money: 18 before and 18 after the point.
PRECISION = 36
SCALE = 18
#: Wide enough for every digit the columns keep (the default context rounds to 28 digits).
_EXACT = Context(prec=2 * PRECISION)


def canonical_decimal(value: Decimal) -> Decimal:
    """``value`` without trailing zeros and never in exponent form (``100``, not ``1E+2``)."""
    normal = value.normalize(_EXACT)
    if normal.as_tuple().exponent > 0:  # type: ignore[operator]
        return normal.quantize(Decimal(1), context=_EXACT)
    return normal


class ExactDecimal(TypeDecorator[Decimal]):
    """A :class:`~decimal.Decimal` that round-trips exactly.

    MySQL/MariaDB store ``DECIMAL(36, 18)``. SQLite has no decimal type (SQLAlchemy would go
    through ``float`` and lose digits), so there the canonical text of the number is stored.
    Floats are refused: a price that went through binary floating point is already wrong.
    """

    impl = Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(80))
        return dialect.type_descriptor(Numeric(PRECISION, SCALE, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
            raise TypeError(f"Exact decimal column value must be a Decimal, not {value!r}")
        number = Decimal(value)
        if not number.is_finite():
            raise ValueError(f"Exact decimal column value must be finite, not {value!r}")
        number = canonical_decimal(number)
        if abs(number.as_tuple().exponent) > SCALE:  # type: ignore[arg-type]
            number = number.quantize(Decimal(1).scaleb(-SCALE), context=_EXACT)
        if dialect.name == "sqlite":
            return format(number, "f")
        return number

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return canonical_decimal(Decimal(value))


class UtcDateTime(TypeDecorator[datetime]):
    """A UTC timestamp with microseconds; naive datetimes are taken as UTC, results are aware."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"Timestamp must be a datetime, not {value!r}")
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def json_default(value: Any) -> Any:
    """JSON encoding of the values the engine puts in ``detail`` dicts (exact, as text)."""
    if isinstance(value, Decimal):
        return format(canonical_decimal(value), "f")
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.isoformat()
    if hasattr(value, "name") and hasattr(value, "value"):  # enums: their name reads best
        return value.name
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"Detail value must be JSON-serialisable, not {value!r}")


def _finite(value: Any) -> Any:
    # JSON has no NaN or Infinity (MariaDB's JSON check refuses them): keep them as text.
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def dumps(value: Any) -> str:
    """Strict, compact JSON with :func:`json_default` (the engine's JSON serializer)."""
    return json.dumps(_finite(value), default=json_default, separators=(",", ":"), allow_nan=False)
