"""First run: create the "admin" user with a random password when there are no users."""

import secrets

from dashboard.server.crud import count_users, create_user
from dashboard.server.models import UserCreate
from host.store import Store

__all__ = ["ensure_first_admin", "FIRST_ADMIN"]

FIRST_ADMIN = "admin"


async def ensure_first_admin(store: Store) -> str | None:
    """Create ``admin`` with a random password if no user exists; return that password once.

    There is no default password: the caller shows the returned one to the person starting
    the server and it is never stored in clear.
    """
    async with store.sessionmaker.begin() as session:
        if await count_users(session=session) > 0:
            return None
        password = secrets.token_urlsafe(15)
        await create_user(
            session=session,
            user_create=UserCreate(username=FIRST_ADMIN, role="admin", password=password),
        )
    return password
