"""Every router of every face, in one list: the app includes them, the authorization matrix
test walks them."""

from __future__ import annotations

from fastapi import FastAPI

from wegotwork.auth import api as auth_api
from wegotwork.auth import pages as auth_pages
from wegotwork.auth import social as auth_social
from wegotwork.web import pages as shell_pages


def include_routers(app: FastAPI) -> None:
    app.include_router(shell_pages.router)
    app.include_router(auth_api.router)
    app.include_router(auth_social.router)
    app.include_router(auth_pages.router)
