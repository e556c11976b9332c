"""``quantum sim-serve``: the Verilator model of the gateware behind a pseudo-terminal."""

import argparse
import logging
import os
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

from host.commands._signals import interrupt_on_sigterm

__all__ = ["register", "run"]

logger = logging.getLogger(__name__)

#: Seconds between checks that the starting process is still there (--exit-with-parent).
_ORPHAN_POLL_S = 0.5


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``sim-serve`` subcommand."""
    parser = subparsers.add_parser(
        "sim-serve",
        help="run the Verilator model of the guard gateware behind a pty",
        description=(
            "Builds (once) and runs the Verilator model of GuardTop behind a pseudo-terminal "
            "that any serial client (pyserial, `quantum paper --guard sim:PATH`) can open as "
            "if it were a board. The simulated clock runs at 20 kHz paced to wall time, so one "
            "cycle and one time unit are 50 us of wall time; the HELLO reply says so, and hosts "
            "that convert seconds to time units with it (the engine does) get the same "
            "watchdog and windows as on a board. Runs until Ctrl-C or SIGTERM."
        ),
    )
    parser.add_argument(
        "--link",
        type=Path,
        default=None,
        help="also create this symlink to the pty, e.g. /tmp/quantum-guard (default: %(default)s)",
    )
    parser.add_argument(
        "--print-path",
        action="store_true",
        help="print 'PTY <path>' on stdout once the pty is ready (for programs that start it)",
    )
    parser.add_argument(
        "--exit-with-parent",
        action="store_true",
        help="stop when the process that started this one is gone, however it ended (for "
        "programs that start it; default: %(default)s)",
    )
    parser.set_defaults(func=run)


def _announce(pty_file: Path, link: Path | None, print_path: bool, stop: threading.Event) -> None:
    while not stop.is_set():
        if pty_file.exists():
            path = pty_file.read_text().strip()
            if link is not None:
                link.unlink(missing_ok=True)
                link.symlink_to(path)
            if print_path:
                sys.stdout.write(f"PTY {path}\n")
                sys.stdout.flush()
            logger.warning(
                "sim-serve: the gateware model is on %s%s", path, f" (also {link})" if link else ""
            )
            return
        time.sleep(0.05)


def _stop_when_orphaned(parent: int, stop: threading.Event) -> None:
    """SIGTERM this process once ``parent`` is no longer its parent.

    A parent killed outright (SIGKILL, a crash) cannot stop its sim-serve, which would then
    spin a core forever; the orphan is adopted by another process and its parent id changes.
    Polling that id works on every POSIX system, unlike Linux's PR_SET_PDEATHSIG.
    """
    while not stop.wait(_ORPHAN_POLL_S):
        if os.getppid() != parent:
            logger.warning("sim-serve: the process that started it is gone; stopping")
            os.kill(os.getpid(), signal.SIGTERM)
            return


def run(args: argparse.Namespace) -> int:
    """Build the model if needed and serve it until interrupted; returns the exit code."""
    from sim.runner import BUILD_ROOT, build, run_suite

    interrupt_on_sigterm()
    stop = threading.Event()
    if args.exit_with_parent:
        # watched from the start: a parent may die while the model is still being built
        threading.Thread(target=_stop_when_orphaned, args=(os.getppid(), stop), daemon=True).start()
    logger.warning("sim-serve: building the gateware model (first time: a minute or two)")
    try:
        build("guard_top")
    except KeyboardInterrupt:
        logger.warning("sim-serve: stopped while building")
        return 0
    log_file = BUILD_ROOT / "logs" / f"sim-serve-{os.getpid()}.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    logger.info("sim-serve: simulator log in %s", log_file)
    with tempfile.TemporaryDirectory(prefix="quantum-sim-serve-") as workdir:
        pty_file = Path(workdir) / "pty"
        announcer = threading.Thread(
            target=_announce, args=(pty_file, args.link, args.print_path, stop), daemon=True
        )
        announcer.start()
        try:
            run_suite(
                "guard_top",
                "serve",
                extra_env={"QUANTUM_SIM_PTY_FILE": str(pty_file)},
                results_dir=Path(workdir),
                log_file=log_file,
            )
        except KeyboardInterrupt:
            logger.warning("sim-serve: stopped")
        finally:
            stop.set()
            if args.link is not None and args.link.is_symlink():
                args.link.unlink()
            log_file.unlink(missing_ok=True)
    return 0
