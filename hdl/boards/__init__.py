"""Board tops that put the guard on real FPGAs: iCEBreaker (iCE40UP5K) and ULX3S (ECP5).

Each wraps :class:`hdl.top.GuardUARTTop` unchanged (so the latency in cycles is the simulated
one) with the board's clock, its FTDI UART pins, a debounced kill button and status LEDs.
"""

__all__: list[str] = []
