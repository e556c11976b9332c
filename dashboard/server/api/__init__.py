"""The REST API: routers per resource under /api."""
