"""Which figure each figure is compared with: one table, so every ratio's meaning is in one place.

A baseline is measured in the same run wherever noise matters (absolute times on a shared
machine drift; ratios to a same-run baseline do not), or is a published figure where the
figure is deterministic (gateware nanoseconds follow from cycles and the clock).
"""

__all__ = ["BASELINES"]

BASELINES: dict[str, str] = {
    # gateware: deterministic figures against the published record and references
    "gateware.icebreaker_verdict_ns": "reference.stac_t0_tick_to_trade_ns",
    "gateware.icebreaker_verdict_ns_at_fmax": "reference.stac_t0_tick_to_trade_ns",
    "gateware.ulx3s_verdict_ns": "reference.stac_t0_tick_to_trade_ns",
    "gateware.ulx3s_verdict_ns_at_fmax": "reference.stac_t0_tick_to_trade_ns",
    "gateware.verilator_cycles_per_s": "reference.verilator_cycles_per_s",
    # link: wire time against the simulated round trip, tails against medians
    "link.serial_115200_order_round_trip_us": "link.pty_round_trip_p50_us",
    "link.serial_3m_order_round_trip_us": "link.pty_round_trip_p50_us",
    "link.pty_round_trip_p99_us": "link.pty_round_trip_p50_us",
    "link.pty_round_trip_p50_us": "link.model_round_trip_p50_us",
    "link.model_round_trip_p99_us": "link.model_round_trip_p50_us",
    # host: the engine in units of a bare asyncio hop; tails against the median
    "host.asyncio_hop_p99_us": "host.asyncio_hop_p50_us",
    "host.tick_to_decision_p50_us": "host.asyncio_hop_p50_us",
    "host.tick_to_decision_p99_us": "host.tick_to_decision_p50_us",
    "host.tick_to_decision_p999_us": "host.tick_to_decision_p50_us",
    "host.backtest_events_per_s": "host.parse_only_events_per_s",
    "host.backtest_reference_events_per_s": "host.parse_only_events_per_s",
    "host.sanitizer_quote_p50_us": "host.python_call_p50_us",
    "host.drbguard_check_p50_us": "host.python_call_p50_us",
    # peers: everyone against a bare Python loop running the same strategy, same data
    "peers.ours_events_per_s": "peers.python_loop_events_per_s",
    "peers.nautilus_events_per_s": "peers.python_loop_events_per_s",
    "peers.hftbacktest_events_per_s": "peers.python_loop_events_per_s",
    # dashboard
    "dashboard.commit_to_ws_p99_us": "dashboard.commit_to_ws_p50_us",
    "dashboard.commit_to_ws_p50_us": "dashboard.same_process_commit_to_ws_p50_us",
    "dashboard.same_process_commit_to_ws_p99_us": "dashboard.same_process_commit_to_ws_p50_us",
}
