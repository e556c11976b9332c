"""``quantum paper --guard model --feed replay:...`` runs against a Store and trades."""

import asyncio
import sqlite3
from pathlib import Path

import pytest

from host.cli import main
from host.data.generator import generate
from host.engine.feeds import parse_feed


def test_paper_when_model_guard_and_replay_then_orders_trades_and_statuses_stored(
    tmp_path: Path,
) -> None:
    data = tmp_path / "market"
    generate(data, seed=3, events=30_000)
    database = tmp_path / "paper.db"
    code = main(
        [
            "--no-banner",
            "paper",
            "--guard",
            "model",
            "--feed",
            f"replay:{data}:0",
            "--duration",
            "5",
            "--database",
            f"sqlite:///{database}",
        ]
    )
    assert code == 0
    with sqlite3.connect(database) as connection:
        orders = connection.execute("select count(*), min(gateware_backend) from orders").fetchone()
        trades = connection.execute("select count(*) from trades").fetchone()[0]
        signals = connection.execute("select count(*) from signals").fetchone()[0]
        lines = dict(connection.execute("select line, backend from guard_status").fetchall())
        kinds = {row[0] for row in connection.execute("select kind from risk_events")}
    assert orders[0] > 0 and orders[1] == "model"
    assert trades > 0
    assert signals > 0
    assert lines == {"gateware": "model", "drbguard": "software"}
    assert {"armed", "shutdown"} <= kinds


def _paper(data: Path, database: Path, *extra: str) -> int:
    feed = f"replay:{data}:0"
    url = f"sqlite:///{database}"
    return main(
        ["--no-banner", "paper", "--guard", "model", "--feed", feed, "--database", url, *extra]
    )


def test_paper_when_the_database_holds_an_earlier_run_then_the_replay_continues_after_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "market"
    generate(data, seed=3, events=30_000)
    database = tmp_path / "paper.db"
    assert _paper(data, database, "--duration", "1") == 0
    with sqlite3.connect(database) as connection:
        (first_end,) = connection.execute("select max(ts) from equity").fetchone()
        (first_market,) = connection.execute("select max(id) from market").fetchone()
        (events,) = connection.execute("select count(*) from market").fetchone()
    capsys.readouterr()

    assert _paper(data, database, "--duration", "1") == 0

    assert "resuming the replay after" in capsys.readouterr().err
    with sqlite3.connect(database) as connection:
        first = connection.execute(
            "select min(ts), max(ts) from market where id <= ?", (first_market,)
        ).fetchone()
        second = connection.execute(
            "select min(ts), count(*) from market where id > ?", (first_market,)
        ).fetchone()
    # the first run stopped early; the second traded the market after it, not the same again
    assert events > 0 and first[1] <= first_end
    assert second[1] > 0 and second[0] > first_end


def test_paper_when_an_earlier_run_replayed_everything_then_says_so_and_trades_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "market"
    generate(data, seed=5, events=3_000)
    database = tmp_path / "paper.db"
    assert _paper(data, database) == 0
    with sqlite3.connect(database) as connection:
        before = connection.execute("select count(*), max(id) from events").fetchone()
    capsys.readouterr()

    assert _paper(data, database) == 0

    assert "Nothing left to replay" in capsys.readouterr().err
    with sqlite3.connect(database) as connection:
        assert connection.execute("select count(*), max(id) from events").fetchone() == before
    # the neighbour: --from-start replays it all again into the same account
    assert _paper(data, database, "--from-start", "--duration", "1") == 0
    assert "resuming" not in capsys.readouterr().err
    with sqlite3.connect(database) as connection:
        assert connection.execute("select count(*) from events").fetchone()[0] > before[0]


def test_replay_feed_when_after_is_given_then_only_later_events(tmp_path: Path) -> None:
    from host.engine.feeds import replay_feed

    rows = "".join(f"{n},10.0,1,{n},{1000 + 100 * n},false\n" for n in range(1, 5))
    (tmp_path / "X-trades-1.csv").write_text(rows)

    async def collect(after_us: int | None) -> list:
        return [row async for row in replay_feed(tmp_path, speed=0, after_us=after_us)]

    every = asyncio.run(collect(None))
    assert [row[5] for row in every] == [1, 2, 3, 4]
    assert [row[5] for row in asyncio.run(collect(every[1][0]))] == [3, 4]
    assert asyncio.run(collect(every[-1][0])) == []


@pytest.mark.parametrize(
    ("spec", "kind", "target", "speed"),
    [
        ("replay:/data/x", "replay", "/data/x", 1.0),
        ("replay:/data/x:10", "replay", "/data/x", 10.0),
        ("replay:/data/x:0", "replay", "/data/x", 0.0),
        ("exchange:binanceusdm", "exchange", "binanceusdm", 1.0),
    ],
)
def test_parse_feed_when_valid_then_parsed(spec: str, kind: str, target: str, speed: float) -> None:
    feed = parse_feed(spec)
    assert (feed.kind, feed.target, feed.speed) == (kind, target, speed)


@pytest.mark.parametrize("spec", ["kafka:x", "replay:", "exchange:"])
def test_parse_feed_when_invalid_then_raises(spec: str) -> None:
    with pytest.raises(ValueError, match=r"^Feed must be replay:DATA_DIR\[:SPEED\] or exchange:"):
        parse_feed(spec)


def test_replay_feed_when_paced_then_follows_event_time(tmp_path: Path) -> None:
    from host.engine.feeds import replay_feed

    (tmp_path / "X-trades-1.csv").write_text("1,10.0,1,10,1000,false\n2,10.0,1,10,1200,false\n")

    async def collect() -> tuple[list, float]:
        loop = asyncio.get_running_loop()
        started = loop.time()
        rows = [row async for row in replay_feed(tmp_path, speed=1.0)]
        return rows, loop.time() - started

    rows, elapsed = asyncio.run(collect())
    assert [row[5] for row in rows] == [1, 2]
    assert elapsed >= 0.19  # 200 ms of event time at 1x
