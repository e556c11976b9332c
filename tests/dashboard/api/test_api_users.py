"""Users: who am I, and what only an admin may do."""

import httpx

from dashboard.server.testing import PASSWORD, Auth


async def test_read_users_when_admin_then_all_listed(client: httpx.AsyncClient, auth: Auth) -> None:
    response = await client.get("/api/users", headers=auth.admin)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert sorted(u["username"] for u in body["data"]) == ["ada", "olga", "vic"]
    assert all("password" not in key for u in body["data"] for key in u)


async def test_read_users_when_operator_then_403(client: httpx.AsyncClient, auth: Auth) -> None:
    response = await client.get("/api/users", headers=auth.operator)

    assert response.status_code == 403
    assert response.json()["detail"] == "Role admin or higher is required, not operator"


async def test_create_user_when_admin_then_201_and_can_log_in(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    response = await client.post(
        "/api/users",
        headers=auth.admin,
        json={"username": "newbie", "password": "long enough pw", "role": "operator"},
    )

    assert response.status_code == 201
    assert response.json()["role"] == "operator"
    login = await client.post(
        "/api/auth/login", data={"username": "newbie", "password": "long enough pw"}
    )
    assert login.status_code == 200


async def test_create_user_when_name_taken_then_409(client: httpx.AsyncClient, auth: Auth) -> None:
    response = await client.post(
        "/api/users", headers=auth.admin, json={"username": "vic", "password": PASSWORD}
    )

    assert response.status_code == 409
    assert response.json()["detail"] == "Username 'vic' is already taken"


async def test_create_user_when_password_short_then_422_without_echo(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    response = await client.post(
        "/api/users", headers=auth.admin, json={"username": "bob", "password": "s3cr3t"}
    )

    assert response.status_code == 422
    assert response.json()["detail"] == "password: String should have at least 8 characters"
    assert "s3cr3t" not in response.text


async def test_create_user_when_role_unknown_then_422(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    response = await client.post(
        "/api/users",
        headers=auth.admin,
        json={"username": "bob", "password": PASSWORD, "role": "root"},
    )

    assert response.status_code == 422
    assert response.json()["detail"].startswith("role: Input should be 'viewer', 'operator'")


async def test_create_user_when_name_has_spaces_then_422(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    response = await client.post(
        "/api/users", headers=auth.admin, json={"username": "bob smith", "password": PASSWORD}
    )

    assert response.status_code == 422
    assert response.json()["detail"].startswith("username: String should match pattern")


async def _user_id(client: httpx.AsyncClient, auth: Auth, name: str) -> int:
    users = (await client.get("/api/users", headers=auth.admin)).json()["data"]
    return next(u["id"] for u in users if u["username"] == name)


async def test_update_user_when_admin_promotes_then_role_changes_at_once(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    vic = await _user_id(client, auth, "vic")
    assert (await client.post("/api/risk/kill", headers=auth.viewer, json={})).status_code == 403

    response = await client.patch(
        f"/api/users/{vic}", headers=auth.admin, json={"role": "operator"}
    )

    assert response.status_code == 200 and response.json()["role"] == "operator"
    assert (await client.post("/api/risk/kill", headers=auth.viewer, json={})).status_code == 202


async def test_update_user_when_admin_demotes_self_then_400(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    ada = await _user_id(client, auth, "ada")

    response = await client.patch(f"/api/users/{ada}", headers=auth.admin, json={"role": "viewer"})

    assert response.status_code == 400
    assert (
        response.json()["detail"]
        == "Admins must not demote or disable themselves; ask another admin"
    )


async def test_update_user_when_unknown_then_404(client: httpx.AsyncClient, auth: Auth) -> None:
    response = await client.patch("/api/users/99999", headers=auth.admin, json={"role": "viewer"})

    assert response.status_code == 404
    assert response.json()["detail"] == "User 99999 not found"


async def test_update_user_when_disabled_then_cannot_log_in(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    vic = await _user_id(client, auth, "vic")

    response = await client.patch(
        f"/api/users/{vic}", headers=auth.admin, json={"is_active": False}
    )

    assert response.status_code == 200
    login = await client.post("/api/auth/login", json={"username": "vic", "password": PASSWORD})
    assert login.status_code == 401
