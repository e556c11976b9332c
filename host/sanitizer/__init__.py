"""First software filter on market data (DESIGN.md section 1)."""

from host.sanitizer.l0_sanitizer import L0Sanitizer, SanitizerConfig, SanitizerReason

__all__ = ["L0Sanitizer", "SanitizerConfig", "SanitizerReason"]
