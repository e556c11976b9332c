"""The engine is SIGKILLed mid-run and restarted on the same database: nothing is lost or
duplicated, and positions reconcile with the trades (host.reliability.engine_restart)."""

import sqlite3
from pathlib import Path

import pytest

from host.reliability.engine_restart import RestartResult, _check_database, run_engine_restart


@pytest.fixture(scope="module")
def restarted(tmp_path_factory: pytest.TempPathFactory) -> tuple[RestartResult, Path]:
    """One kill-and-restart (about 20 s), shared by the tests of this module."""
    folder = tmp_path_factory.mktemp("restart")
    return run_engine_restart(folder), folder / "paper.db"


@pytest.mark.slow
def test_sigkill_then_restart_on_the_same_database_loses_duplicates_nothing_and_reconciles(
    restarted: tuple[RestartResult, Path],
) -> None:
    result, _ = restarted

    assert result.problems == []
    assert result.safe
    assert result.trades_at_kill >= 3 and result.fills_second_run > 0
    assert (result.orders_stored, result.trades_stored) == (
        result.orders_at_kill + result.orders_second_run,
        result.trades_at_kill + result.fills_second_run,
    )
    # The second engine rebuilt its account from exactly the trades the first one stored.
    assert result.restored_fills == result.trades_at_kill


@pytest.mark.slow
def test_restart_check_when_a_trade_is_duplicated_then_reported(
    restarted: tuple[RestartResult, Path], tmp_path: Path
) -> None:
    """The database check is what makes the scenario fail: a duplicated trade row and a
    position that no longer matches its trades are both named."""
    result, stored = restarted
    database = tmp_path / "paper.db"
    # the backup API, not a file copy: the store runs SQLite in WAL mode
    with sqlite3.connect(stored) as source, sqlite3.connect(database) as copy:
        source.backup(copy)
    with sqlite3.connect(database) as connection:
        columns = [row[1] for row in connection.execute("pragma table_info(trades)")]
        kept = [column for column in columns if column not in ("id", "trade_key")]
        # the same fill booked twice under a second key (the unique key stops an exact copy)
        connection.execute(
            f"insert into trades ({', '.join(kept)}, trade_key) "
            f"select {', '.join(kept)}, trade_key || '-again' from trades limit 1"
        )

    rechecked = RestartResult(**{k: v for k, v in vars(result).items() if k != "problems"})
    _check_database(database, rechecked)

    assert not rechecked.safe
    assert any("lost or duplicated" in problem for problem in rechecked.problems)
    assert any("net of trades" in problem for problem in rechecked.problems)
