"""The Blueprint 2026 lessons: every quoted bench key exists, the renderer fills and reports."""

from pathlib import Path

import pytest

from host.bench.results import DEFAULT_RESULTS_PATH, Results, load, measured, missing
from host.cli import main
from host.lessons import (
    LessonError,
    find_lesson,
    list_lessons,
    placeholders,
    problems,
    render,
    render_text,
)

#: DESIGN.md section 6: one lesson per component.
COMPONENTS = {
    "sanitizer",
    "tick-filter",
    "pre-trade-risk",
    "link",
    "drbguard",
    "engine",
    "strategy",
    "broker",
    "backtesting",
    "storage",
    "websocket-ui",
    "boards-toolchain",
}

LESSONS = list_lessons()


def _results() -> Results:
    return Results.build(
        [
            measured("host.base_us", 4.0, "us", "baseline"),
            measured("host.engine_us", 12.0, "us", "engine", baseline="host.base_us"),
            missing("dashboard.ws_us", "us", "ws", "dashboard.server.bench is not available"),
            measured("reference.stac_ns", 13.9, "ns", "record", source="published: AMD / Exegy"),
        ],
        date="2026-11-25T07:40:00+00:00",
        machine={},
        versions={},
    )


def test_lessons_when_listed_then_one_per_component_in_order() -> None:
    assert {lesson.slug for lesson in LESSONS} == COMPONENTS
    assert LESSONS[0].slug == "sanitizer"
    assert all(lesson.title for lesson in LESSONS)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_lesson_when_checked_against_committed_results_then_every_key_exists(lesson) -> None:
    results = load(DEFAULT_RESULTS_PATH)
    text = lesson.path.read_text()
    assert placeholders(text), f"{lesson.slug} quotes no bench figure"
    assert problems(text, results) == []


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_lesson_when_rendered_then_no_placeholder_left(lesson) -> None:
    text = render(lesson.slug, strict=True)
    assert "{{" not in text and "⟨unknown" not in text
    for heading in ("## What it does here", "## The Blueprint 2026", "## The trade-off"):
        assert heading in text, f"{lesson.slug} lacks {heading!r}"


def test_render_text_when_known_keys_then_value_ratio_and_source_filled() -> None:
    text = (
        "{{bench:host.engine_us}} is {{ratio:host.engine_us}} vs {{ source : reference.stac_ns }}"
    )
    assert render_text(text, _results()) == "12 µs is 3× vs AMD / Exegy"


def test_render_text_when_figure_missing_then_numbered_note_gives_the_reason() -> None:
    text = "a {{bench:dashboard.ws_us}} b {{bench:dashboard.ws_us}} c {{ratio:host.engine_us}}"
    rendered = render_text(text, _results())
    assert rendered.startswith("a not measured [1] b not measured [1] c 3×\n")
    assert rendered.endswith(
        "Not measured in this run:\n\n"
        "1. `dashboard.ws_us`: dashboard.server.bench is not available\n"
    )


def test_render_text_when_key_unknown_then_marked_and_strict_raises() -> None:
    text = "a {{bench:host.nowhere_us}} b"
    assert render_text(text, _results()) == "a ⟨unknown bench key: host.nowhere_us⟩ b"
    with pytest.raises(
        LessonError, match=r"bench key must exist in the results file, not 'host\.nowhere_us'"
    ):
        render_text(text, _results(), strict=True)


def test_problems_when_ratio_of_figure_without_baseline_then_reported() -> None:
    assert problems("{{ratio:host.base_us}}", _results()) == [
        "{{ratio:host.base_us}} needs a figure with a baseline; host.base_us has none"
    ]
    assert problems("{{speed:host.base_us}}", _results())[0].startswith("placeholder kind")


def test_render_text_when_no_results_file_then_every_number_says_run_bench() -> None:
    assert "run `quantum bench`" in render_text("{{bench:host.engine_us}}", None)


def test_render_when_results_file_absent_then_renders_without_numbers(tmp_path: Path) -> None:
    text = render("link", results_path=tmp_path / "absent.json")
    assert "not measured (no bench results file" in text


def test_find_lesson_when_unknown_topic_then_lists_topics() -> None:
    with pytest.raises(LessonError, match=r"^Lesson topic must be one of sanitizer, .*not 'gpu'$"):
        find_lesson("gpu")
    assert find_lesson("04-link").slug == "link"


def test_cli_learn_when_no_topic_then_lists_topics(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--no-banner", "learn"]) == 0
    out = capsys.readouterr().out
    assert "pre-trade-risk" in out and "boards-toolchain" in out


def test_cli_learn_when_topic_then_prints_lesson_with_numbers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--no-banner", "learn", "link"]) == 0
    out = capsys.readouterr().out
    assert "The link" in out and "{{" not in out


def test_cli_learn_when_unknown_topic_then_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--no-banner", "learn", "gpu"]) == 2
    assert "must be one of" in capsys.readouterr().out
