"""The README performance table, generated from the bench results file.

``python -m host.bench.readme`` rewrites only the block between ``<!-- bench:begin -->`` and
``<!-- bench:end -->`` in README.md (appending the markers at the end when absent), so the table
can never disagree with docs/bench/results.json. ``--check`` fails if the README is stale.
"""

import argparse
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from host.bench.results import DEFAULT_RESULTS_PATH, Results, format_value, load

__all__ = ["BEGIN", "END", "ROWS", "Row", "table", "replace_block", "main", "README_PATH"]

_log = logging.getLogger(__name__)

BEGIN = "<!-- bench:begin -->"
END = "<!-- bench:end -->"
README_PATH = Path(__file__).resolve().parents[2] / "README.md"


@dataclass(frozen=True)
class Row:
    """One line of the table: what it shows, the figure, and a published figure to compare."""

    label: str
    key: str
    compare: str | None = None


ROWS = (
    Row(
        "Gateware verdict, clock cycles after the ORDER's last byte",
        "gateware.verdict_latency_cycles",
        "reference.hft_fpga_check_cycles",
    ),
    Row(
        "Gateware verdict on iCEBreaker (iCE40UP5K)",
        "gateware.icebreaker_verdict_ns",
        "reference.stac_t0_tick_to_trade_ns",
    ),
    Row(
        "Gateware verdict on ULX3S (ECP5)",
        "gateware.ulx3s_verdict_ns",
        "reference.hft_fpga_wire_to_wire_ns",
    ),
    Row(
        "Verilator simulation speed",
        "gateware.verilator_cycles_per_s",
        "reference.amaranth_sim_cycles_per_s",
    ),
    Row(
        "Order round trip through the simulated gateware (pty), p50",
        "link.pty_round_trip_p50_us",
        "reference.pty_round_trip_us",
    ),
    Row("Order round trip, p99", "link.pty_round_trip_p99_us"),
    Row(
        "Order round trip to the in-process Python reference model, p50",
        "link.model_round_trip_p50_us",
    ),
    Row(
        "Order round trip on a 115200-baud board (wire time)",
        "link.serial_115200_order_round_trip_us",
    ),
    Row("Order round trip on a 3-Mbaud board (wire time)", "link.serial_3m_order_round_trip_us"),
    Row("Engine tick -> decision, p50", "host.tick_to_decision_p50_us"),
    Row("Engine tick -> decision, p99", "host.tick_to_decision_p99_us"),
    Row("Engine tick -> decision, p99.9", "host.tick_to_decision_p999_us"),
    Row("L0Sanitizer, one quote, p50", "host.sanitizer_quote_p50_us"),
    Row("DRBGuard, one order through every control, p50", "host.drbguard_check_p50_us"),
    Row(
        "Backtest throughput, whole pipeline (fast path, model guard)",
        "host.backtest_events_per_s",
        "reference.nautilus_backtest_events_per_s",
    ),
    Row(
        "Backtest, the engine called per event (its oracle)", "host.backtest_reference_events_per_s"
    ),
    Row("Backtest on the peers' data: ours", "peers.ours_events_per_s"),
    Row("Same data: NautilusTrader", "peers.nautilus_events_per_s"),
    Row("Same data: hftbacktest", "peers.hftbacktest_events_per_s"),
    Row("Database commit -> WebSocket receipt, p50", "dashboard.commit_to_ws_p50_us"),
    Row("Database commit -> WebSocket receipt, p99", "dashboard.commit_to_ws_p99_us"),
    Row(
        "Same, writer inside the server's process, p50",
        "dashboard.same_process_commit_to_ws_p50_us",
    ),
)


def _cell(results: Results, key: str) -> str:
    if key not in results:
        return "not in this run"
    figure = results[key]
    return format_value(figure) if figure.value is not None else "not measured"


def table(results: Results, rows: tuple[Row, ...] = ROWS) -> str:
    """The Markdown block (without markers): a table, then where the numbers come from."""
    lines = [
        "## Performance",
        "",
        "| what | this run | vs same-run baseline | published / reference |",
        "|---|---:|---|---|",
    ]
    for row in rows:
        figure = results.figures.get(row.key)
        ratio = ""
        if figure is not None and figure.ratio is not None and figure.baseline is not None:
            ratio = f"{figure.ratio:.3g}× {figure.baseline}"
        compare = ""
        if row.compare and row.compare in results:
            reference = results[row.compare]
            who = reference.source.removeprefix("published: ").split(" (")[0]
            compare = f"{format_value(reference)} ({who})"
        lines.append(f"| {row.label} | {_cell(results, row.key)} | {ratio} | {compare} |")
    machine = results.machine
    lines += [
        "",
        f"Measured by `{results.command}` on {results.date[:10]}: {machine.get('cpu')}, "
        f"{machine.get('cores')} cores, {machine.get('memory_gib')} GiB, Python "
        f"{machine.get('python')}. Generated from `docs/bench/results.json` by "
        "`python -m host.bench.readme`; the latency plot is `docs/bench/latency.png`. "
        'Published figures are other systems\' and are labelled as such; "not measured" '
        "gives its reason in the results file.",
    ]
    return "\n".join(lines)


def replace_block(readme: str, block: str) -> str:
    """``readme`` with the text between the markers replaced by ``block``.

    Markers are appended at the end when absent.

    Raises
    ------
    ValueError
        If the markers are present but out of order or repeated.
    """
    if BEGIN not in readme and END not in readme:
        return readme.rstrip("\n") + f"\n\n{BEGIN}\n{block}\n{END}\n"
    if readme.count(BEGIN) != 1 or readme.count(END) != 1:
        raise ValueError(f"README must hold {BEGIN} and {END} exactly once each")
    start = readme.index(BEGIN) + len(BEGIN)
    end = readme.index(END)
    if end < start:
        raise ValueError(f"README must have {BEGIN} before {END}, not after")
    return readme[:start] + "\n" + block + "\n" + readme[end:]


def main(argv: list[str] | None = None) -> int:
    """Rewrite (or with ``--check`` verify) README.md's bench block; return an exit code."""
    parser = argparse.ArgumentParser(prog="python -m host.bench.readme", description=__doc__)
    parser.add_argument(
        "--results",
        type=Path,
        default=DEFAULT_RESULTS_PATH,
        help="bench results file (default: %(default)s)",
    )
    parser.add_argument(
        "--readme", type=Path, default=README_PATH, help="README to rewrite (default: %(default)s)"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="only check that the block is up to date (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    current = args.readme.read_text()
    updated = replace_block(current, table(load(args.results)))
    if args.check:
        if updated != current:
            _log.error("%s: bench block is stale; run python -m host.bench.readme", args.readme)
            return 1
        return 0
    if updated != current:
        args.readme.write_text(updated)
        _log.info("%s: bench block rewritten from %s", args.readme, args.results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
