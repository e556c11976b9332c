"""The dashboard server: FastAPI REST API, WebSocket feed and the built web app."""

from dashboard.server.core.config import Settings
from dashboard.server.main import create_app

__all__ = ["create_app", "Settings"]
