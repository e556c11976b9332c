"""Neither a password nor the exchange keys ever reach the logs, at any level."""

import asyncio
import logging
from pathlib import Path

import httpx
import pytest

from dashboard.server.testing import PASSWORD, Auth
from host.cli import main
from host.data.generator import generate
from host.exchange.binanceusdm import API_KEY_ENV, API_SECRET_ENV

KEY = "K3y-that-must-never-be-logged-7f1c"
SECRET = "S3cret-that-must-never-be-logged-9a2d"


async def test_login_and_paper_session_with_keys_in_env_leave_no_secret_in_logs(
    client: httpx.AsyncClient,
    auth: Auth,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv(API_KEY_ENV, KEY)
    monkeypatch.setenv(API_SECRET_ENV, SECRET)
    wrong = PASSWORD + "-wrong"
    bad = await client.post("/api/auth/login", data={"username": "olga", "password": wrong})
    good = await client.post("/api/auth/login", data={"username": "olga", "password": PASSWORD})
    assert (bad.status_code, good.status_code) == (401, 200)

    data = tmp_path / "market"
    generate(data, seed=5, events=5_000)
    args = ["--no-banner", "paper", "--guard", "model", "--feed", f"replay:{data}:0"]
    database = f"sqlite:///{tmp_path / 'paper.db'}"
    # main() runs its own event loop: run it in a worker thread, outside this test's loop.
    code = await asyncio.to_thread(main, [*args, "--duration", "2", "--database", database])
    assert code == 0

    captured = capfd.readouterr()
    everything = caplog.text + captured.out + captured.err
    # The session did log (the check below is not vacuous), at every level down to DEBUG.
    assert any(r.name.startswith("host.engine") for r in caplog.records)
    token = good.json()["access_token"]
    for secret in (PASSWORD, wrong, KEY, SECRET, token):
        assert secret not in everything
