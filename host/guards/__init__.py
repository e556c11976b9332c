"""The software second line of pre-trade risk (DESIGN.md section 3, right column)."""

from host.guards.drb_guard import DRBGuard, DRBGuardConfig, OrderRequest, Verdict

__all__ = ["DRBGuard", "DRBGuardConfig", "OrderRequest", "Verdict"]
