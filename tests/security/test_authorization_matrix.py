"""The authorization matrix: every route of every face, discovered from the router, tried by every
kind of caller (signed out, a member of another organization, member, admin, owner) on the same
starting state. Each cell asserts the status; a refused request must have changed nothing.

A route missing from TABLE (or a TABLE entry without a route) fails the test: a new route has to
be placed in the matrix before it can ship. The rows of routes behind the guard are checked
against the permission table (``tenancy/permissions.py``) for the permission each guard asks for.

Each cell runs inside a savepoint that is rolled back, so every caller meets the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from tests.applicants.helpers import PDF, pdf_bytes
from tests.factories import PASSWORD
from tests.fixtures.world import CALLERS, World
from tests.organizations.helpers import png
from tests.routes import api_routes, endpoints
from tests.security import stats
from tests.security.targets import (
    Request,
    Snapshot,
    Targets,
    call,
    client_for,
    ended_session,
    refused,
    replay_client,
)
from wegotwork.deps import Services
from wegotwork.models import Role
from wegotwork.tenancy.guard import GUARDS
from wegotwork.tenancy.permissions import Permission, has_permission

# Statuses per caller, in CALLERS order: anonymous, outsider, member, admin, owner.
Row = tuple[int, int, int, int, int]


@dataclass(frozen=True)
class Cell(Request):
    expected: Row
    writers: str = ""
    # Callers a guarded route refuses (403) for a reason beyond their role: a note only its
    # author may edit. The targets arrange who the author is, so the row stays fixed.
    beyond_role: str = ""


def same(status: int) -> Row:
    return (status, status, status, status, status)


# Rows shared by many routes. Signed out, a page redirects to sign-in (303) and the API answers
# 401; organization A's routes answer another organization's member 404 (its existence is not
# disclosed); the team's forms redirect back with a message (303), also when refusing a member.
PUBLIC = same(200)
SIGNED_IN_PAGE = (303, 200, 200, 200, 200)
SIGNED_IN_API = (401, 200, 200, 200, 200)
TEAM_PAGE = (303, 404, 200, 200, 200)
TEAM_API = (401, 404, 200, 200, 200)
TEAM_FORM = (303, 404, 303, 303, 303)

# Who may change the database through a route (everyone else must leave it exactly as it was).
ANYONE = "anonymous outsider member admin owner"
SIGNED_IN = "outsider member admin owner"
TEAM = "member admin owner"
MANAGERS = "admin owner"
OWNER = "owner"

LOGO = {"logo": ("logo.png", png(), "image/png")}
ORG_A = "{orgId}"

TABLE: dict[str, Cell] = {
    # Public pages and feeds: the same for everyone.
    "GET /": Cell(PUBLIC),
    "GET /healthz": Cell(PUBLIC),
    "GET /readyz": Cell(PUBLIC),
    "GET /docs": Cell(PUBLIC),
    "GET /robots.txt": Cell(PUBLIC),
    "GET /sitemap.xml": Cell(PUBLIC),
    "GET /careers/{slug}": Cell(PUBLIC),
    "GET /careers/{slug}/feed.xml": Cell(PUBLIC),
    "GET /careers/{slug}/jobs.xml": Cell(PUBLIC),
    # Without ?org= the query form of the feed names no organization.
    "GET /jobs.xml": Cell(same(404)),
    "GET /careers/{slug}/jobs/{job_id}": Cell(PUBLIC),
    "GET /careers/{slug}/jobs/{jobId}/applied": Cell(PUBLIC),
    "POST /careers/{slug}/jobs/{jobId}/apply": Cell(
        same(303),
        writers=ANYONE,
        form={"name": "Ada Lovelace", "email": "ada@example.com", "renderedAt": "{renderedAt}"},
        files={"resume": ("cv.pdf", pdf_bytes(), PDF)},
    ),
    "GET /media/logos/{orgId}/{name}": Cell(same(404)),
    "GET /api/v1/public/organizations/{slug}": Cell(PUBLIC),
    "GET /api/v1/public/jobs/{jobId}": Cell(PUBLIC),
    "POST /api/v1/public/jobs/{jobId}/applications": Cell(
        same(201),
        writers=ANYONE,
        form={"name": "Ada Lovelace", "email": "ada@example.com"},
        files={"resume": ("cv.pdf", pdf_bytes(), PDF)},
    ),
    # Sign-up, sign-in and the account pages.
    "GET /sign-in": Cell((200, 303, 303, 303, 303)),
    "POST /sign-in": Cell(
        same(422), form={"email": "nobody@example.com", "password": "wrong password"}
    ),
    "GET /sign-up": Cell((200, 303, 303, 303, 303)),
    "POST /sign-up": Cell(
        same(303),
        writers=ANYONE,
        form={
            "name": "New Person",
            "email": "new.person@example.com",
            "password": "a long enough password",
        },
    ),
    "POST /sign-in/social/{provider_id}": Cell(same(404)),
    "POST /sign-out": Cell(same(303), writers=SIGNED_IN),
    "GET /forgot-password": Cell(PUBLIC),
    "POST /forgot-password": Cell(PUBLIC, form={"email": "nobody@example.com"}),
    "GET /reset-password": Cell(PUBLIC),
    "POST /reset-password": Cell(
        same(422), form={"token": "{token}", "password": "a long enough password"}
    ),
    "GET /verify-email": Cell(PUBLIC),
    "POST /verify-email": Cell(same(303), form={"email": "nobody@example.com"}),
    "GET /account": Cell(SIGNED_IN_PAGE),
    "POST /account/profile": Cell(same(303), writers=SIGNED_IN, form={"name": "Renamed Person"}),
    "POST /account/password": Cell(
        same(303),
        writers=SIGNED_IN,
        form={"currentPassword": PASSWORD, "newPassword": "another long password"},
    ),
    "POST /account/sessions/{session_id}/revoke": Cell(same(303), writers="member"),
    "POST /account/sessions/revoke-others": Cell(same(303), writers="member"),
    "POST /account/email": Cell(
        same(303), writers=SIGNED_IN, form={"newEmail": "moved@example.com"}
    ),
    # The owner is organization A's last owner, with other members: refused (422, the form
    # again). The outsider is organization B's only member: it goes with the account.
    "POST /account/delete": Cell(
        (303, 303, 303, 303, 422), writers="outsider member admin", form={"password": PASSWORD}
    ),
    "GET /account/notifications": Cell(SIGNED_IN_PAGE),
    "POST /account/notifications": Cell(same(303), writers=SIGNED_IN, form={}),
    # Organizations: onboarding, dashboard, settings, team.
    "GET /onboarding": Cell(SIGNED_IN_PAGE),
    "POST /onboarding": Cell(same(303), writers=SIGNED_IN, form={"name": "Fresh Org"}),
    "GET /onboarding/slug-check": Cell(SIGNED_IN_PAGE, query="slug=fresh-org"),
    "GET /dashboard": Cell(same(303)),
    "GET /dashboard/{slug}": Cell(TEAM_PAGE),
    "POST /dashboard/{slug}/activate": Cell(TEAM_FORM, writers=TEAM, form={}),
    "POST /dashboard/{slug}/checklist/categories": Cell(TEAM_FORM, writers=TEAM, form={}),
    "POST /dashboard/{slug}/checklist/careers": Cell(TEAM_FORM, writers=TEAM, form={}),
    "POST /dashboard/{slug}/checklist/dismiss": Cell(TEAM_FORM, writers=TEAM, form={}),
    "GET /dashboard/{slug}/settings": Cell((303, 404, 403, 200, 200)),
    "POST /dashboard/{slug}/settings": Cell(
        (303, 404, 403, 303, 303), writers=MANAGERS, form={"name": "Renamed", "slug": "{slug}"}
    ),
    "POST /dashboard/{slug}/settings/logo": Cell(
        (303, 404, 403, 303, 303), writers=MANAGERS, files=LOGO
    ),
    "POST /dashboard/{slug}/settings/logo/remove": Cell((303, 404, 403, 303, 303), form={}),
    "POST /dashboard/{slug}/settings/delete": Cell(
        (303, 404, 403, 403, 303), writers=OWNER, form={"confirm": "{slug}"}
    ),
    "GET /dashboard/{slug}/team": Cell(TEAM_PAGE),
    "POST /dashboard/{slug}/team/members/{memberId}/role": Cell(
        TEAM_FORM, writers=MANAGERS, form={"role": "admin"}
    ),
    "POST /dashboard/{slug}/team/members/{memberId}/remove": Cell(
        TEAM_FORM, writers=MANAGERS, form={}
    ),
    "POST /dashboard/{slug}/team/leave": Cell(TEAM_FORM, writers="member admin", form={}),
    "POST /dashboard/{slug}/team/invitations": Cell(
        (303, 404, 403, 303, 303),
        writers=MANAGERS,
        form={"email": "new@example.com", "role": "member"},
    ),
    "POST /dashboard/{slug}/team/invitations/{invitationId}/resend": Cell(
        TEAM_FORM, writers=MANAGERS, form={}
    ),
    "POST /dashboard/{slug}/team/invitations/{invitationId}/cancel": Cell(
        TEAM_FORM, writers=MANAGERS, form={}
    ),
    "GET /invite/{invitationId}": Cell(PUBLIC),
    "GET /invite/{invitationId}/accept": Cell(same(303)),
    "POST /invite/{invitationId}/accept": Cell((303, 403, 403, 403, 403), form={}),
    "GET /invite/{invitationId}/decline": Cell(same(303)),
    "POST /invite/{invitationId}/decline": Cell((303, 403, 403, 403, 403), form={}),
    # Categories, jobs, applicants pages.
    "GET /dashboard/{slug}/categories": Cell(TEAM_PAGE),
    "POST /dashboard/{slug}/categories": Cell(TEAM_FORM, writers=TEAM, form={"name": "Brand New"}),
    "POST /dashboard/{slug}/categories/order": Cell(
        TEAM_FORM, writers=TEAM, form={"ids": ["{allCategoryIds}"]}
    ),
    "POST /dashboard/{slug}/categories/{category_id}": Cell(
        TEAM_FORM, writers=TEAM, form={"name": "Renamed"}
    ),
    "POST /dashboard/{slug}/categories/{category_id}/move": Cell(
        TEAM_FORM, writers=TEAM, form={"direction": "up"}
    ),
    "GET /dashboard/{slug}/categories/{category_id}/delete": Cell(TEAM_PAGE),
    "POST /dashboard/{slug}/categories/{category_id}/delete": Cell(
        TEAM_FORM, writers=TEAM, form={}
    ),
    "GET /dashboard/{slug}/jobs": Cell(TEAM_PAGE),
    "POST /dashboard/{slug}/jobs": Cell(
        TEAM_FORM, writers=TEAM, form={"title": "New Job", "type": "fulltime", "status": "draft"}
    ),
    "GET /dashboard/{slug}/jobs/{job_id}": Cell(TEAM_PAGE),
    "POST /dashboard/{slug}/jobs/{job_id}": Cell(
        TEAM_FORM,
        writers=TEAM,
        form={"title": "Renamed Job", "type": "fulltime", "status": "draft", "description": ""},
    ),
    # Publishing the (already published) target job changes nothing: it stays as it was.
    "POST /dashboard/{slug}/jobs/{job_id}/publish": Cell(TEAM_FORM, form={}),
    "POST /dashboard/{slug}/jobs/{job_id}/preview": Cell(TEAM_PAGE, form={"description": "*hi*"}),
    "POST /dashboard/{slug}/jobs/{job_id}/duplicate": Cell(TEAM_FORM, writers=TEAM),
    "GET /dashboard/{slug}/analytics": Cell(TEAM_PAGE),
    "POST /dashboard/{slug}/analytics/sources": Cell(
        TEAM_FORM, writers=TEAM, form={"name": "LinkedIn"}
    ),
    "POST /dashboard/{slug}/jobs/{job_id}/delete": Cell(
        TEAM_FORM, writers=TEAM, form={"confirm": "{jobTitle}"}
    ),
    "GET /dashboard/{slug}/jobs/{jobId}/applicants": Cell(TEAM_PAGE),
    "GET /dashboard/{slug}/applicants": Cell(TEAM_PAGE),
    "GET /dashboard/{slug}/applicants/export.csv": Cell(TEAM_PAGE),
    # The list's bulk bar: done, back to the list (303); an outsider meets 404.
    "POST /dashboard/{slug}/applicants/bulk": Cell(
        TEAM_FORM,
        writers=TEAM,
        form={"applicantIds": "{applicantId}", "action": "reject", "reasonId": "{reasonId}"},
    ),
    "GET /dashboard/{slug}/board": Cell(TEAM_PAGE),
    "GET /dashboard/{slug}/applicants/{applicantId}": Cell(TEAM_PAGE),
    "GET /dashboard/{slug}/pipelines": Cell(TEAM_PAGE),
    "POST /dashboard/{slug}/pipelines": Cell(
        (303, 404, 403, 303, 303), writers=MANAGERS, form={"name": "Hiring", "template": "agency"}
    ),
    "POST /dashboard/{slug}/pipelines/{pipelineId}": Cell(
        (303, 404, 403, 303, 303), writers=MANAGERS, form={"action": "rename", "name": "Renamed"}
    ),
    "GET /dashboard/{slug}/board/more": Cell(TEAM_PAGE, query="job={jobId}&stage={stageId}"),
    "POST /dashboard/{slug}/applicants/{applicantId}/status": Cell(
        TEAM_FORM, writers=TEAM, form={"status": "INTERVIEW"}
    ),
    "POST /dashboard/{slug}/applicants/{applicantId}/erase": Cell(
        TEAM_FORM, writers=TEAM, form={"confirm": "{applicantName}"}
    ),
    "GET /dashboard/{slug}/applicants/{applicantId}/resume": Cell(TEAM_PAGE),
    "POST /dashboard/{slug}/applicants/{applicantId}/notes": Cell(
        TEAM_FORM, writers=TEAM, form={"body": "Hello team"}
    ),
    # The targets' note is the admin's: the member is sent back with a message.
    "POST /dashboard/{slug}/notes/{noteId}": Cell(
        TEAM_FORM,
        writers="admin",
        beyond_role="member owner",
        form={"applicant": "{applicantId}", "body": "Edited by the matrix"},
    ),
    "POST /dashboard/{slug}/notes/{noteId}/delete": Cell(
        TEAM_FORM, writers=MANAGERS, form={"applicant": "{applicantId}"}
    ),
    "POST /dashboard/{slug}/applicants/{applicantId}/scorecards/{stageId}": Cell(
        TEAM_FORM, writers=TEAM, form={"recommendation": "yes"}
    ),
    "GET /dashboard/{slug}/notifications": Cell(TEAM_PAGE),
    "GET /dashboard/{slug}/notifications/menu": Cell(TEAM_PAGE),
    "POST /dashboard/{slug}/stages/{stageId}/scorecard": Cell(
        (303, 404, 403, 303, 303), writers=MANAGERS, form={"attributes": "Python: tested code"}
    ),
    "POST /dashboard/{slug}/notifications/read": Cell(TEAM_FORM, writers="member", form={}),
    # The JSON API.
    "GET /api/v1/organizations": Cell(SIGNED_IN_API),
    "POST /api/v1/organizations": Cell(
        (401, 201, 201, 201, 201), writers=SIGNED_IN, json={"name": "Fresh Org"}
    ),
    "GET /api/v1/organizations/{orgId}": Cell(TEAM_API),
    "PATCH /api/v1/organizations/{orgId}": Cell(
        (401, 404, 403, 200, 200), writers=MANAGERS, json={"name": "Renamed"}
    ),
    "DELETE /api/v1/organizations/{orgId}": Cell((401, 404, 403, 403, 200), writers=OWNER),
    "POST /api/v1/organizations/{orgId}/activate": Cell(TEAM_API, writers=TEAM),
    "PUT /api/v1/organizations/{orgId}/logo": Cell(
        (401, 404, 403, 200, 200), writers=MANAGERS, files=LOGO
    ),
    "DELETE /api/v1/organizations/{orgId}/logo": Cell((401, 404, 403, 200, 200)),
    "GET /api/v1/organizations/{orgId}/members": Cell(TEAM_API),
    "PATCH /api/v1/organizations/{orgId}/members/{memberId}": Cell(
        (401, 404, 403, 200, 200), writers=MANAGERS, json={"role": "admin"}
    ),
    "DELETE /api/v1/organizations/{orgId}/members/{memberId}": Cell(
        (401, 404, 403, 200, 200), writers=MANAGERS
    ),
    "POST /api/v1/organizations/{orgId}/leave": Cell(
        (401, 404, 200, 200, 409), writers="member admin"
    ),
    "GET /api/v1/organizations/{orgId}/invitations": Cell((401, 404, 403, 200, 200)),
    "POST /api/v1/organizations/{orgId}/invitations": Cell(
        (401, 404, 403, 201, 201), writers=MANAGERS, json={"email": "new@example.com"}
    ),
    "POST /api/v1/organizations/{orgId}/invitations/{invitationId}/resend": Cell(
        (401, 404, 403, 200, 200), writers=MANAGERS
    ),
    "DELETE /api/v1/organizations/{orgId}/invitations/{invitationId}": Cell(
        (401, 404, 403, 200, 200), writers=MANAGERS
    ),
    "GET /api/v1/invitations/{invitationId}": Cell(PUBLIC),
    "POST /api/v1/invitations/{invitationId}/accept": Cell((401, 403, 403, 403, 403)),
    "POST /api/v1/invitations/{invitationId}/reject": Cell((401, 403, 403, 403, 403)),
    "GET /api/v1/organizations/{orgId}/categories": Cell(TEAM_API),
    "POST /api/v1/organizations/{orgId}/categories": Cell(
        (401, 404, 201, 201, 201), writers=TEAM, json={"name": "Brand New"}
    ),
    "PUT /api/v1/organizations/{orgId}/categories/order": Cell(
        TEAM_API, writers=TEAM, json={"ids": ["{allCategoryIds}"]}
    ),
    "PATCH /api/v1/organizations/{orgId}/categories/{categoryId}": Cell(
        TEAM_API, writers=TEAM, json={"name": "Renamed"}
    ),
    "DELETE /api/v1/organizations/{orgId}/categories/{categoryId}": Cell(TEAM_API, writers=TEAM),
    "GET /api/v1/organizations/{orgId}/jobs": Cell(TEAM_API),
    "POST /api/v1/organizations/{orgId}/jobs": Cell(
        (401, 404, 201, 201, 201), writers=TEAM, json={"title": "New Job"}
    ),
    "GET /api/v1/jobs/{jobId}": Cell(TEAM_API),
    "PATCH /api/v1/jobs/{jobId}": Cell(TEAM_API, writers=TEAM, json={"title": "Renamed Job"}),
    "DELETE /api/v1/jobs/{jobId}": Cell(TEAM_API, writers=TEAM),
    "POST /api/v1/jobs/{jobId}/duplicate": Cell((401, 404, 201, 201, 201), writers=TEAM),
    "GET /api/v1/organizations/{orgId}/sources": Cell(TEAM_API),
    "POST /api/v1/organizations/{orgId}/sources": Cell(
        (401, 404, 201, 201, 201), writers=TEAM, json={"name": "LinkedIn"}
    ),
    "GET /api/v1/organizations/{orgId}/analytics": Cell(TEAM_API),
    "GET /api/v1/jobs/{jobId}/applicants": Cell(TEAM_API),
    "GET /api/v1/organizations/{orgId}/applicants": Cell(TEAM_API),
    "GET /api/v1/applicants/{applicantId}": Cell(TEAM_API),
    "PATCH /api/v1/applicants/{applicantId}": Cell(
        TEAM_API, writers=TEAM, json={"status": "INTERVIEW"}
    ),
    "DELETE /api/v1/applicants/{applicantId}": Cell(TEAM_API, writers=TEAM),
    "GET /api/v1/applicants/{applicantId}/resume": Cell(TEAM_API),
    "GET /api/v1/applicants/{applicantId}/activity": Cell(TEAM_API),
    "GET /api/v1/jobs/{jobId}/pipeline": Cell(TEAM_API),
    "GET /api/v1/organizations/{orgId}/pipelines": Cell(TEAM_API),
    "POST /api/v1/organizations/{orgId}/pipelines": Cell(
        (401, 404, 403, 201, 201), writers=MANAGERS, json={"name": "Matrix", "template": "senior"}
    ),
    # A spare pipeline no job uses, so that deleting it is allowed.
    "GET /api/v1/pipelines/{pipelineId}": Cell(TEAM_API),
    "PATCH /api/v1/pipelines/{pipelineId}": Cell(
        (401, 404, 403, 200, 200), writers=MANAGERS, json={"name": "Renamed pipeline"}
    ),
    "DELETE /api/v1/pipelines/{pipelineId}": Cell((401, 404, 403, 200, 200), writers=MANAGERS),
    # Team review. The targets' note is the admin's and mentions the member, who so has the
    # one unread notification.
    "GET /api/v1/applicants/{applicantId}/notes": Cell(TEAM_API),
    "POST /api/v1/applicants/{applicantId}/notes": Cell(
        (401, 404, 201, 201, 201), writers=TEAM, json={"body": "Looks *promising*"}
    ),
    "PATCH /api/v1/notes/{noteId}": Cell(
        (401, 404, 403, 200, 403),
        writers="admin",
        beyond_role="member owner",
        json={"body": "Edited"},
    ),
    "DELETE /api/v1/notes/{noteId}": Cell(
        (401, 404, 403, 200, 200), writers=MANAGERS, beyond_role="member"
    ),
    "GET /api/v1/notifications": Cell(SIGNED_IN_API),
    "POST /api/v1/notifications/read": Cell(SIGNED_IN_API, writers="member", json={}),
    "PUT /api/v1/stages/{stageId}/scorecard": Cell(
        (401, 404, 403, 200, 200), writers=MANAGERS, json={"attributes": [{"name": "Python"}]}
    ),
    "GET /api/v1/applicants/{applicantId}/scorecards": Cell(TEAM_API),
    "PUT /api/v1/applicants/{applicantId}/scorecards/{stageId}": Cell(
        TEAM_API, writers=TEAM, json={"recommendation": "yes"}
    ),
    # Better Auth's protocol.
    "GET /api/auth/ok": Cell(PUBLIC),
    "GET /api/auth/error": Cell(PUBLIC),
    "POST /api/auth/sign-up/email": Cell(
        PUBLIC,
        writers=ANYONE,
        json={
            "name": "New Person",
            "email": "new.person@example.com",
            "password": "a long enough password",
        },
    ),
    "POST /api/auth/sign-in/email": Cell(
        same(401), json={"email": "nobody@example.com", "password": "wrong password"}
    ),
    "POST /api/auth/sign-out": Cell(PUBLIC, json={}),
    "GET /api/auth/get-session": Cell(PUBLIC),
    "POST /api/auth/get-session": Cell(same(405), json={}),
    "GET /api/auth/list-sessions": Cell(SIGNED_IN_API),
    "POST /api/auth/revoke-session": Cell(
        SIGNED_IN_API, writers="member", json={"token": "{memberToken}"}
    ),
    "POST /api/auth/revoke-sessions": Cell(SIGNED_IN_API, writers=SIGNED_IN, json={}),
    "POST /api/auth/revoke-other-sessions": Cell(SIGNED_IN_API, writers="member", json={}),
    "POST /api/auth/update-user": Cell(
        SIGNED_IN_API, writers=SIGNED_IN, json={"name": "Renamed Person"}
    ),
    "POST /api/auth/change-password": Cell(
        SIGNED_IN_API,
        writers=SIGNED_IN,
        json={"currentPassword": PASSWORD, "newPassword": "another long password"},
    ),
    "POST /api/auth/change-email": Cell(
        SIGNED_IN_API, writers=SIGNED_IN, json={"newEmail": "moved@example.com"}
    ),
    "POST /api/auth/delete-user": Cell(
        (401, 200, 200, 200, 400), writers="outsider member admin", json={"password": PASSWORD}
    ),
    "POST /api/auth/request-password-reset": Cell(PUBLIC, json={"email": "nobody@example.com"}),
    "GET /api/auth/reset-password/{token}": Cell(same(302), query="callbackURL=/reset-password"),
    "POST /api/auth/reset-password": Cell(
        same(400), json={"token": "{token}", "newPassword": "a long enough password"}
    ),
    "POST /api/auth/send-verification-email": Cell(
        (200, 400, 400, 400, 400), json={"email": "nobody@example.com"}
    ),
    "GET /api/auth/verify-email": Cell(same(401), query="token={token}"),
    "POST /api/auth/sign-in/social": Cell(same(404), json={"provider": "github"}),
    "GET /api/auth/callback/{provider_id}": Cell(same(302)),
    "POST /api/auth/callback/{provider_id}": Cell(same(302), form={}),
    "POST /api/auth/organization/create": Cell(
        SIGNED_IN_API, writers=SIGNED_IN, json={"name": "Fresh Org", "slug": "fresh-org"}
    ),
    "POST /api/auth/organization/check-slug": Cell(SIGNED_IN_API, json={"slug": "fresh-org"}),
    "POST /api/auth/organization/update": Cell(
        (401, 400, 403, 200, 200),
        writers=MANAGERS,
        json={"organizationId": ORG_A, "data": {"name": "Renamed"}},
    ),
    "POST /api/auth/organization/delete": Cell(
        (401, 400, 403, 403, 200), writers=OWNER, json={"organizationId": ORG_A}
    ),
    "GET /api/auth/organization/list": Cell(SIGNED_IN_API),
    "POST /api/auth/organization/set-active": Cell(
        (401, 403, 200, 200, 200), writers=TEAM, json={"organizationId": ORG_A}
    ),
    "GET /api/auth/organization/get-organization": Cell(
        (401, 403, 200, 200, 200), query="organizationId={orgId}"
    ),
    "GET /api/auth/organization/get-full-organization": Cell(
        (401, 403, 200, 200, 200), query="organizationId={orgId}"
    ),
    "GET /api/auth/organization/list-members": Cell(
        (401, 403, 200, 200, 200), query="organizationId={orgId}"
    ),
    "GET /api/auth/organization/get-active-member": Cell((401, 400, 400, 400, 400)),
    "GET /api/auth/organization/get-active-member-role": Cell(
        (401, 403, 200, 200, 200), query="organizationId={orgId}"
    ),
    "POST /api/auth/organization/update-member-role": Cell(
        (401, 400, 403, 200, 200),
        writers=MANAGERS,
        json={"organizationId": ORG_A, "memberId": "{memberId}", "role": "admin"},
    ),
    "POST /api/auth/organization/remove-member": Cell(
        (401, 400, 401, 200, 200),
        writers=MANAGERS,
        json={"organizationId": ORG_A, "memberIdOrEmail": "{memberId}"},
    ),
    "POST /api/auth/organization/leave": Cell(
        (401, 400, 200, 200, 400), writers="member admin", json={"organizationId": ORG_A}
    ),
    "POST /api/auth/organization/has-permission": Cell(
        (401, 401, 200, 200, 200),
        json={"organizationId": ORG_A, "permissions": {"member": ["create"]}},
    ),
    "POST /api/auth/organization/invite-member": Cell(
        (401, 400, 403, 200, 200),
        writers=MANAGERS,
        json={"organizationId": ORG_A, "email": "new@example.com", "role": "member"},
    ),
    "POST /api/auth/organization/cancel-invitation": Cell(
        (401, 400, 403, 200, 200), writers=MANAGERS, json={"invitationId": "{invitationId}"}
    ),
    "POST /api/auth/organization/accept-invitation": Cell(
        (401, 403, 403, 403, 403), json={"invitationId": "{invitationId}"}
    ),
    "POST /api/auth/organization/reject-invitation": Cell(
        (401, 403, 403, 403, 403), json={"invitationId": "{invitationId}"}
    ),
    "GET /api/auth/organization/get-invitation": Cell(
        (401, 403, 403, 403, 403), query="id={invitationId}"
    ),
    "GET /api/auth/organization/list-invitations": Cell(
        (401, 403, 403, 200, 200), query="organizationId={orgId}"
    ),
    "GET /api/auth/organization/list-user-invitations": Cell((400, 200, 200, 200, 200)),
    # Candidate communication. The targets' applicant has a status link with a pending "delete
    # my data" confirmation, an unused "download my data" link and a message scheduled for
    # tomorrow; the status pages are the candidate's, public to whoever holds the token.
    "GET /api/v1/organizations/{orgId}/email-templates": Cell(TEAM_API),
    "POST /api/v1/organizations/{orgId}/email-templates": Cell(
        (401, 404, 403, 201, 201),
        writers=MANAGERS,
        json={"name": "Matrix", "subject": "About {{job.title}}", "body": "Hi {{candidate.name}}"},
    ),
    "GET /api/v1/email-templates/{templateId}": Cell(TEAM_API),
    "PATCH /api/v1/email-templates/{templateId}": Cell(
        (401, 404, 403, 200, 200), writers=MANAGERS, json={"name": "Renamed template"}
    ),
    "DELETE /api/v1/email-templates/{templateId}": Cell(
        (401, 404, 403, 200, 200), writers=MANAGERS
    ),
    "GET /api/v1/email-templates/{templateId}/preview": Cell(
        TEAM_API, query="applicantId={applicantId}"
    ),
    "GET /api/v1/organizations/{orgId}/rejection-reasons": Cell(TEAM_API),
    "POST /api/v1/organizations/{orgId}/rejection-reasons": Cell(
        (401, 404, 403, 201, 201), writers=MANAGERS, json={"name": "Matrix reason"}
    ),
    "GET /api/v1/applicants/{applicantId}/messages": Cell(TEAM_API),
    "POST /api/v1/applicants/{applicantId}/messages": Cell(
        (401, 404, 201, 201, 201), writers=TEAM, json={"subject": "Hello", "body": "Hi there"}
    ),
    "POST /api/v1/messages/{messageId}/cancel": Cell(TEAM_API, writers=TEAM),
    "POST /api/v1/applicants/{applicantId}/reject": Cell(
        TEAM_API, writers=TEAM, json={"reasonId": "{reasonId}", "templateId": "{templateId}"}
    ),
    "POST /api/v1/applicants/bulk": Cell(
        TEAM_API,
        writers=TEAM,
        query="orgId={orgId}",
        json={"applicantIds": ["{applicantId}"], "action": "reject", "reasonId": "{reasonId}"},
    ),
    "GET /api/v1/organizations/{orgId}/overdue": Cell(TEAM_API),
    "GET /api/v1/organizations/{orgId}/communication-settings": Cell(TEAM_API),
    "PATCH /api/v1/organizations/{orgId}/communication-settings": Cell(
        (401, 404, 403, 200, 200), writers=MANAGERS, json={"replyWithinDays": 10}
    ),
    "GET /status/{statusToken}": Cell(PUBLIC),
    "POST /status/{statusToken}/withdraw": Cell(same(303), writers=ANYONE, form={}),
    "POST /status/{statusToken}/delete": Cell(same(303), writers=ANYONE, form={}),
    "GET /status/erase/{eraseToken}": Cell(PUBLIC),
    "POST /status/erase/{eraseToken}": Cell(PUBLIC, writers=ANYONE, form={}),
    "POST /status/{statusToken}/export": Cell(same(303), writers=ANYONE, form={}),
    "GET /status/export/{exportToken}": Cell(PUBLIC),
    # The download uses the link up and audits the export.
    "POST /status/export/{exportToken}": Cell(PUBLIC, writers=ANYONE, form={}),
    "GET /dashboard/{slug}/applicants/{applicantId}/messages": Cell(TEAM_PAGE),
    "POST /dashboard/{slug}/applicants/{applicantId}/messages": Cell(
        TEAM_FORM, writers=TEAM, form={"subject": "Hello", "body": "Hi there", "when": "now"}
    ),
    "POST /dashboard/{slug}/applicants/{applicantId}/reject": Cell(
        TEAM_FORM, writers=TEAM, form={"reasonId": "{reasonId}", "when": "morning"}
    ),
    "POST /dashboard/{slug}/messages/{messageId}/cancel": Cell(TEAM_FORM, writers=TEAM),
    "GET /dashboard/{slug}/overdue": Cell(TEAM_PAGE),
    "POST /dashboard/{slug}/overdue/answer": Cell(
        TEAM_FORM, writers=TEAM, form={"applicantIds": "{applicantId}", "reasonId": "{reasonId}"}
    ),
    # The communication page: members read it, admins change templates, reasons and the reply
    # promise (the targets' template is the rejection one, which may be deleted).
    "GET /dashboard/{slug}/communication": Cell(TEAM_PAGE),
    "POST /dashboard/{slug}/communication/templates": Cell(
        (303, 404, 403, 303, 303),
        writers=MANAGERS,
        form={
            "name": "Matrix",
            "kind": "other",
            "subject": "About {{job.title}}",
            "body": "Hi {{candidate.name}}",
        },
    ),
    "GET /dashboard/{slug}/communication/templates/{templateId}": Cell(
        TEAM_PAGE, query="applicantId={applicantId}"
    ),
    "POST /dashboard/{slug}/communication/templates/{templateId}": Cell(
        (303, 404, 403, 303, 303),
        writers=MANAGERS,
        form={"name": "Renamed", "kind": "rejection", "subject": "Hi", "body": "Hello"},
    ),
    "POST /dashboard/{slug}/communication/templates/{templateId}/delete": Cell(
        (303, 404, 403, 303, 303), writers=MANAGERS, form={}
    ),
    "POST /dashboard/{slug}/communication/reasons": Cell(
        (303, 404, 403, 303, 303), writers=MANAGERS, form={"name": "Matrix reason"}
    ),
    "POST /dashboard/{slug}/communication/settings": Cell(
        (303, 404, 403, 303, 303),
        writers=MANAGERS,
        form={"replyWithinDays": "10", "timezone": "UTC"},
    ),
    # Application forms. The targets' job asks one file question the applicant answered, and
    # the library keeps a question under the same id.
    "GET /api/v1/public/jobs/{jobId}/form": Cell(PUBLIC),
    "GET /api/v1/jobs/{jobId}/questions": Cell(TEAM_API),
    "PUT /api/v1/jobs/{jobId}/questions": Cell(
        TEAM_API, writers=TEAM, json={"questions": [{"label": "Matrix?", "kind": "yes_no"}]}
    ),
    "GET /api/v1/organizations/{orgId}/questions": Cell(TEAM_API),
    "POST /api/v1/organizations/{orgId}/questions": Cell(
        (401, 404, 201, 201, 201), writers=TEAM, json={"label": "Matrix?", "kind": "yes_no"}
    ),
    "DELETE /api/v1/questions/{questionId}": Cell(TEAM_API, writers=TEAM),
    "PUT /api/v1/organizations/{orgId}/privacy-notice": Cell(
        (401, 404, 403, 200, 200),
        writers=MANAGERS,
        json={"privacyNoticeUrl": "https://example.com/privacy"},
    ),
    "GET /api/v1/applicants/{applicantId}/answers": Cell(TEAM_API),
    "GET /api/v1/applicants/{applicantId}/answers/{questionId}/file": Cell(TEAM_API),
    "GET /dashboard/{slug}/jobs/{jobId}/form": Cell(TEAM_PAGE),
    "POST /dashboard/{slug}/jobs/{jobId}/form/questions": Cell(
        TEAM_FORM, writers=TEAM, form={"label": "Matrix?", "kind": "yes_no"}
    ),
    "POST /dashboard/{slug}/jobs/{jobId}/form/library": Cell(
        TEAM_FORM, writers=TEAM, form={"libraryId": "{questionId}"}
    ),
    "POST /dashboard/{slug}/jobs/{jobId}/form/questions/{questionId}": Cell(
        TEAM_FORM, writers=TEAM, form={"label": "Edited sample", "kind": "file"}
    ),
    "POST /dashboard/{slug}/jobs/{jobId}/form/questions/{questionId}/delete": Cell(
        TEAM_FORM, writers=TEAM, form={}
    ),
    "POST /dashboard/{slug}/jobs/{jobId}/form/questions/{questionId}/move": Cell(
        TEAM_FORM, writers=TEAM, form={"direction": "up"}
    ),
    "POST /dashboard/{slug}/jobs/{jobId}/form/order": Cell(
        TEAM_FORM, writers=TEAM, form={"order": "{questionId}"}
    ),
    "GET /dashboard/{slug}/questions": Cell(TEAM_PAGE),
    "POST /dashboard/{slug}/questions": Cell(
        TEAM_FORM, writers=TEAM, form={"label": "Matrix?", "kind": "yes_no"}
    ),
    "POST /dashboard/{slug}/questions/{questionId}/delete": Cell(TEAM_FORM, writers=TEAM, form={}),
    "POST /dashboard/{slug}/privacy-notice": Cell(
        (303, 404, 403, 303, 303),
        writers=MANAGERS,
        form={"privacyNoticeUrl": "https://example.com/privacy"},
    ),
    "GET /dashboard/{slug}/applicants/{applicantId}/answers/{questionId}/file": Cell(TEAM_PAGE),
}


# Privacy (issue 22). Admins and owners; the targets' applicant is neither held nor
# quarantined, so releasing its hold and restoring it change nothing (a 409 for restore).
PRIVACY_MANAGERS_API = (401, 404, 403, 200, 200)
PRIVACY_MANAGERS_PAGE = (303, 404, 403, 200, 200)
PRIVACY_MANAGERS_FORM = (303, 404, 403, 303, 303)
TABLE.update(
    {
        "GET /api/v1/organizations/{orgId}/privacy": Cell(PRIVACY_MANAGERS_API),
        "PATCH /api/v1/organizations/{orgId}/privacy": Cell(
            PRIVACY_MANAGERS_API, writers=MANAGERS, json={"retentionMonths": 12}
        ),
        "GET /api/v1/organizations/{orgId}/privacy/due": Cell(PRIVACY_MANAGERS_API),
        "GET /api/v1/organizations/{orgId}/privacy/audit": Cell(PRIVACY_MANAGERS_API),
        "POST /api/v1/applicants/{applicantId}/hold": Cell(PRIVACY_MANAGERS_API, writers=MANAGERS),
        "DELETE /api/v1/applicants/{applicantId}/hold": Cell(PRIVACY_MANAGERS_API),
        "POST /api/v1/applicants/{applicantId}/restore": Cell((401, 404, 403, 409, 409)),
        "POST /api/v1/applicants/{applicantId}/quarantine": Cell(
            PRIVACY_MANAGERS_API, writers=MANAGERS
        ),
        "GET /api/v1/applicants/{applicantId}/export": Cell(PRIVACY_MANAGERS_API, writers=MANAGERS),
        "GET /dashboard/{slug}/privacy": Cell(PRIVACY_MANAGERS_PAGE),
        "POST /dashboard/{slug}/privacy": Cell(
            PRIVACY_MANAGERS_FORM,
            writers=MANAGERS,
            form={"retentionMonths": "12", "quarantineDays": "30"},
        ),
        "POST /dashboard/{slug}/privacy/applicants/{applicantId}/hold": Cell(
            PRIVACY_MANAGERS_FORM, writers=MANAGERS, form={}
        ),
        "POST /dashboard/{slug}/privacy/applicants/{applicantId}/release": Cell(
            PRIVACY_MANAGERS_FORM, form={}
        ),
        "POST /dashboard/{slug}/privacy/applicants/{applicantId}/restore": Cell(
            PRIVACY_MANAGERS_FORM, form={}
        ),
        "POST /dashboard/{slug}/privacy/applicants/{applicantId}/quarantine": Cell(
            PRIVACY_MANAGERS_FORM, writers=MANAGERS, form={}
        ),
        "GET /dashboard/{slug}/privacy/applicants/{applicantId}/export": Cell(
            PRIVACY_MANAGERS_PAGE, writers=MANAGERS
        ),
    }
)
# Reads that write an audit entry (an export): checked caller by caller, like writes.
AUDITED_READS = {
    "GET /api/v1/applicants/{applicantId}/export",
    "GET /dashboard/{slug}/privacy/applicants/{applicantId}/export",
}

# Where a replayed, ended session is answered otherwise than a stranger without cookies, and why.
REPLAY: dict[str, int] = {}


# About 2,000 requests with a database snapshot around each writer: minutes on a busy machine.
@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_every_route_by_every_caller(
    app: FastAPI,
    db: AsyncSession,
    connection: AsyncConnection,
    world: World,
    targets: Targets,
    services: Services,
    dialect: str,
) -> None:
    routes = [f"{method} {path}" for method, path in endpoints(app)]
    assert sorted(set(routes) - set(TABLE)) == [], "routes missing from the matrix"
    assert sorted(set(TABLE) - set(routes)) == [], "matrix entries without a route"
    stolen = await ended_session(world)
    before = await Snapshot.take(db)
    wrong: list[str] = []
    cells = 0
    for route in routes:
        method, path = route.split(" ", 1)
        cell = TABLE[route]
        statuses = []
        if method == "GET" and route not in AUDITED_READS:
            # Reads: all five callers in one savepoint, the database compared once at the end.
            await targets.restore_files(services.storage)
            attempt = await connection.begin_nested()
            await before.watch()
            try:
                for caller in CALLERS:
                    client = client_for(world, caller, path)
                    statuses.append((await call(client, method, path, cell, targets)).status_code)
                if await before.changed():
                    wrong.append(f"{route}: a read changed the database")
            finally:
                await attempt.rollback()
            cells += len(CALLERS)
        for caller in CALLERS if method != "GET" or route in AUDITED_READS else ():
            cells += 1
            await targets.restore_files(services.storage)
            attempt = await connection.begin_nested()
            await before.watch()
            try:
                client = client_for(world, caller, path)
                response = await call(client, method, path, cell, targets)
                changed = await before.changed()
            finally:
                await attempt.rollback()
            statuses.append(response.status_code)
            if changed and (refused(response) or caller not in cell.writers.split()):
                wrong.append(f"{route} as {caller}: {response.status_code}, changed the database")
            if not changed and caller in cell.writers.split():
                wrong.append(f"{route} as {caller}: {response.status_code}, changed nothing")
        if tuple(statuses) != cell.expected:
            wrong.append(f"{route}: expected {cell.expected}, got {tuple(statuses)}")
        # The sixth caller: the owner's browser after signing out, replaying its cookies (the
        # session token and an unexpired signed cookie cache). It gets what a stranger gets.
        cells += 1
        await targets.restore_files(services.storage)
        attempt = await connection.begin_nested()
        await before.watch()
        try:
            response = await call(replay_client(world, stolen), method, path, cell, targets)
            changed = await before.changed()
        finally:
            await attempt.rollback()
        expected = REPLAY.get(route, cell.expected[0])
        if response.status_code != expected:
            wrong.append(
                f"{route} replayed after sign-out: expected {expected}, got {response.status_code}"
            )
        if changed and "anonymous" not in cell.writers.split():
            wrong.append(f"{route} replayed after sign-out: changed the database")
    stats.record("matrix", dialect=dialect, routes=len(routes), cells=cells, failures=len(wrong))
    assert wrong == [], "\n".join(wrong)


async def test_a_resume_the_storage_cannot_read_answers_503_with_the_page(
    world: World, targets: Targets, services: Services
) -> None:
    """Regression: the error page after the session let go of its rows answered 500."""
    await services.storage.delete(targets.resume_key)
    url = targets.fill("/dashboard/{slug}/applicants/{applicantId}/resume")
    response = await world.browser("member").get(url)
    assert response.status_code == 503
    assert "Member Person" in response.text


def _guard_of(dependant: Dependant) -> Permission | None:
    """The permission the route's guard (``tenancy.guard.require``) asks for, if it has one."""
    for sub in dependant.dependencies:
        if sub.call in GUARDS:
            return GUARDS[sub.call]
        found = _guard_of(sub)
        if found is not None:
            return found
    return None


def expected_by_permission(permission: Permission, path: str) -> dict[str, set[int]]:
    """What the permission table says each caller of a guarded route gets: signed out, 401
    (a page: 303 to sign-in); another organization's member, 404; a role without the
    permission, 403; a role with it, anything but those refusals (a form may answer 303)."""
    page = not path.startswith("/api/")
    allowed = set(range(200, 600)) - {401, 403, 404}
    return {
        "anonymous": {303 if page else 401},
        "outsider": {404},
        **{
            role.value: allowed if has_permission(role, permission) else {403}
            for role in (Role.MEMBER, Role.ADMIN, Role.OWNER)
        },
    }


def test_every_guarded_row_follows_the_permission_table(app: FastAPI) -> None:
    """The matrix's rows for routes behind the guard are what ROLE_PERMISSIONS implies for the
    permission each route's guard asks for: change a role's permissions, or a route's guard,
    and the rows must change with it."""
    guarded = 0
    wrong = []
    for route in api_routes(app):
        permission = _guard_of(route.dependant)
        if permission is None:
            continue
        for method in route.methods - {"HEAD"}:
            guarded += 1
            key = f"{method} {route.path}"
            expected = expected_by_permission(permission, route.path)
            row = dict(zip(CALLERS, TABLE[key].expected, strict=True))
            for caller in TABLE[key].beyond_role.split():
                expected[caller] = expected[caller] | {403}
            off = {caller: row[caller] for caller in CALLERS if row[caller] not in expected[caller]}
            if off:
                wrong.append(f"{key} ({permission.value}): {off}")
    assert guarded > 50
    assert wrong == []
