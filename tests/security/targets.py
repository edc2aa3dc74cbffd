"""What the security tests aim at: organization A's rows (a category, a published job, an
applicant with a résumé, an invitation, a teammate), a snapshot of the whole database, and a way
to send a route its request as a given caller."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.applicants.helpers import PDF, pdf_bytes, store_resume
from tests.fixtures.world import World
from wegotwork.deps import Services
from wegotwork.models import (
    Base,
    JobCategory,
    Member,
    Note,
    Notification,
    NotificationKind,
    Recommendation,
    Role,
    Scorecard,
    ScorecardAttribute,
)
from wegotwork.storage import Storage


@dataclass(frozen=True, kw_only=True)
class Request:
    """What a route is sent: a body (JSON, form, files) and a query; ``{name}`` placeholders are
    filled with the targets' ids."""

    json: Any = None
    form: dict[str, Any] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    query: str = ""


@dataclass
class Targets:
    values: dict[str, str]
    lists: dict[str, list[str]]
    resume_key: str

    def fill(self, value: Any) -> Any:
        """``value`` with ``{name}`` placeholders replaced by the ids of the rows."""
        if isinstance(value, str):
            return value.format(**self.values)
        if isinstance(value, dict):
            return {key: self.fill(item) for key, item in value.items()}
        if isinstance(value, list):
            filled: list[Any] = []
            for item in value:
                name = item[1:-1] if isinstance(item, str) else None
                filled += self.lists[name] if name in self.lists else [self.fill(item)]
            return filled
        return value

    async def restore_files(self, storage: Storage) -> None:
        """Put back the résumé a permitted erase deleted (files are outside the rollback)."""
        if not await storage.exists(self.resume_key):
            await storage.save(self.resume_key, _chunks(pdf_bytes()), PDF)


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def make_targets(db: AsyncSession, world: World, services: Services) -> Targets:
    """Organization A's rows that the routes aim at."""
    teammate = await factories.make_user(db, name="Teammate Person")
    await factories.add_member(db, world.org, teammate, Role.MEMBER)
    category = await factories.make_category(db, world.org, name="Matrix")
    job = await factories.make_job(db, world.org, category=category)
    key = await store_resume(services.storage, pdf_bytes())
    applicant = await factories.make_applicant(db, job, resume_key=key)
    invitation = await factories.make_invitation(db, world.org, world.users["admin"])
    spare = await factories.make_pipeline(db, world.org)
    member_session = await factories.make_session(db, world.users["member"])
    # A note by the admin mentioning the member: only its author edits it, and the member has
    # one unread notification.
    note = Note(
        organization_id=world.org.id,
        applicant_id=applicant.id,
        author_id=world.users["admin"].id,
        body="Ask @Member Person about this one",
    )
    db.add(note)
    await db.flush()
    # The applicant's stage has an interview kit, and the owner's scorecard for it.
    assert applicant.stage_id is not None
    db.add(
        ScorecardAttribute(
            organization_id=world.org.id, stage_id=applicant.stage_id, name="Communication"
        )
    )
    db.add(
        Scorecard(
            organization_id=world.org.id,
            applicant_id=applicant.id,
            stage_id=applicant.stage_id,
            author_id=world.users["owner"].id,
            ratings={"Communication": 3},
            recommendation=Recommendation.STRONG_NO,
            notes="Not convinced yet",
        )
    )
    db.add(
        Notification(
            organization_id=world.org.id,
            user_id=world.users["member"].id,
            kind=NotificationKind.MENTION,
            actor_id=world.users["admin"].id,
            applicant_id=applicant.id,
            note_id=note.id,
        )
    )
    await db.commit()
    teammate_member = (
        await db.execute(
            select(Member.id).where(
                Member.organization_id == world.org.id, Member.user_id == teammate.id
            )
        )
    ).scalar_one()
    values = {
        "slug": world.org.slug,
        "orgId": world.org.id,
        "memberId": teammate_member,
        "invitationId": invitation.id,
        "categoryId": category.id,
        "category_id": category.id,
        "jobId": job.id,
        "job_id": job.id,
        "applicantId": applicant.id,
        "pipelineId": spare.id,
        "noteId": note.id,
        "stageId": applicant.stage_id or "",
        "session_id": member_session.id,
        "token": "not-a-real-token",
        "provider_id": "github",
        "name": "missing.png",
        "jobTitle": job.title,
        "memberToken": world.tokens["member"],
    }
    categories = await db.execute(
        select(JobCategory.id)
        .where(JobCategory.organization_id == world.org.id)
        .order_by(JobCategory.position.desc())
    )
    return Targets(values, {"allCategoryIds": list(categories.scalars())}, key)


async def state(db: AsyncSession) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: what a refused request must leave as it was."""
    everything = {}
    for table in Base.metadata.sorted_tables:
        result = await db.execute(select(table))
        everything[table.name] = sorted((tuple(row) for row in result), key=repr)
    return everything


def refused(response: httpx.Response) -> bool:
    if response.status_code >= 400:
        return True
    location = response.headers.get("location", "")
    return response.is_redirect and location.startswith("/sign-in")


async def call(
    client: httpx.AsyncClient, method: str, path: str, cell: Request, targets: Targets
) -> httpx.Response:
    url = targets.fill(path)
    if cell.query:
        url = f"{url}?{targets.fill(cell.query)}"
    form = targets.fill(cell.form)
    if cell.files is not None:
        return await client.request(method, url, data=form or {}, files=cell.files)
    if form is not None:
        return await client.request(method, url, data=form)
    if cell.json is not None:
        return await client.request(method, url, json=targets.fill(cell.json))
    return await client.request(method, url)


async def ended_session(world: World, caller: str = "owner") -> httpx.Cookies:
    """The cookies a browser of ``caller`` held just before signing out: the session token and
    a signed cookie cache that has not expired. Replayed, they must open nothing."""
    browser = world.clients.browser()
    user = world.users[caller]
    signed_in = await browser.post(
        "/api/auth/sign-in/email", json={"email": user.email, "password": factories.PASSWORD}
    )
    assert signed_in.status_code == 200, signed_in.text
    assert (await browser.get("/api/auth/get-session")).status_code == 200
    stolen = httpx.Cookies()
    for cookie in browser.cookies.jar:
        stolen.set(cookie.name, cookie.value)
    assert any(cookie.name.endswith("session_data") for cookie in browser.cookies.jar)
    assert (await browser.post("/api/auth/sign-out", json={})).status_code == 200
    return stolen


def replay_client(world: World, stolen: httpx.Cookies) -> httpx.AsyncClient:
    """A browser (same-site Origin) sending the cookies of a session that has ended."""
    client = world.clients.browser()
    for cookie in stolen.jar:
        client.cookies.set(cookie.name, cookie.value)
    return client


def client_for(world: World, caller: str, path: str) -> httpx.AsyncClient:
    """A fresh client (no cookies left over from another cell): API routes with a bearer token,
    pages with the session cookie and a same-site Origin; signed out, neither."""
    if caller == "anonymous":
        return world.clients.browser(None, origin=None)
    if path.startswith("/api/"):
        return world.clients.bearer(world.tokens[caller])
    return world.clients.browser(world.tokens[caller])
