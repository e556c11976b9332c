"""Brokers: the paper broker (backtest and paper-live alike) and its account."""

from host.broker.paper import (
    Account,
    BrokerEvent,
    BrokerOrder,
    PaperBroker,
    RealismConfig,
)

__all__ = ["Account", "BrokerEvent", "BrokerOrder", "PaperBroker", "RealismConfig"]
