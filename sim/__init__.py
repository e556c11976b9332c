"""Simulation of the gateware: Verilator builds, cocotb suites, the pty bridge and figures.

``python -m sim`` (``make sim``) runs every suite; :mod:`sim.runner` builds and runs one.
"""

__all__: list[str] = []
