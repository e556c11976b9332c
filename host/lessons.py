"""The Blueprint 2026 lessons (docs/lessons/*.md) with their numbers filled in from the bench.

A lesson never types a measured number by hand: it quotes the bench results file by key.

Placeholders
------------
``{{bench:KEY}}``
    The figure's value with its unit (``191 µs``), or ``not measured (<reason>)``.
``{{ratio:KEY}}``
    The figure's ratio to its same-run baseline (``12.3×``).
``{{source:KEY}}``
    Where the figure comes from: ``this run's measurement``, ``computed in this run`` or the
    published source of a cited figure.

Lesson files are named ``NN-slug.md`` (``NN`` orders them); the first ``# `` line is the title.
:func:`render` is the one function the CLI (``quantum learn``) and the dashboard's Learn page
both call, so the terminal and the browser show the same text.
"""

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from host.bench.results import DEFAULT_RESULTS_PATH, Figure, Results, ResultsError, format_value
from host.bench.results import load as load_results

__all__ = [
    "LESSONS_DIR",
    "PLACEHOLDER",
    "Lesson",
    "LessonError",
    "list_lessons",
    "find_lesson",
    "placeholders",
    "problems",
    "render_text",
    "render",
]

_log = logging.getLogger(__name__)

LESSONS_DIR = Path(__file__).resolve().parents[1] / "docs" / "lessons"

#: ``{{kind:key}}`` with optional spaces inside the braces.
PLACEHOLDER = re.compile(r"\{\{\s*([a-z]+)\s*:\s*([A-Za-z0-9_.]+)\s*\}\}")
_KINDS = ("bench", "ratio", "source")
_FILE_NAME = re.compile(r"^(\d+)-([a-z0-9-]+)\.md$")


class LessonError(ValueError):
    """A lesson that cannot be rendered: unknown topic, unknown bench key, bad placeholder."""


@dataclass(frozen=True)
class Lesson:
    """One lesson file: ``slug`` (``sanitizer``), ``title`` (its first heading) and ``path``."""

    slug: str
    title: str
    path: Path


def list_lessons(directory: Path = LESSONS_DIR) -> list[Lesson]:
    """Every lesson in ``directory``, in the order of the number prefix of its file name."""
    found = []
    for path in sorted(Path(directory).glob("*.md")):
        match = _FILE_NAME.match(path.name)
        if match is None:
            continue
        title = next(
            (line[2:].strip() for line in path.read_text().splitlines() if line.startswith("# ")),
            match.group(2),
        )
        found.append((int(match.group(1)), Lesson(match.group(2), title, path)))
    return [lesson for _, lesson in sorted(found, key=lambda item: item[0])]


def find_lesson(slug: str, directory: Path = LESSONS_DIR) -> Lesson:
    """The lesson called ``slug``.

    Raises
    ------
    LessonError
        If there is none; the message lists the topics there are.
    """
    lessons = list_lessons(directory)
    for lesson in lessons:
        # The file stem ("03-pre-trade-risk") is accepted too: it is what a file listing shows.
        if slug in (lesson.slug, lesson.path.stem):
            return lesson
    topics = ", ".join(lesson.slug for lesson in lessons)
    raise LessonError(f"Lesson topic must be one of {topics}, not {slug!r}")


def placeholders(text: str) -> list[tuple[str, str]]:
    """Every ``(kind, key)`` placeholder in ``text``, in order of appearance."""
    return [(m.group(1), m.group(2)) for m in PLACEHOLDER.finditer(text)]


def problems(text: str, results: Results) -> list[str]:
    """What would stop ``text`` rendering from ``results``: unknown kinds, unknown bench keys,
    and ratios asked of figures that have no same-run baseline. Empty when all is well."""
    found = []
    for kind, key in placeholders(text):
        if kind not in _KINDS:
            found.append(f"placeholder kind must be one of {_KINDS}, not {kind!r} (key {key})")
        elif key not in results:
            found.append(f"bench key must exist in the results file, not {key!r}")
        elif kind == "ratio" and results[key].baseline is None:
            found.append(f"{{{{ratio:{key}}}}} needs a figure with a baseline; {key} has none")
    return found


def _fill(kind: str, figure: Figure, notes: dict[str, int]) -> str:
    if figure.value is None and kind == "bench":
        # The reason can be long: a numbered note at the end keeps tables readable.
        number = notes.setdefault(figure.key, len(notes) + 1)
        return f"not measured [{number}]"
    if kind == "bench":
        return format_value(figure)
    if kind == "ratio":
        if figure.ratio is None:
            return "n/a (not measured)" if figure.value is None else "n/a (baseline missing)"
        return f"{figure.ratio:.3g}×" if figure.ratio >= 0.01 else f"{figure.ratio:.2g}×"
    if figure.published:
        return figure.source.removeprefix("published: ")
    return "this run's measurement" if figure.source == "measured" else "computed in this run"


def render_text(text: str, results: Results | None, *, strict: bool = False) -> str:
    """``text`` with every placeholder filled from ``results``.

    A figure this run could not measure reads ``not measured [n]``, and a closing list gives
    each one's key and reason.

    Parameters
    ----------
    text : str
        Lesson Markdown.
    results : Results or None
        The bench results; None when there is no results file (every number then reads
        "not measured").
    strict : bool
        Raise on an unknown key instead of leaving a visible marker in the text.

    Raises
    ------
    LessonError
        With ``strict``, listing every problem (see :func:`problems`).
    """
    if results is not None:
        found = problems(text, results)
        if found and strict:
            raise LessonError("Lesson placeholders must resolve: " + "; ".join(found))
        for problem in found:
            _log.warning("lesson: %s", problem)
    notes: dict[str, int] = {}

    def replace(match: re.Match[str]) -> str:
        kind, key = match.group(1), match.group(2)
        if results is None:
            return "not measured (no bench results file: run `quantum bench`)"
        if kind not in _KINDS or key not in results:
            return f"⟨unknown bench key: {key}⟩"
        return _fill(kind, results[key], notes)

    rendered = PLACEHOLDER.sub(replace, text)
    if notes and results is not None:
        lines = ["", "---", "", "Not measured in this run:", ""]
        lines += [f"{n}. `{key}`: {results[key].missing}" for key, n in notes.items()]
        rendered = rendered.rstrip("\n") + "\n" + "\n".join(lines) + "\n"
    return rendered


def render(
    slug: str,
    results: Results | None = None,
    *,
    results_path: Path = DEFAULT_RESULTS_PATH,
    directory: Path = LESSONS_DIR,
    strict: bool = False,
) -> str:
    """The Markdown of lesson ``slug`` with its numbers filled in.

    Parameters
    ----------
    slug : str
        Lesson topic, e.g. ``"link"`` (see :func:`list_lessons`).
    results : Results, optional
        Bench results to quote; read from ``results_path`` when not given (a missing file
        renders every number as "not measured").
    strict : bool
        Raise :class:`LessonError` on an unknown bench key.
    """
    lesson = find_lesson(slug, directory)
    if results is None:
        try:
            results = load_results(results_path)
        except FileNotFoundError:
            _log.warning("lesson: no bench results at %s", results_path)
        except ResultsError as error:
            _log.error("lesson: bench results unusable: %s", error)
    return render_text(lesson.path.read_text(), results, strict=strict)
