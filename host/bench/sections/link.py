"""Link figures: serial frame times from the protocol, the codec's cost, the pty round trip."""

import logging
import time
from collections.abc import Callable

import numpy as np

from hdl.protocol import MessageType
from host.bench import serial
from host.bench.results import Figure, measured, missing
from host.bench.sections import BenchContext, call_accepting, find_function, pick, pick_samples
from host.bench.sections.guard_round_trip import measure_guard_round_trip
from host.bench.stats import summarize
from host.link.codec import FrameSplitter, Message, decode_frame, encode

__all__ = ["run", "BAUD_RATES"]

_log = logging.getLogger(__name__)

#: The build's default and the fastest FTDI rate of the supported boards (DESIGN.md section 2).
BAUD_RATES = {"115200": 115_200, "3m": 3_000_000}


def _serial_figures() -> list[Figure]:
    figures = [
        measured(
            "link.order_frame_bytes",
            serial.frame_bytes(MessageType.ORDER),
            "bytes",
            "ORDER frame on the wire: COBS(type + payload + CRC-16) + 0x00",
            source="computed",
        ),
        measured(
            "link.order_verdict_frame_bytes",
            serial.frame_bytes(MessageType.ORDER_VERDICT),
            "bytes",
            "ORDER_VERDICT frame on the wire",
            source="computed",
        ),
        measured(
            "link.tick_frame_bytes",
            serial.frame_bytes(MessageType.TICK),
            "bytes",
            "TICK frame on the wire",
            source="computed",
        ),
    ]
    for name, baud in BAUD_RATES.items():
        figures += [
            measured(
                f"link.serial_{name}_order_round_trip_us",
                serial.order_round_trip_seconds(baud) * 1e6,
                "us",
                f"ORDER out + ORDER_VERDICT back at {baud} baud 8N1, wire time only",
                source="computed",
                baseline="link.pty_round_trip_p50_us",
            ),
            measured(
                f"link.serial_{name}_orders_per_s",
                serial.max_orders_per_second(baud),
                "orders/s",
                f"Pipelined orders per second a {baud}-baud full-duplex UART can carry",
                source="computed",
            ),
            measured(
                f"link.serial_{name}_ticks_per_s",
                serial.max_ticks_per_second(baud),
                "ticks/s",
                f"TICK frames per second at {baud} baud",
                source="computed",
            ),
        ]
    return figures


def _codec_figures(context: BenchContext) -> list[Figure]:
    n = 2_000 if context.quick else 50_000
    order = Message(
        MessageType.ORDER,
        {"client_id": 7, "instrument": 1, "side": 1, "price": 123_456, "quantity": 3},
    )
    verdict_frame = encode(Message(MessageType.ORDER_VERDICT, {"client_id": 7, "reason": 9}))
    encode_ns = np.empty(n)
    decode_ns = np.empty(n)
    splitter = FrameSplitter()
    for index in range(n):
        start = time.perf_counter_ns()
        encode(order)
        middle = time.perf_counter_ns()
        for frame in splitter.feed(verdict_frame):
            decode_frame(frame)
        end = time.perf_counter_ns()
        encode_ns[index] = middle - start
        decode_ns[index] = end - middle
    context.samples["link: encode ORDER"] = encode_ns / 1e3
    encode_summary = summarize(encode_ns / 1e3)
    decode_summary = summarize(decode_ns / 1e3)
    return [
        measured(
            "link.codec_encode_order_p50_us",
            encode_summary["p50"],
            "us",
            f"Host codec: encode one ORDER (layout walk, CRC-16, COBS), p50 of {n}",
        ),
        measured(
            "link.codec_decode_verdict_p50_us",
            decode_summary["p50"],
            "us",
            f"Host codec: split and decode one ORDER_VERDICT frame, p50 of {n}",
        ),
    ]


_PTY_SPECS = [
    ("link.pty_round_trip_p50_us", "us", "ORDER -> ORDER_VERDICT through the Verilator pty bridge"),
    ("link.pty_round_trip_p99_us", "us", "Same, p99"),
    (
        "link.pty_orders_per_s",
        "orders/s",
        "Orders per second through the pty bridge, one in flight",
    ),
]

_MODEL_SPECS = [
    (
        "link.model_round_trip_p50_us",
        "us",
        "ORDER -> ORDER_VERDICT through GuardClient and the in-process Python reference model "
        "(every frame encoded and decoded), p50",
    ),
    ("link.model_round_trip_p99_us", "us", "Same, p99"),
    ("link.model_orders_per_s", "orders/s", "Orders per second to the model, one in flight"),
]


def _pty_result(context: BenchContext) -> dict | str:
    """The pty round trip from the link part's ``sim.bench.measure_pty_round_trip``, or this
    bench's own measurement through ``GuardClient.connect("sim")`` when that is absent or
    fails (the reason is kept in the result's ``note``)."""
    count = 100 if context.quick else 500  # the pty bridge is slow: keep the run short
    function = find_function("sim.bench", "measure_pty_round_trip")
    if not isinstance(function, str):
        try:
            result = call_accepting(function, count=count, orders=count, n=count, n_orders=count)
            if isinstance(result, dict):
                return result
            function = f"measure_pty_round_trip returned {type(result).__name__}"
        except Exception as error:  # any failure of another part is reported, never fatal
            _log.warning("bench: measure_pty_round_trip failed (%s); using GuardClient", error)
            function = f"sim.bench.measure_pty_round_trip failed ({type(error).__name__}: {error})"
    if context.quick:
        return f"{function}; the fallback starts the Verilator model: not in --quick"
    result = measure_guard_round_trip("sim", count=count)
    result["note"] = f"{function}; measured with the bench's own GuardClient loop"
    return result


def _round_trip_figures(
    context: BenchContext,
    specs: list[tuple[str, str, str]],
    label: str,
    measure: Callable[[], dict | str],
) -> list[Figure]:
    try:
        result = measure()
    except Exception as error:  # any failure of another part is reported, never fatal
        _log.exception("bench: %s round trip failed", label)
        reason = f"{label} round trip failed: {type(error).__name__}: {error}"
        return [missing(key, unit, text, reason) for key, unit, text in specs]
    if isinstance(result, str):
        return [missing(key, unit, text, result) for key, unit, text in specs]
    samples = pick_samples(result, "samples_us", "round_trips_us", "samples")
    if samples is not None:
        context.samples[f"link: {label} round trip"] = samples
    values = [
        pick(result, "p50_us", "round_trip_p50_us"),
        pick(result, "p99_us", "round_trip_p99_us"),
        pick(result, "orders_per_s", "orders_per_second", "rate"),
    ]
    if samples is not None:
        summary = summarize(samples)
        values[0] = values[0] if values[0] is not None else summary["p50"]
        values[1] = values[1] if values[1] is not None else summary["p99"]
    reasons = result.get("reasons") if isinstance(result, dict) else None
    figures = []
    for (key, unit, text), value in zip(specs, values, strict=True):
        if value is None:
            figures.append(missing(key, unit, text, f"{label} measurement gave no {key}"))
            continue
        if reasons and key.endswith("p50_us"):
            text = f"{text}; verdicts {reasons}"
        if isinstance(result, dict) and result.get("note") and key.endswith("p50_us"):
            text = f"{text} ({result['note']})"
        figures.append(measured(key, value, unit, text))
    return figures


def run(context: BenchContext) -> list[Figure]:
    """All link figures: computed serial times, the codec's cost, and the pty round trip."""
    count = 200 if context.quick else 2_000
    return (
        _serial_figures()
        + _codec_figures(context)
        + _round_trip_figures(
            context,
            _MODEL_SPECS,
            "model",
            lambda: measure_guard_round_trip("model", count=count),
        )
        + _round_trip_figures(context, _PTY_SPECS, "pty", lambda: _pty_result(context))
    )
