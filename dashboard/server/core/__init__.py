"""Settings, security and other cross-cutting pieces of the dashboard server."""
