"""Suite-wide test ordering."""

from pathlib import Path

import pytest

_BROWSER_TESTS = Path(__file__).parent / "browser"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests last.

    Playwright's sync API keeps an event loop running in the main thread for the whole session
    once its session fixtures start, and every later ``asyncio.run`` (the CLI, pytest-asyncio)
    then refuses to start. Last, they cannot disturb anything.
    """
    items.sort(key=lambda item: Path(str(item.path)).is_relative_to(_BROWSER_TESTS))
