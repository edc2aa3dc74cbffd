"""Every router of every face, in one list: the app includes them, the authorization matrix
test walks them."""

from __future__ import annotations

from fastapi import FastAPI

from wegotwork.applicants import api as applicants_api
from wegotwork.web import pages as shell_pages


def include_routers(app: FastAPI) -> None:
    app.include_router(shell_pages.router)
    app.include_router(applicants_api.router)
