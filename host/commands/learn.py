"""``quantum learn [topic]``: a Blueprint 2026 lesson in the terminal, numbers from the bench."""

import argparse
from pathlib import Path

from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

from host.bench.results import DEFAULT_RESULTS_PATH
from host.lessons import LessonError, list_lessons, render

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "learn",
        help="read a Blueprint 2026 lesson (no topic: list the topics)",
        description=(
            "Each lesson says what this project does, what the ideal 'Blueprint 2026' system "
            "does, and what the difference costs, quoting the bench results file."
        ),
    )
    parser.add_argument("topic", nargs="?", help="lesson to show (default: list the topics)")
    parser.add_argument(
        "--results",
        type=Path,
        default=DEFAULT_RESULTS_PATH,
        help="bench results to quote (default: %(default)s)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    console = Console()
    if not args.topic:
        table = Table(title="Blueprint 2026 lessons: quantum learn TOPIC")
        table.add_column("topic")
        table.add_column("title")
        for lesson in list_lessons():
            table.add_row(lesson.slug, lesson.title)
        console.print(table)
        return 0
    try:
        text = render(args.topic, results_path=args.results)
    except LessonError as error:
        console.print(f"[red]{error}[/]")
        return 2
    console.print(Markdown(text))
    return 0
