"""Database operations of the dashboard, keyword-only; the engine writes via host.store.Store."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dashboard.server.core.security import hash_password, verify_password
from dashboard.server.models import UserCreate, UserUpdate
from host.store.models import ROLES, User
from host.store.store import utcnow

__all__ = [
    "create_user",
    "get_user_by_username",
    "authenticate",
    "count_users",
    "update_user",
    "set_password",
    "acknowledge_disclaimer",
    "role_at_least",
]


def role_at_least(role: str, required: str) -> bool:
    """Whether ``role`` may do what ``required`` may (viewer < operator < admin)."""
    if role not in ROLES:
        return False  # an unknown role in the database is worth nothing: fail closed
    return ROLES.index(role) >= ROLES.index(required)


async def get_user_by_username(*, session: AsyncSession, username: str) -> User | None:
    """The user called ``username``, or ``None``."""
    result = await session.scalar(select(User).where(User.username == username))
    return result


async def count_users(*, session: AsyncSession) -> int:
    """How many users exist."""
    return int(await session.scalar(select(func.count()).select_from(User)) or 0)


async def create_user(*, session: AsyncSession, user_create: UserCreate) -> User:
    """Add a user with an argon2 hash of the password (the caller commits).

    Raises
    ------
    ValueError
        If the username is taken.
    """
    if await get_user_by_username(session=session, username=user_create.username) is not None:
        raise ValueError(f"Username must be unused, not {user_create.username!r}")
    user = User(
        username=user_create.username,
        password_hash=hash_password(user_create.password),
        role=user_create.role,
        is_active=True,
        created_at=utcnow(),
        disclaimer_acknowledged_at=None,
    )
    session.add(user)
    await session.flush()
    return user


async def update_user(*, session: AsyncSession, user: User, user_update: UserUpdate) -> User:
    """Apply the fields set in ``user_update`` (the caller commits)."""
    for field, value in user_update.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(user, field, value)
    await session.flush()
    return user


async def set_password(*, session: AsyncSession, user: User, password: str) -> None:
    """Replace the password hash of ``user`` (the caller commits)."""
    user.password_hash = hash_password(password)
    await session.flush()


async def authenticate(*, session: AsyncSession, username: str, password: str) -> User | None:
    """The active user whose password matches, else ``None`` (same work either way)."""
    user = await get_user_by_username(session=session, username=username)
    ok = verify_password(password, user.password_hash if user is not None else None)
    if user is None or not ok or not user.is_active:
        return None
    return user


async def acknowledge_disclaimer(*, session: AsyncSession, user: User) -> User:
    """Record that ``user`` read the disclaimer (first time only; the caller commits)."""
    if user.disclaimer_acknowledged_at is None:
        user.disclaimer_acknowledged_at = utcnow()
        await session.flush()
    return user
