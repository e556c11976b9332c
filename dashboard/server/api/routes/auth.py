"""Login (OAuth2 password form or JSON) and the disclaimer acknowledgement."""

import logging
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import ValidationError

from dashboard.server.api.deps import CurrentUser, LimiterDep, SessionDep, SettingsDep
from dashboard.server.core.security import create_access_token
from dashboard.server.crud import acknowledge_disclaimer, authenticate
from dashboard.server.models import LoginRequest, Token, UserPublic

__all__ = ["router"]

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/auth", tags=["auth"])

_LOGIN_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["username", "password"],
                    "properties": {
                        "username": {"type": "string"},
                        "password": {"type": "string", "format": "password"},
                        "grant_type": {"type": "string", "enum": ["password"]},
                    },
                }
            },
            "application/json": {"schema": {"$ref": "#/components/schemas/LoginRequest"}},
        },
    }
}


async def _credentials(request: Request) -> LoginRequest:
    content_type = request.headers.get("content-type", "")
    try:
        if content_type.startswith("application/json"):
            return LoginRequest.model_validate(await request.json())
        form = await request.form()
        return LoginRequest.model_validate(
            {"username": form.get("username"), "password": form.get("password")}
        )
    except ValidationError as error:
        fields = ", ".join(str(e["loc"][-1]) for e in error.errors() if e["loc"])
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"Login needs a username and a password (check: {fields or 'body'})",
        ) from None
    except ValueError:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "Login body must be JSON or an OAuth2 password form",
        ) from None


@router.post(
    "/login",
    response_model=Token,
    openapi_extra=_LOGIN_BODY,
    responses={401: {"description": "wrong credentials"}, 429: {"description": "too many"}},
)
async def login(
    request: Request, session: SessionDep, settings: SettingsDep, limiter: LimiterDep
) -> Token:
    """Exchange a username and password for a bearer token."""
    credentials = await _credentials(request)
    address = request.client.host if request.client else "unknown"
    keys = (f"user:{credentials.username}", f"ip:{address}")
    wait = limiter.blocked(*keys)
    if wait > 0:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"Too many failed logins; try again in {int(wait) + 1} s",
            {"Retry-After": str(int(wait) + 1)},
        )
    user = await authenticate(
        session=session, username=credentials.username, password=credentials.password
    )
    if user is None:
        limiter.fail(*keys)
        logger.warning("failed login for %r from %s", credentials.username, address)
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Incorrect username or password",
            {"WWW-Authenticate": "Bearer"},
        )
    limiter.reset(keys[0])
    token, expires = create_access_token(
        subject=user.username, secret=settings.secret_key(), minutes=settings.TOKEN_MINUTES
    )
    return Token(access_token=token, expires_at=expires, user=UserPublic.model_validate(user))


@router.post("/acknowledge", response_model=UserPublic)
async def acknowledge(session: SessionDep, user: CurrentUser) -> UserPublic:
    """Record that the current user has read the disclaimer (any role must, once)."""
    await acknowledge_disclaimer(session=session, user=user)
    await session.commit()
    return UserPublic.model_validate(user)
