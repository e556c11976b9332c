"""Operator commands: what became of one."""

from fastapi import APIRouter, HTTPException, status

from dashboard.server.api.deps import CurrentUser, RowId, SessionDep
from dashboard.server.models import CommandPublic
from host.store.models import OperatorCommand

__all__ = ["router"]

router = APIRouter(prefix="/commands", tags=["commands"])


@router.get("/{command_id}", response_model=CommandPublic)
async def read_command(session: SessionDep, _user: CurrentUser, command_id: RowId) -> CommandPublic:
    """A command and its status (pending, done, failed) with the engine's result."""
    row = await session.get(OperatorCommand, command_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Command {command_id} not found")
    return CommandPublic.model_validate(row)
