"""The built web app on the API's port: fallback for client routes, never for /api or /assets."""

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from dashboard.server import Settings, create_app
from dashboard.server.testing import SECRET
from host.disclaimer import DISCLAIMER


@pytest.mark.parametrize("path", ["/", "/trading", "/risk/orders/c-1"])
async def test_spa_when_client_route_then_index_html(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)

    assert response.status_code == 200
    assert "<div id=root>" in response.text
    assert response.headers["cache-control"] == "no-cache"


async def test_spa_when_asset_exists_then_served_cacheable(client: httpx.AsyncClient) -> None:
    response = await client.get("/assets/app-1234.js")

    assert response.status_code == 200
    assert response.text == "console.log('app')"
    assert "immutable" in response.headers["cache-control"]


async def test_spa_when_root_file_exists_then_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/favicon.svg")

    assert response.text == "<svg/>"


@pytest.mark.parametrize("path", ["/assets/missing.js", "/api/nothing", "/api", "/ws/x"])
async def test_spa_when_reserved_path_missing_then_404_not_index(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)

    assert response.status_code == 404
    assert "<div id=root>" not in response.text
    assert response.json()["detail"] == f"Not found: {path}"


async def test_spa_when_path_escapes_dist_then_not_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/assets/..%2F..%2Fdata%2Fsecret_key")

    assert response.status_code == 404


async def test_spa_when_not_built_then_page_says_how_with_disclaimer(
    tmp_path: Path, database_url: str
) -> None:
    settings = Settings(
        DATA_DIR=tmp_path, DATABASE_URL=database_url, SECRET_KEY=SECRET, WEB_DIST=tmp_path / "none"
    )
    app: FastAPI = create_app(settings)

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            response = await http.get("/")
            api = await http.get("/api/health")

    assert response.status_code == 503
    assert "make setup" in response.text
    assert DISCLAIMER.split(".")[0] in response.text
    assert api.status_code == 200
