"""Users: who am I, and the admin's list / create / change-role routes."""

from fastapi import APIRouter, HTTPException, Query, status
from sqlalchemy import func, select

from dashboard.server.api.deps import AdminUser, CurrentUser, RowId, RowOffset, SessionDep
from dashboard.server.crud import create_user as crud_create_user
from dashboard.server.crud import update_user as crud_update_user
from dashboard.server.models import UserCreate, UserPublic, UsersPublic, UserUpdate
from host.store.models import User

__all__ = ["router"]

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me", response_model=UserPublic)
async def read_user_me(user: CurrentUser) -> UserPublic:
    """The logged-in user."""
    return UserPublic.model_validate(user)


@router.get("", response_model=UsersPublic)
async def read_users(
    session: SessionDep,
    _admin: AdminUser,
    limit: int = Query(default=100, ge=1, le=1000),
    offset: RowOffset = 0,
) -> UsersPublic:
    """Every user (admin only)."""
    count = await session.scalar(select(func.count()).select_from(User))
    rows = await session.scalars(select(User).order_by(User.id).limit(limit).offset(offset))
    return UsersPublic(data=[UserPublic.model_validate(u) for u in rows], count=int(count or 0))


@router.post("", response_model=UserPublic, status_code=status.HTTP_201_CREATED)
async def create_user(session: SessionDep, _admin: AdminUser, user_in: UserCreate) -> UserPublic:
    """Add a user (admin only)."""
    try:
        user = await crud_create_user(session=session, user_create=user_in)
    except ValueError:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"Username {user_in.username!r} is already taken"
        ) from None
    await session.commit()
    return UserPublic.model_validate(user)


@router.patch("/{user_id}", response_model=UserPublic)
async def update_user(
    session: SessionDep, admin: AdminUser, user_id: RowId, user_in: UserUpdate
) -> UserPublic:
    """Change a user's role or disable them (admin only; not yourself, to keep an admin)."""
    user = await session.get(User, user_id)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"User {user_id} not found")
    if user.id == admin.id and (
        (user_in.role is not None and user_in.role != "admin") or user_in.is_active is False
    ):
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            "Admins must not demote or disable themselves; ask another admin",
        )
    await crud_update_user(session=session, user=user, user_update=user_in)
    await session.commit()
    return UserPublic.model_validate(user)
