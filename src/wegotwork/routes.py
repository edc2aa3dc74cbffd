"""Every router of every face, in one list: the app includes them, the authorization matrix
test walks them."""

from __future__ import annotations

from fastapi import FastAPI

from wegotwork.applicants import api as applicants_api
from wegotwork.applicants import notifications as applicant_notifications
from wegotwork.applicants import pages as applicants_pages
from wegotwork.applicants import public as applicants_public
from wegotwork.web import pages as shell_pages


def include_routers(app: FastAPI) -> None:
    app.include_router(shell_pages.router)
    app.include_router(applicants_api.router)
    app.include_router(applicants_pages.router)
    app.include_router(applicants_public.router)
    app.include_router(applicant_notifications.router)
