"""Published figures from other systems, each with its source, for the lessons to compare against.

These are *not* this run's measurements: their ``source`` starts with ``published:`` and every
place that shows them says so. Peers' backtest figures measured once on this machine kind
(TOOLCHAIN.md) are labelled as reference figures of that earlier run.
"""

from host.bench.results import Figure

__all__ = ["REFERENCE_FIGURES"]

_TOOLCHAIN = "earlier run on this machine kind (Quantum HFT shared TOOLCHAIN.md, 2026-11)"

REFERENCE_FIGURES: tuple[Figure, ...] = (
    Figure(
        "reference.stac_t0_tick_to_trade_ns",
        13.9,
        "ns",
        "FPGA tick-to-trade, STAC-T0 benchmark (wire in to wire out)",
        source="published: AMD / Exegy, STAC-T0 audited report (Alveo UL3524 + nxFramework)",
    ),
    Figure(
        "reference.enyx_nxaccess_tick_to_trade_ns",
        389.0,
        "ns",
        "FPGA tick-to-trade of a commercial hybrid FPGA/software system",
        source="published: Enyx nxAccess, vendor figure",
    ),
    Figure(
        "reference.hft_fpga_wire_to_wire_ns",
        471.7,
        "ns",
        "Best open-source gateware risk check found: 4 controls, 14 cycles at 225 MHz",
        source="published: learningHWSW/hft-fpga on an Alveo U55C (GitHub README)",
    ),
    Figure(
        "reference.hft_fpga_check_cycles",
        14.0,
        "cycles",
        "Pipeline depth of learningHWSW/hft-fpga's 4-control risk check",
        source="published: learningHWSW/hft-fpga (GitHub README)",
    ),
    Figure(
        "reference.nautilus_backtest_events_per_s",
        87_000.0,
        "events/s",
        "NautilusTrader 1.221 backtest, 1 M generated events, liquidation-window strategy, "
        "logging bypassed (84-90 k)",
        source=f"published: {_TOOLCHAIN}",
    ),
    Figure(
        "reference.hftbacktest_events_per_s",
        4_850_000.0,
        "events/s",
        "hftbacktest 2.4.4, same data, strategy called per event (4.6-5.1 M)",
        source=f"published: {_TOOLCHAIN}",
    ),
    Figure(
        "reference.python_loop_events_per_s",
        4_800_000.0,
        "events/s",
        "Bare Python loop over ready-made tuples with the same strategy, no book or risk",
        source=f"published: {_TOOLCHAIN}",
    ),
    Figure(
        "reference.asyncio_queue_pipeline_events_per_s",
        785_000.0,
        "events/s",
        "A plain asyncio queue pipeline",
        source=f"published: {_TOOLCHAIN}",
    ),
    Figure(
        "reference.ccxt_parse_trade_per_s",
        90_000.0,
        "events/s",
        "ccxt parse_trade calls per second",
        source=f"published: {_TOOLCHAIN}",
    ),
    Figure(
        "reference.verilator_cycles_per_s",
        755_000.0,
        "cycles/s",
        "cocotb + Verilator on a small design (570-940 k)",
        source=f"published: {_TOOLCHAIN}",
    ),
    Figure(
        "reference.amaranth_sim_cycles_per_s",
        67_000.0,
        "cycles/s",
        "Amaranth's own Python simulator (22-113 k)",
        source=f"published: {_TOOLCHAIN}",
    ),
    Figure(
        "reference.pty_round_trip_us",
        195.0,
        "us",
        "Verilator model behind a pseudo-terminal, unmodified pyserial (0.17-0.22 ms)",
        source=f"published: {_TOOLCHAIN}",
    ),
)
