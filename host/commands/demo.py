"""``quantum demo``: what ``make run`` starts — the gateware, the paper engine and the dashboard.

Three processes, each the command a user could run by hand, so the demo teaches the real
topology rather than a special in-process shortcut:

* ``quantum serve`` — the dashboard on one port (creates the first admin and prints it once);
* ``quantum paper --guard sim`` — the engine, which starts the Verilator model of the gateware
  behind a pseudo-terminal and paper-trades a replay of generated data through it;
* the data itself, generated once into ``build/demo-data`` (seeded, so every laptop sees the
  same market).

Ctrl-C reaches every process of the group; each shuts down cleanly (the engine cancels its
orders and leaves the kill latch set) and the demo waits for them. SIGTERM to the demo alone
(``kill``, a service manager) stops them the same way; nothing is left running.
"""

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from rich.console import Console

from host.commands._signals import interrupt_on_sigterm

__all__ = ["register", "run"]

DEMO_DATA = Path("build/demo-data")
#: Rows of generated data: about an hour of market time, with several liquidation cascades.
DEMO_EVENTS = 400_000
_SHUTDOWN_GRACE_S = 10.0
_STARTUP_TIMEOUT_S = 60.0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="start the whole demo: simulated gateware, paper engine and dashboard",
        description=(
            "Generate demo data if needed, then run `quantum serve` and `quantum paper` "
            "side by side until Ctrl-C. Paper trading only: no order leaves this machine."
        ),
    )
    parser.add_argument(
        "--port", type=int, default=8000, help="dashboard port (default: %(default)s)"
    )
    parser.add_argument(
        "--guard",
        default="sim",
        help="first line: sim | serial:PORT | model (default: %(default)s)",
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=4.0,
        help="replay speed, a multiple of market time (default: %(default)s)",
    )
    parser.add_argument(
        "--data", type=Path, default=DEMO_DATA, help="replay directory (default: %(default)s)"
    )
    parser.add_argument(
        "--database",
        default=None,
        metavar="URL",
        help="database URL (default: %(default)s = $DATABASE_URL or the SQLite file)",
    )
    parser.set_defaults(func=run)


def _quantum(*args: str) -> list[str]:
    return [sys.executable, "-m", "host.cli", "--no-banner", *args]


def _port_in_use(port: int) -> bool:
    """True when something already listens on (or holds) 127.0.0.1:``port``."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _wait_for_health(port: int, process: subprocess.Popen[bytes]) -> None:
    url = f"http://127.0.0.1:{port}/api/health"
    deadline = time.monotonic() + _STARTUP_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url, timeout=1.0):
                return
        time.sleep(0.2)
    if process.poll() is not None:
        raise RuntimeError(f"Dashboard exited with code {process.returncode} before serving {url}")
    raise RuntimeError(f"Dashboard must answer {url} within {_STARTUP_TIMEOUT_S:.0f} s, did not")


def run(args: argparse.Namespace) -> int:
    console = Console(stderr=True)
    if _port_in_use(args.port):
        # Checked first: the health check would otherwise be answered by whatever holds the
        # port (often the dashboard of a demo still running), and this one would not start.
        console.print(
            f"[red]Port {args.port} on 127.0.0.1 is in use: is another demo or dashboard "
            f"running? Stop it, or choose a free port: quantum demo --port {args.port + 1}"
            "[/red]"
        )
        return 2
    interrupt_on_sigterm()
    if not (args.data / ".complete").exists():
        console.print(f"generating demo data into {args.data} (once)")
        from host.data.generator import generate

        generate(args.data, seed=1, events=DEMO_EVENTS)
        (args.data / ".complete").touch()
    database = ["--database", args.database] if args.database else []
    commands = {
        "dashboard": _quantum("serve", "--port", str(args.port), *database),
        "engine": _quantum(
            "paper", "--guard", args.guard, "--feed", f"replay:{args.data}:{args.speed}", *database
        ),
    }
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, command in commands.items():
            processes[name] = subprocess.Popen(command, env=os.environ.copy())
            if name == "dashboard":
                # The dashboard creates the schema and the first admin: let it finish first.
                _wait_for_health(args.port, processes[name])
        console.print(
            f"[bold green]Dashboard: http://127.0.0.1:{args.port}/[/bold green]  "
            "(first start: the admin password is printed above, once)\n"
            "Ctrl-C stops everything."
        )
        while all(process.poll() is None for process in processes.values()):
            time.sleep(0.5)
        for name, process in processes.items():
            if process.poll() is not None:
                console.print(f"{name} exited with code {process.returncode}")
        # The replay ending is normal: keep the dashboard up so the results can be read.
        if processes["dashboard"].poll() is None:
            console.print("the engine has stopped; the dashboard stays up until Ctrl-C")
            processes["dashboard"].wait()
        # the dashboard never ends by itself: if it did, it failed (the engine stops below)
        return 1
    except KeyboardInterrupt:
        console.print("stopping: the engine cancels its orders and leaves the kill latch set")
    except RuntimeError as error:
        console.print(f"[red]{error}[/red]")
        return 1
    finally:
        # the shutdown below is bounded (SIGKILL after the grace period): a second SIGTERM
        # must not cut it short and leave the engine or the dashboard running
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        deadline = time.monotonic() + _SHUTDOWN_GRACE_S
        for process in processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            if process.poll() is None:
                process.kill()
    return 0
