"""The shell's own pages: landing, health checks, API docs."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import text

from wegotwork.deps import ServicesDep
from wegotwork.identity.deps import OptionalAuth
from wegotwork.templating import static_url

router = APIRouter(include_in_schema=False)

DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'"
)


@router.get("/", response_class=HTMLResponse)
async def landing(request: Request, services: ServicesDep, auth: OptionalAuth) -> Response:
    return services.templates.render(request, "landing.html", {"auth": auth})


@router.get("/healthz")
async def healthz() -> Response:
    """The process is up and serving."""
    return JSONResponse({"status": "ok"})


@router.get("/readyz")
async def readyz(services: ServicesDep) -> Response:
    """The database answers; a load balancer sends traffic only when this says ready."""
    try:
        async with services.db.sessionmaker() as session:
            await session.execute(text("SELECT 1"))
    except Exception:
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ready", "database": "ok"})


@router.get("/docs", response_class=HTMLResponse)
async def docs() -> Response:
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>WeGotWork API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="{static_url("vendor/swagger-ui/swagger-ui.css")}"></head>
<body><div id="swagger-ui"></div>
<script src="{static_url("vendor/swagger-ui/swagger-ui-bundle.js")}"></script>
<script src="{static_url("js/docs.js")}"></script></body></html>"""
    return HTMLResponse(page, headers={"content-security-policy": DOCS_CSP})


@router.get("/robots.txt")
async def robots(services: ServicesDep) -> Response:
    body = (
        "User-agent: *\nAllow: /careers/\nDisallow: /dashboard/\nDisallow: /api/\n"
        "Disallow: /invite/\n"
        f"Sitemap: {services.settings.base_url}/sitemap.xml\n"
    )
    return Response(body, media_type="text/plain")
