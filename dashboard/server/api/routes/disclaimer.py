"""The disclaimer text, served from its single source so the web app never copies it."""

from fastapi import APIRouter

from dashboard.server.models import DisclaimerPublic
from host.disclaimer import DISCLAIMER, DISCLAIMER_MARKDOWN

__all__ = ["router"]

router = APIRouter(prefix="/disclaimer", tags=["disclaimer"])


@router.get("", response_model=DisclaimerPublic)
async def read_disclaimer() -> DisclaimerPublic:
    """The disclaimer as plain text and as Markdown."""
    return DisclaimerPublic(text=DISCLAIMER, markdown=DISCLAIMER_MARKDOWN)
