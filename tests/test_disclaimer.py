"""The disclaimer is the first thing a user sees: in the README and in the CLI banner."""

import re
from pathlib import Path

import pytest

from host.cli import main
from host.disclaimer import DISCLAIMER, DISCLAIMER_MARKDOWN

README = Path(__file__).resolve().parents[1] / "README.md"


def _words(text: str) -> str:
    """Text without Markdown emphasis, box drawing or line breaks, for comparing wording."""
    text = re.sub(r"[│╭╮╰╯─]", " ", text.replace("*", "").removeprefix("> "))
    return " ".join(text.split())


def test_readme_when_read_then_disclaimer_is_the_first_paragraph() -> None:
    paragraphs = [p for p in README.read_text().split("\n\n") if p.strip()]
    assert paragraphs[0].startswith("# ")
    assert paragraphs[1] == DISCLAIMER_MARKDOWN


def test_markdown_and_plain_disclaimer_say_the_same() -> None:
    assert _words(DISCLAIMER_MARKDOWN) == _words(DISCLAIMER)


@pytest.mark.parametrize(
    "phrase",
    ["education only", "$1M-5M", "specialised engineers", "real markets", "losing capital"],
)
def test_disclaimer_keeps_every_point_of_the_mission(phrase: str) -> None:
    assert phrase in DISCLAIMER


def test_cli_when_run_then_banner_shows_disclaimer_first(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["version"]) == 0
    captured = capsys.readouterr()
    assert _words(DISCLAIMER) in _words(captured.err)
    assert "quantum-hft" in captured.out


def test_cli_when_no_banner_then_disclaimer_is_not_repeated(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--no-banner", "version"]) == 0
    assert "WARNING" not in capsys.readouterr().err
