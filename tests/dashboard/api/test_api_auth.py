"""Login, tokens, rate limiting and the disclaimer acknowledgement."""

import httpx
import jwt

from dashboard.server.core.security import ALGORITHM
from dashboard.server.testing import PASSWORD, SECRET, Auth, bearer
from host.store import Store
from host.store.models import User


async def test_login_when_form_correct_then_token_and_user(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    response = await client.post("/api/auth/login", data={"username": "olga", "password": PASSWORD})

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["user"]["username"] == "olga" and body["user"]["role"] == "operator"
    me = await client.get(
        "/api/users/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200 and me.json()["username"] == "olga"


async def test_login_when_json_correct_then_token(client: httpx.AsyncClient, auth: Auth) -> None:
    response = await client.post("/api/auth/login", json={"username": "vic", "password": PASSWORD})

    assert response.status_code == 200
    assert response.json()["user"]["role"] == "viewer"


async def test_login_when_password_wrong_then_401(client: httpx.AsyncClient, auth: Auth) -> None:
    response = await client.post(
        "/api/auth/login", data={"username": "vic", "password": "nope-nope"}
    )

    assert response.status_code == 401
    assert response.json()["detail"] == "Incorrect username or password"


async def test_login_when_user_unknown_then_401(client: httpx.AsyncClient, auth: Auth) -> None:
    response = await client.post("/api/auth/login", json={"username": "mallory", "password": "x"})

    assert response.status_code == 401


async def test_login_when_password_missing_then_422_names_field(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    response = await client.post("/api/auth/login", json={"username": "vic"})

    assert response.status_code == 422
    assert response.json()["detail"] == "Login needs a username and a password (check: password)"


async def test_login_when_body_not_json_then_422(client: httpx.AsyncClient, auth: Auth) -> None:
    response = await client.post(
        "/api/auth/login", content=b"{oops", headers={"content-type": "application/json"}
    )

    assert response.status_code == 422
    assert response.json()["detail"] == "Login body must be JSON or an OAuth2 password form"


async def test_login_when_five_failures_then_429_even_with_right_password(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    for _ in range(5):
        failed = await client.post("/api/auth/login", json={"username": "vic", "password": "bad"})
        assert failed.status_code == 401

    response = await client.post("/api/auth/login", json={"username": "vic", "password": PASSWORD})

    assert response.status_code == 429
    assert response.json()["detail"].startswith("Too many failed logins; try again in ")
    assert int(response.headers["Retry-After"]) > 0


async def test_login_when_four_failures_then_right_password_accepted(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    for _ in range(4):
        await client.post("/api/auth/login", json={"username": "vic", "password": "bad"})

    response = await client.post("/api/auth/login", json={"username": "vic", "password": PASSWORD})

    assert response.status_code == 200


async def test_token_when_expired_then_401(client: httpx.AsyncClient, auth: Auth) -> None:
    expired = jwt.encode({"sub": "vic", "exp": 1}, SECRET, algorithm=ALGORITHM)

    response = await client.get("/api/users/me", headers={"Authorization": f"Bearer {expired}"})

    assert response.status_code == 401
    assert response.json()["detail"] == "Token has expired; log in again"


async def test_token_when_signed_with_other_key_then_401(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    forged = jwt.encode({"sub": "ada", "exp": 4102444800}, "x" * 40, algorithm=ALGORITHM)

    response = await client.get("/api/users/me", headers={"Authorization": f"Bearer {forged}"})

    assert response.status_code == 401
    assert response.json()["detail"] == "Token is not valid; log in again"


async def test_token_when_user_disabled_then_401(
    client: httpx.AsyncClient, auth: Auth, app_store: Store
) -> None:
    async with app_store.sessionmaker.begin() as session:
        from sqlalchemy import update

        await session.execute(update(User).where(User.username == "vic").values(is_active=False))

    response = await client.get("/api/users/me", headers=bearer("vic"))

    assert response.status_code == 401
    assert response.json()["detail"] == "User is unknown or disabled"


async def test_me_when_no_token_then_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/users/me")

    assert response.status_code == 401
    assert response.json()["detail"] == "Not authenticated; log in first"


async def test_acknowledge_when_first_time_then_timestamp_kept_on_repeat(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    before = (await client.get("/api/users/me", headers=auth.viewer)).json()
    assert before["disclaimer_acknowledged_at"] is None

    first = await client.post("/api/auth/acknowledge", headers=auth.viewer)
    second = await client.post("/api/auth/acknowledge", headers=auth.viewer)

    assert first.status_code == 200
    assert first.json()["disclaimer_acknowledged_at"] is not None
    assert second.json()["disclaimer_acknowledged_at"] == first.json()["disclaimer_acknowledged_at"]


async def test_acknowledge_when_anonymous_then_401(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/auth/acknowledge")

    assert response.status_code == 401
