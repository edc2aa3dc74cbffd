"""Every router of every face, in one list: the app includes them, the authorization matrix
test walks them."""

from __future__ import annotations

from fastapi import FastAPI

from wegotwork.careers import api as careers_api
from wegotwork.careers import pages as careers_pages
from wegotwork.categories import api as categories_api
from wegotwork.categories import pages as categories_pages
from wegotwork.jobs import api as jobs_api
from wegotwork.jobs import pages as jobs_pages
from wegotwork.web import pages as shell_pages


def include_routers(app: FastAPI) -> None:
    app.include_router(shell_pages.router)
    app.include_router(categories_api.router)
    app.include_router(categories_pages.router)
    app.include_router(jobs_api.router)
    app.include_router(jobs_pages.router)
    app.include_router(careers_api.router)
    app.include_router(careers_pages.router)
