"""Every router of every face, in one list: the app includes them, the authorization matrix
test walks them."""

from __future__ import annotations

from fastapi import FastAPI

from wegotwork.analytics import api as analytics_api
from wegotwork.analytics import pages as analytics_pages
from wegotwork.applicants import api as applicants_api
from wegotwork.applicants import notifications as applicant_notifications
from wegotwork.applicants import pages as applicants_pages
from wegotwork.applicants import public as applicants_public
from wegotwork.auth import api as auth_api
from wegotwork.auth import pages as auth_pages
from wegotwork.auth import social as auth_social
from wegotwork.careers import api as careers_api
from wegotwork.careers import pages as careers_pages
from wegotwork.categories import api as categories_api
from wegotwork.categories import pages as categories_pages

# Application forms
from wegotwork.forms import api as forms_api
from wegotwork.forms import pages as forms_pages
from wegotwork.invitations import api as invitations_api
from wegotwork.invitations import auth_api as invitations_auth_api
from wegotwork.invitations import pages as invitations_pages
from wegotwork.jobs import api as jobs_api
from wegotwork.jobs import pages as jobs_pages
from wegotwork.messages import api as messages_api
from wegotwork.messages import pages as messages_pages
from wegotwork.onboarding import pages as onboarding_pages
from wegotwork.onboarding import workspace_pages as onboarding_workspace_pages
from wegotwork.organizations import api as organizations_api
from wegotwork.organizations import auth_api as organizations_auth_api
from wegotwork.organizations import media as organizations_media
from wegotwork.organizations import pages as organizations_pages
from wegotwork.organizations import team_pages as organizations_team_pages
from wegotwork.pipelines import api as pipelines_api
from wegotwork.pipelines import pages as pipelines_pages
from wegotwork.privacy import api as privacy_api
from wegotwork.privacy import pages as privacy_pages
from wegotwork.reviews import api as reviews_api
from wegotwork.reviews import pages as reviews_pages
from wegotwork.web import pages as shell_pages


def include_routers(app: FastAPI) -> None:
    # Routes are matched in order: what the whole internet hits (careers pages, the public API,
    # applying, the session check) comes first.
    app.include_router(careers_pages.router)
    app.include_router(careers_api.router)
    app.include_router(applicants_public.router)
    app.include_router(auth_api.router)
    app.include_router(shell_pages.router)
    app.include_router(organizations_api.router)
    app.include_router(invitations_api.organization_router)
    app.include_router(invitations_api.router)
    app.include_router(organizations_pages.router)
    app.include_router(onboarding_workspace_pages.router)
    app.include_router(organizations_team_pages.router)
    app.include_router(organizations_media.router)
    app.include_router(invitations_pages.router)
    app.include_router(auth_social.router)
    app.include_router(organizations_auth_api.router)
    app.include_router(invitations_auth_api.router)
    app.include_router(auth_pages.router)
    app.include_router(categories_api.router)
    app.include_router(categories_pages.router)
    app.include_router(jobs_api.router)
    app.include_router(jobs_pages.router)
    app.include_router(applicants_api.router)
    app.include_router(applicants_pages.router)
    app.include_router(pipelines_api.router)
    app.include_router(pipelines_pages.router)
    app.include_router(reviews_api.router)
    app.include_router(reviews_pages.router)
    app.include_router(applicant_notifications.router)
    app.include_router(onboarding_pages.router)
    app.include_router(analytics_api.router)
    app.include_router(analytics_pages.router)
    # Privacy (issue 22)
    app.include_router(privacy_api.router)
    app.include_router(privacy_pages.router)
    # Candidate communication
    app.include_router(messages_api.router)
    app.include_router(messages_pages.router)
    # Application forms
    app.include_router(forms_api.router)
    app.include_router(forms_pages.router)
