"""A session that ended reads nothing: after signing out, revoking the session or changing the
password (which revokes the others), the browser's old cookies, replayed, get no applicant page,
list, résumé or export, even though the signed cookie cache inside them has not expired."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.applicants.helpers import pdf_bytes, store_resume
from tests.auth.conftest import PASSWORD, Browser
from tests.fixtures.app import ClientMaker
from wegotwork.deps import Services
from wegotwork.models import Applicant, User

pytestmark = pytest.mark.usefixtures("dialect")

EMAIL = "ada@example.com"


@pytest.fixture
def ada(clients: ClientMaker) -> Browser:
    return Browser(clients.browser())


async def _workspace(
    ada: Browser, db: AsyncSession, services: Services
) -> tuple[str, str, str, str]:
    """Ada's organization with a job and an applicant: (slug, orgId, jobId, applicantId)."""
    await ada.sign_up(EMAIL)
    user = await db.scalar(select(User).where(User.email == EMAIL))
    assert user is not None
    org = await factories.make_org(db, user, slug=factories.unique("replay"))
    job = await factories.make_job(db, org)
    key = await store_resume(services.storage, pdf_bytes())
    applicant: Applicant = await factories.make_applicant(db, job, resume_key=key)
    await db.commit()
    return org.slug, org.id, job.id, applicant.id


def _reads(slug: str, org_id: str, job_id: str, applicant_id: str) -> list[str]:
    return [
        f"/dashboard/{slug}/applicants",
        f"/dashboard/{slug}/applicants/{applicant_id}",
        f"/dashboard/{slug}/applicants/{applicant_id}/resume",
        f"/dashboard/{slug}/applicants/export.csv",
        f"/api/v1/organizations/{org_id}/applicants",
        f"/api/v1/jobs/{job_id}/applicants",
        f"/api/v1/applicants/{applicant_id}",
        f"/api/v1/applicants/{applicant_id}/resume",
    ]


async def _replay(clients: ClientMaker, cookies: httpx.Cookies, paths: list[str]) -> dict[str, int]:
    thief = clients.browser()
    for cookie in cookies.jar:
        thief.cookies.set(cookie.name, cookie.value)
    return {path: (await thief.get(path)).status_code for path in paths}


async def _end_by_sign_out(ada: Browser, clients: ClientMaker) -> None:
    assert (await ada.post("/api/auth/sign-out", json={})).status_code == 200


async def _end_by_revocation(ada: Browser, clients: ClientMaker) -> None:
    other = Browser(clients.browser())
    await other.sign_in(EMAIL)
    response = await other.post("/api/auth/revoke-sessions", json={})
    assert response.status_code == 200


async def _end_by_password_change(ada: Browser, clients: ClientMaker) -> None:
    other = Browser(clients.browser())
    await other.sign_in(EMAIL)
    response = await other.post(
        "/api/auth/change-password",
        json={
            "currentPassword": PASSWORD,
            "newPassword": "another long password",
            "revokeOtherSessions": True,
        },
    )
    assert response.status_code == 200


Ending = Callable[[Browser, ClientMaker], Awaitable[None]]


@pytest.mark.parametrize(
    "end", [_end_by_sign_out, _end_by_revocation, _end_by_password_change], ids=lambda f: f.__name__
)
async def test_old_cookies_read_no_personal_data_once_the_session_ended(
    ada: Browser, db: AsyncSession, clients: ClientMaker, services: Services, end: Ending
) -> None:
    paths = _reads(*await _workspace(ada, db, services))
    # While the session lives, every read succeeds (and the browser holds a fresh cookie cache).
    for path in paths:
        response = await ada.get(path)
        assert response.status_code in {200, 303}, path
        assert response.headers.get("location", "").startswith("/sign-in") is False, path
    assert ada.cookie("session_data") is not None
    stolen = httpx.Cookies()
    for cookie in ada.client.cookies.jar:
        stolen.set(cookie.name, cookie.value)

    await end(ada, clients)

    statuses = await _replay(clients, stolen, paths)
    for path, status in statuses.items():
        expected = 401 if path.startswith("/api/") else 303
        assert status == expected, (path, status)
