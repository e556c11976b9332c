"""Formal verification of the gateware (SymbiYosys on Amaranth harnesses) and codec fuzzing."""

__all__: list[str] = []
