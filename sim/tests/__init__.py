"""cocotb test modules run on the Verilator builds by :mod:`sim.runner` (not pytest)."""
