"""Jinja2 rendering for the HTML face: shared globals, asset URLs with content hashes, flash
messages, and htmx-aware partial rendering."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.background import BackgroundTask

from wegotwork import __version__
from wegotwork import cookies as signed
from wegotwork.settings import Settings

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"
FLASH_COOKIE = "wegotwork.flash"


@cache
def asset_hash(path: str) -> str:
    """The first 10 hex digits of a static file's SHA-256, for cache-busting URLs."""
    file = STATIC_DIR / path
    try:
        return hashlib.sha256(file.read_bytes()).hexdigest()[:10]
    except OSError:
        return __version__


def static_url(path: str) -> str:
    return f"/static/{path}?v={asset_hash(path)}"


def _date(value: datetime | None, fmt: str = "%b %-d, %Y") -> str:
    return value.strftime(fmt) if value else ""


def _iso(value: datetime | None) -> str:
    return value.isoformat().replace("+00:00", "Z") if value else ""


class Templates:
    def __init__(self, settings: Settings, secret: str) -> None:
        self.settings = settings
        self.secret = secret
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES_DIR),
            autoescape=select_autoescape(enabled_extensions=("html", "xml"), default=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=not settings.is_production,
        )
        self.env.globals.update(
            static_url=static_url,
            app_name="WeGotWork",
            base_url=settings.base_url,
            version=__version__,
        )
        self.env.filters["date"] = _date
        self.env.filters["iso"] = _iso

    def render_string(self, name: str, context: Mapping[str, Any]) -> str:
        return self.env.get_template(name).render(context)

    def render(
        self,
        request: Request,
        name: str,
        context: Mapping[str, Any] | None = None,
        *,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        background: BackgroundTask | None = None,
    ) -> HTMLResponse:
        """Render a page. Flash messages left by the previous response are shown once."""
        flashes = self.read_flashes(request)
        full: dict[str, Any] = {
            "request": request,
            "flashes": flashes,
            "auth": getattr(request.state, "auth", None),
            "htmx": request.headers.get("hx-request") == "true",
        }
        if context:
            full.update(context)
        response = HTMLResponse(
            self.render_string(name, full),
            status_code=status_code,
            headers=dict(headers or {}),
            background=background,
        )
        if flashes:
            response.delete_cookie(FLASH_COOKIE, path="/")
        return response

    def read_flashes(self, request: Request) -> list[dict[str, str]]:
        raw = request.cookies.get(FLASH_COOKIE)
        if not raw:
            return []
        value = signed.unsign(raw, self.secret)
        if value is None:
            return []
        try:
            decoded = json.loads(value)
        except ValueError:
            return []
        if not isinstance(decoded, list):
            return []
        return [item for item in decoded if isinstance(item, dict)][:5]

    def flash(self, response: Any, message: str, kind: str = "success") -> None:
        """Show ``message`` on the next page this browser renders (after a redirect)."""
        payload = json.dumps([{"message": message, "kind": kind}], separators=(",", ":"))
        response.set_cookie(
            FLASH_COOKIE,
            signed.sign(payload, self.secret),
            max_age=60,
            path="/",
            httponly=True,
            samesite="lax",
            secure=self.settings.secure_cookies,
        )
