"""Health, disclaimer, lessons, the OpenAPI contract and role checks on every mutating route."""

import re

import httpx
import pytest
from fastapi import FastAPI

from dashboard.server.testing import Auth
from host.disclaimer import DISCLAIMER, DISCLAIMER_MARKDOWN
from host.store.migrate import head_revision

#: Mutating routes open to less than an operator, and why.
_OPEN_MUTATIONS = {
    ("post", "/api/auth/login"): "anonymous by design: it is how one logs in",
    ("post", "/api/auth/acknowledge"): "every user, viewers included, must acknowledge",
}


async def test_health_when_anonymous_then_ok_with_database(
    client: httpx.AsyncClient, database_url: str
) -> None:
    response = await client.get("/api/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["revision"] == head_revision()
    assert body["database"] == ("sqlite" if database_url.startswith("sqlite") else "mysql")


async def test_disclaimer_when_read_then_single_source_text(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/disclaimer")

    assert response.json() == {"text": DISCLAIMER, "markdown": DISCLAIMER_MARKDOWN}


async def test_lessons_when_listed_then_titles_from_headings(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    response = await client.get("/api/lessons", headers=auth.viewer)

    assert response.json() == [
        {"slug": "01-gateware", "title": "Gateware first"},
        {"slug": "02-no-title", "title": "02 no title"},
    ]


async def test_lesson_when_known_then_markdown(client: httpx.AsyncClient, auth: Auth) -> None:
    response = await client.get("/api/lessons/01-gateware", headers=auth.viewer)

    assert response.status_code == 200
    assert response.json()["markdown"].startswith("# Gateware first\n")


async def test_lesson_when_it_quotes_the_bench_then_number_is_filled_in(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    # The Learn page shows what `quantum learn` prints: placeholders become measured figures.
    response = await client.get("/api/lessons/01-gateware", headers=auth.viewer)

    markdown = response.json()["markdown"]
    assert "{{" not in markdown
    assert "The FPGA checks first: 16 bytes." in markdown  # docs/bench/results.json


@pytest.mark.parametrize(
    ("slug", "detail"),
    [
        ("99-missing", "Lesson '99-missing' not found"),
        ("..secret", "Lesson slug must be lowercase letters, digits, '-' or '_', not '..secret'"),
        ("UPPER", "Lesson slug must be lowercase letters, digits, '-' or '_', not 'UPPER'"),
    ],
)
async def test_lesson_when_unknown_or_bad_slug_then_404(
    client: httpx.AsyncClient, auth: Auth, slug: str, detail: str
) -> None:
    response = await client.get(f"/api/lessons/{slug}", headers=auth.viewer)

    assert response.status_code == 404
    assert response.json()["detail"] == detail


async def test_lesson_when_path_escapes_folder_then_404(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    response = await client.get("/api/lessons/..%2F..%2Fpyproject", headers=auth.viewer)

    assert response.status_code == 404
    assert "quantum" not in response.text


async def test_lessons_when_anonymous_then_401(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/lessons")).status_code == 401


def _operations(app: FastAPI) -> list[tuple[str, str, dict]]:
    schema = app.openapi()
    return [
        (method, path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]


async def test_openapi_when_generated_then_operation_ids_are_tag_name_with_responses(
    app: FastAPI,
) -> None:
    operations = _operations(app)

    assert len(operations) >= 25
    for method, path, operation in operations:
        tag = operation["tags"][0]
        assert re.fullmatch(rf"{tag}-[a-z_]+", operation["operationId"]), (method, path)
        assert operation.get("summary") and operation.get("description"), (method, path)
        ok = next(code for code in operation["responses"] if code.startswith("2"))
        assert "schema" in operation["responses"][ok]["content"]["application/json"], (method, path)


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


async def test_mutating_routes_when_anonymous_then_401(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    mutations = [(m, p) for m, p, _ in _operations(app) if m in ("post", "put", "patch", "delete")]
    assert len(mutations) >= 7

    for method, path in mutations:
        if (method, path) == ("post", "/api/auth/login"):
            continue
        response = await client.request(method.upper(), _concrete(path), json={})
        assert response.status_code == 401, (method, path, response.text)


async def test_mutating_routes_when_viewer_then_403(
    app: FastAPI, client: httpx.AsyncClient, auth: Auth
) -> None:
    mutations = [(m, p) for m, p, _ in _operations(app) if m in ("post", "put", "patch", "delete")]

    for method, path in mutations:
        if (method, path) in _OPEN_MUTATIONS:
            continue
        response = await client.request(
            method.upper(), _concrete(path), json={}, headers=auth.viewer
        )
        assert response.status_code == 403, (method, path, response.text)


async def test_admin_routes_when_operator_then_403(
    app: FastAPI, client: httpx.AsyncClient, auth: Auth
) -> None:
    admin_paths = [
        (m, p) for m, p, _ in _operations(app) if p.startswith("/api/users") and m != "get"
    ]
    assert admin_paths

    for method, path in admin_paths:
        response = await client.request(
            method.upper(), _concrete(path), json={}, headers=auth.operator
        )
        assert response.status_code == 403, (method, path)
