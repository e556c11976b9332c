"""``quantum user``: add dashboard users, change roles and passwords, list them."""

import argparse
import getpass
import sys

from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

__all__ = ["register", "run"]

_ROLES = ("viewer", "operator", "admin")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``user`` to the CLI."""
    parser = subparsers.add_parser("user", help="manage dashboard users")
    parser.add_argument(
        "--database",
        default=None,
        metavar="URL",
        help="database URL (default: $DATABASE_URL or build/quantum.db)",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add a user (prompts for the password)")
    add.add_argument("name", help="login name")
    add.add_argument("--role", choices=_ROLES, default="viewer", help="(default: %(default)s)")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    passwd = actions.add_parser("passwd", help="set a user's password")
    passwd.add_argument("name", help="login name")
    passwd.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    role = actions.add_parser("role", help="change a user's role")
    role.add_argument("name", help="login name")
    role.add_argument("role", choices=_ROLES, help="the new role")
    actions.add_parser("list", help="list users")
    parser.set_defaults(func=run)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        # getpass would fall back to echoing the password, then fail on the missing terminal
        raise ValueError("No terminal to ask for the password on: pipe it in with --password-stdin")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise ValueError("Passwords must match, but the two entries differ")
    return first


async def run(args: argparse.Namespace) -> int:
    """Carry out one user action; exit code 1 with a message when it cannot."""
    from sqlalchemy import select

    from dashboard.server import crud
    from dashboard.server.models import UserCreate, UserUpdate
    from host.store import Store
    from host.store.models import User

    console = Console()
    errors = Console(stderr=True)
    store = await Store.open(args.database)
    try:
        async with store.sessionmaker.begin() as session:
            if args.action == "list":
                table = Table("id", "name", "role", "active", "acknowledged disclaimer")
                for row in await session.scalars(select(User).order_by(User.id)):
                    acknowledged = row.disclaimer_acknowledged_at
                    table.add_row(
                        str(row.id),
                        row.username,
                        row.role,
                        "yes" if row.is_active else "no",
                        acknowledged.isoformat() if acknowledged else "not yet",
                    )
                console.print(table)
                return 0
            if args.action == "add":
                try:
                    user_create = UserCreate(
                        username=args.name,
                        role=args.role,
                        password=_password(args.password_stdin),
                    )
                    await crud.create_user(session=session, user_create=user_create)
                except (ValidationError, ValueError) as error:
                    errors.print(f"[bold red]Cannot add {args.name!r}:[/] {_short(error)}")
                    return 1
                console.print(f"Added {args.name} ({args.role})")
                return 0
            user = await crud.get_user_by_username(session=session, username=args.name)
            if user is None:
                errors.print(f"[bold red]No user called {args.name!r}[/]")
                return 1
            if args.action == "role":
                await crud.update_user(
                    session=session, user=user, user_update=UserUpdate(role=args.role)
                )
                console.print(f"{args.name} is now {args.role}")
                return 0
            try:
                password = _password(args.password_stdin)
                UserCreate(username=user.username, password=password)  # same password rules
            except (ValidationError, ValueError) as error:
                errors.print(f"[bold red]Cannot set the password:[/] {_short(error)}")
                return 1
            await crud.set_password(session=session, user=user, password=password)
            console.print(f"Password of {args.name} changed")
            return 0
    finally:
        await store.close()


def _short(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
    return str(error)
