"""Suite-wide fixtures and test ordering."""

from pathlib import Path

import pytest

# The store fixtures (a SQLite file and the real MariaDB server) and the dashboard's fixtures are
# shared by tests/host/store, tests/dashboard and tests/reliability: registered once, here.
pytest_plugins = ["host.store.testing", "dashboard.server.testing"]

_BROWSER_TESTS = Path(__file__).parent / "browser"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests last.

    Playwright's sync API keeps an event loop running in the main thread for the whole session
    once its session fixtures start, and every later ``asyncio.run`` (the CLI, pytest-asyncio)
    then refuses to start. Last, they cannot disturb anything.
    """
    items.sort(key=lambda item: Path(str(item.path)).is_relative_to(_BROWSER_TESTS))
