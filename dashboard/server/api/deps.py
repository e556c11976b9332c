"""Dependencies of the route handlers, declared once as ``Annotated`` aliases."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Query, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession

from dashboard.server.core.config import Settings
from dashboard.server.core.ratelimit import LoginLimiter
from dashboard.server.core.security import TokenError, decode_access_token
from dashboard.server.crud import get_user_by_username, role_at_least
from host.store import Store
from host.store.models import User

__all__ = [
    "get_store",
    "get_session",
    "get_settings",
    "get_current_user",
    "require_role",
    "StoreDep",
    "SessionDep",
    "SettingsDep",
    "LimiterDep",
    "TokenDep",
    "CurrentUser",
    "OperatorUser",
    "AdminUser",
    "user_from_token",
    "MAX_ROW_NUMBER",
    "RowId",
    "RowOffset",
]

#: The largest integer SQLite and MySQL's BIGINT can hold. A larger id or offset in a request
#: used to reach the database driver and end in a 500 (OverflowError); bounding the parameter
#: makes it a 422 that says which parameter and why.
MAX_ROW_NUMBER = 2**63 - 1

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_NUMBER, description="row id")]
RowOffset = Annotated[int, Query(ge=0, le=MAX_ROW_NUMBER, description="rows to skip")]

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/login", auto_error=False)


def get_store(request: Request) -> Store:
    """The :class:`~host.store.Store` opened by the app's lifespan."""
    store: Store = request.app.state.store
    return store


def get_settings(request: Request) -> Settings:
    """The app's :class:`Settings`."""
    settings: Settings = request.app.state.settings
    return settings


def get_limiter(request: Request) -> LoginLimiter:
    """The app's failed-login limiter."""
    limiter: LoginLimiter = request.app.state.login_limiter
    return limiter


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
LimiterDep = Annotated[LoginLimiter, Depends(get_limiter)]
TokenDep = Annotated[str | None, Depends(oauth2_scheme)]


async def get_session(store: StoreDep) -> AsyncIterator[AsyncSession]:
    """A session for one request; handlers that write commit it themselves."""
    async with store.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]

_UNAUTHORIZED = {"WWW-Authenticate": "Bearer"}


async def user_from_token(*, session: AsyncSession, settings: Settings, token: str | None) -> User:
    """The active user a token belongs to.

    Raises
    ------
    HTTPException
        401 when the token is missing, invalid, expired or names no active user.
    """
    if not token:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "Not authenticated; log in first", _UNAUTHORIZED
        )
    try:
        username = decode_access_token(token, secret=settings.secret_key())
    except TokenError as error:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(error), _UNAUTHORIZED) from None
    user = await get_user_by_username(session=session, username=username)
    if user is None or not user.is_active:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "User is unknown or disabled", _UNAUTHORIZED
        )
    return user


async def get_current_user(session: SessionDep, settings: SettingsDep, token: TokenDep) -> User:
    """The logged-in user (any role)."""
    return await user_from_token(session=session, settings=settings, token=token)


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_role(role: str):  # type: ignore[no-untyped-def]
    """A dependency that admits users with ``role`` or a stronger one (else 403)."""

    async def check(user: CurrentUser) -> User:
        if not role_at_least(user.role, role):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"Role {role} or higher is required, not {user.role}",
            )
        return user

    return check


OperatorUser = Annotated[User, Depends(require_role("operator"))]
AdminUser = Annotated[User, Depends(require_role("admin"))]
