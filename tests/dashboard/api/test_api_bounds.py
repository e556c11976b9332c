"""Regressions found by the API fuzz (host/reliability/api_fuzz.py): integers beyond what the
database stores used to reach the driver and end in a 500 (OverflowError); now a 422 naming
the parameter."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from dashboard.server.api.deps import MAX_ROW_NUMBER
from dashboard.server.runner import running_server
from dashboard.server.testing import Auth

TOO_BIG = 324499151883380384675659776  # the fuzzer's example, > 2**63 - 1


@pytest.mark.parametrize(
    "route", ["/api/equity", "/api/signals", "/api/trades", "/api/positions", "/api/market"]
)
async def test_list_when_offset_beyond_bigint_then_422_naming_offset(
    client: httpx.AsyncClient, auth: Auth, route: str
) -> None:
    response = await client.get(route, params={"offset": TOO_BIG}, headers=auth.viewer)

    assert response.status_code == 422
    assert response.json()["detail"].startswith("query.offset: ")


async def test_list_when_offset_is_the_largest_bigint_then_empty_page(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    response = await client.get(
        "/api/market", params={"offset": MAX_ROW_NUMBER}, headers=auth.viewer
    )

    assert response.status_code == 200
    assert response.json()["data"] == []


async def test_users_when_offset_beyond_bigint_then_422(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    response = await client.get("/api/users", params={"offset": TOO_BIG}, headers=auth.admin)

    assert response.status_code == 422
    assert "offset" in response.json()["detail"]


@pytest.mark.parametrize("command_id", [TOO_BIG, -TOO_BIG])
async def test_command_when_id_beyond_bigint_then_422_naming_id(
    client: httpx.AsyncClient, auth: Auth, command_id: int
) -> None:
    response = await client.get(f"/api/commands/{command_id}", headers=auth.viewer)

    assert response.status_code == 422
    assert response.json()["detail"].startswith("path.command_id: ")


async def test_command_when_largest_bigint_id_then_404(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    response = await client.get(f"/api/commands/{MAX_ROW_NUMBER}", headers=auth.viewer)

    assert response.status_code == 404
    assert response.json()["detail"] == f"Command {MAX_ROW_NUMBER} not found"


async def test_update_user_when_id_beyond_bigint_then_422(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    response = await client.patch(
        f"/api/users/{TOO_BIG}", json={"role": "viewer"}, headers=auth.admin
    )

    assert response.status_code == 422
    assert response.json()["detail"].startswith("path.user_id: ")


@pytest.fixture
async def ws_base(app: FastAPI) -> AsyncIterator[str]:
    async with running_server(app, lifespan=False) as base:
        yield base.replace("http://", "ws://")


async def test_ws_when_after_beyond_bigint_then_handshake_refused(ws_base: str, auth: Auth) -> None:
    # Before the bound, such a client was accepted and then silently never sent anything
    # (no id is greater than its cursor).
    token = auth.viewer["Authorization"].removeprefix("Bearer ")
    with pytest.raises(InvalidStatus) as refused:
        async with connect(f"{ws_base}/ws?token={token}&after={TOO_BIG}"):
            pass

    assert refused.value.response.status_code == 403
