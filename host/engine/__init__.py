"""The host engine: ProductionEngineV2 and its configuration."""

from host.engine.config import EngineConfig, GatewareLimits
from host.engine.production_engine_v2 import ProductionEngineV2

__all__ = ["EngineConfig", "GatewareLimits", "ProductionEngineV2"]
