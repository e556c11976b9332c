"""What a user sees when the board, the database or an argument is wrong: one message that
says what and how to fix it, an exit code, no traceback, and nothing left started."""

import socket
from pathlib import Path

import pytest

from host.cli import main
from host.data.generator import generate


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("market")
    generate(data, seed=3, events=5_000)
    return data


def _closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _paper(market: Path, *options: str) -> list[str]:
    return ["--no-banner", "paper", "--feed", f"replay:{market}:0", "--duration", "1", *options]


def _message(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    return " ".join((captured.out + captured.err).split())


def test_paper_when_board_port_missing_then_exit_1_with_what_to_check(
    market: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = f"sqlite:///{tmp_path / 'q.db'}"

    code = main(_paper(market, "--guard", "serial:/dev/ttyUSB-absent", "--database", database))

    text = _message(capsys)
    assert code == 1
    assert "error: Serial port /dev/ttyUSB-absent must exist and be free to open" in text
    assert "Is the board plugged in" in text
    assert "Traceback" not in text


def test_paper_when_database_unreachable_then_exit_1_naming_it_without_its_password(
    market: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = _closed_port()
    url = f"mysql://root:s3cret@127.0.0.1:{port}/quantum"

    code = main(_paper(market, "--guard", "model", "--database", url))

    text = _message(capsys)
    assert code == 1
    assert f"error: Database mysql+asyncmy://root:***@127.0.0.1:{port}/quantum" in text
    assert "must be reachable" in text
    assert "--database or DATABASE_URL" in text
    assert "s3cret" not in text


def test_paper_when_guard_spec_unknown_then_exit_2_with_the_choices(
    market: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = f"sqlite:///{tmp_path / 'q.db'}"

    code = main(_paper(market, "--guard", "fpga", "--database", database))

    assert code == 2
    assert (
        "error: Guard spec must be 'model', 'sim', 'sim:PATH' or 'serial:PORT', not 'fpga'"
        in _message(capsys)
    )


def test_paper_when_verbose_then_the_traceback_is_kept(market: Path, tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'q.db'}"

    with pytest.raises(ValueError, match="^Guard spec must be"):
        main(["-v", *_paper(market, "--guard", "fpga", "--database", database)])


def test_paper_when_model_guard_on_a_good_database_then_exit_0(
    market: Path, tmp_path: Path
) -> None:
    # the neighbouring accept: the same command line with a reachable store and a real guard
    database = f"sqlite:///{tmp_path / 'q.db'}"

    assert main(_paper(market, "--guard", "model", "--database", database)) == 0
