"""Trading strategies behind one versioned interface."""

from host.strategies.base import OrderIntent, Signal, Strategy
from host.strategies.liquidation_hunter import HunterConfig, SimpleLiquidationHunter

__all__ = ["HunterConfig", "OrderIntent", "Signal", "SimpleLiquidationHunter", "Strategy"]
