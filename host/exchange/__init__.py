"""Exchange adapters over ccxt: public market data, and orders on demo trading only."""

from host.exchange.binanceusdm import (
    DemoOnlyError,
    ExchangeAdapter,
    ExchangeConfigurationError,
    build_exchange,
)

__all__ = ["DemoOnlyError", "ExchangeAdapter", "ExchangeConfigurationError", "build_exchange"]
