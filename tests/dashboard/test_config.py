"""Settings: validated at start-up with messages that say how to fix them."""

import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from dashboard.server import Settings


def test_settings_when_secret_short_then_error_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(
        ValidationError, match="SECRET_KEY must be at least 32 characters, not 5; unset it"
    ):
        Settings(DATA_DIR=tmp_path, SECRET_KEY="short")


def test_settings_when_database_url_unsupported_then_error_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="fix DATABASE_URL or pass --database"):
        Settings(DATA_DIR=tmp_path, DATABASE_URL="postgresql://u@h/db")


def test_settings_when_port_out_of_range_then_error(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="PORT"):
        Settings(DATA_DIR=tmp_path, PORT=70000)


def test_settings_when_defaults_then_local_only_sqlite_in_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("DATABASE_URL", "HOST", "PORT", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)

    settings = Settings(DATA_DIR=tmp_path)

    assert (settings.HOST, settings.PORT) == ("127.0.0.1", 8000)
    assert settings.DATABASE_URL == f"sqlite+aiosqlite:///{tmp_path.resolve()}/quantum.db"


def test_secret_key_when_absent_then_generated_once_and_private(tmp_path: Path) -> None:
    first = Settings(DATA_DIR=tmp_path / "data", SECRET_KEY="").secret_key()
    second = Settings(DATA_DIR=tmp_path / "data", SECRET_KEY="").secret_key()

    assert first == second and len(first) >= 32
    mode = stat.S_IMODE((tmp_path / "data" / "secret_key").stat().st_mode)
    assert mode == 0o600


def test_secret_key_when_file_truncated_then_error_says_delete_it(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("abc\n")

    with pytest.raises(
        ValueError, match=r"^Secret key file must hold at least 32 characters, not 3; delete "
    ):
        Settings(DATA_DIR=tmp_path, SECRET_KEY="").secret_key()
