"""The lessons of the Learn page: Markdown files in docs/lessons."""

import re
from pathlib import Path

from fastapi import APIRouter, HTTPException, status

from dashboard.server.api.deps import CurrentUser, SettingsDep
from dashboard.server.models import Lesson, LessonSummary
from host.bench.results import Results, ResultsError
from host.bench.results import load as load_results
from host.lessons import render_text

__all__ = ["router", "lesson_title"]

router = APIRouter(prefix="/lessons", tags=["lessons"])

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")


def lesson_title(markdown: str, slug: str) -> str:
    """The first ``# heading`` of a lesson, else its slug in words."""
    for line in markdown.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return slug.replace("-", " ").replace("_", " ").capitalize()


def _files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob("*.md") if _SLUG.match(p.stem))


def _bench_results() -> Results | None:
    """The committed bench results the lessons quote; None renders "not measured"."""
    try:
        return load_results()
    except (FileNotFoundError, ResultsError):
        return None


@router.get("", response_model=list[LessonSummary])
async def read_lessons(settings: SettingsDep, _user: CurrentUser) -> list[LessonSummary]:
    """Every lesson's slug and title, in file-name order."""
    return [
        LessonSummary(slug=path.stem, title=lesson_title(path.read_text("utf-8"), path.stem))
        for path in _files(settings.LESSONS_DIR)
    ]


@router.get("/{slug}", response_model=Lesson)
async def read_lesson(settings: SettingsDep, _user: CurrentUser, slug: str) -> Lesson:
    """One lesson's Markdown, its numbers filled in from the bench results (as `quantum learn`)."""
    if not _SLUG.match(slug):
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"Lesson slug must be lowercase letters, digits, '-' or '_', not {slug!r}",
        )
    path = settings.LESSONS_DIR / f"{slug}.md"
    if not path.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Lesson {slug!r} not found")
    markdown = render_text(path.read_text("utf-8"), _bench_results())
    return Lesson(slug=slug, title=lesson_title(markdown, slug), markdown=markdown)
