"""Serving the built web app on the API's port, without swallowing /api, /ws or /assets."""

import html
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import FileResponse, HTMLResponse, Response

from host.disclaimer import DISCLAIMER

__all__ = ["router", "RESERVED_PREFIXES"]

router = APIRouter(include_in_schema=False)

#: Paths that are never the single-page app: a miss there is a real 404.
RESERVED_PREFIXES = ("api", "assets", "ws", "docs", "redoc", "openapi.json")

_NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Quantum HFT: web app not built</title></head>
<body style="font-family: sans-serif; max-width: 46rem; margin: 2rem auto">
<p style="border: 2px solid #b45309; background: #fef3c7; padding: 1rem">
<strong>{disclaimer}</strong></p>
<h1>The dashboard's web app is not built yet</h1>
<p>The API is running (<a href="/api/health">/api/health</a>, <a href="/docs">/docs</a>), but
<code>{dist}</code> does not exist. Build it from the repository root with:</p>
<pre>make setup</pre>
<p>(or <code>cd dashboard/web &amp;&amp; npm ci &amp;&amp; npm run build</code>), then reload.</p>
</body></html>
"""


def _inside(root: Path, relative: str) -> Path | None:
    candidate = (root / relative).resolve()
    if candidate.is_file() and candidate.is_relative_to(root.resolve()):
        return candidate
    return None


@router.api_route("/{path:path}", methods=["GET", "HEAD"])
async def serve_spa(request: Request, path: str) -> Response:
    """A file of the built app, else its index.html (client-side routes)."""
    dist: Path = request.app.state.settings.WEB_DIST
    first = path.split("/", 1)[0]
    index = dist / "index.html"
    if first in RESERVED_PREFIXES:
        file = _inside(dist, path) if first == "assets" else None
        if file is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"Not found: /{path}")
        # Vite puts a content hash in every asset's name: safe to cache for good.
        return FileResponse(file, headers={"Cache-Control": "public, max-age=31536000, immutable"})
    if not index.is_file():
        return HTMLResponse(
            _NOT_BUILT.format(disclaimer=html.escape(DISCLAIMER), dist=html.escape(str(dist))),
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE if path == "" else 404,
        )
    file = _inside(dist, path) if path else None
    if file is not None:
        return FileResponse(file)
    return FileResponse(index, headers={"Cache-Control": "no-cache"})
