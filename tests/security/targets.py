"""What the security tests aim at: organization A's rows (a category, a published job, an
applicant with a résumé, an invitation, a teammate), a snapshot of the whole database, and a way
to send a route its request as a given caller."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.applicants.helpers import PDF, human_form_token, pdf_bytes, store_resume
from tests.fixtures.world import World
from wegotwork.db import utcnow
from wegotwork.deps import Services
from wegotwork.mail import enqueue
from wegotwork.messages import links as status_links
from wegotwork.messages.actions import ensure_link
from wegotwork.models import (
    Answer,
    Base,
    CandidateLink,
    JobCategory,
    LibraryQuestion,
    Member,
    Message,
    MessageTemplate,
    Note,
    Notification,
    NotificationKind,
    Question,
    QuestionKind,
    Recommendation,
    RejectionReason,
    Role,
    Scorecard,
    ScorecardAttribute,
    TemplateKind,
)
from wegotwork.storage import Storage

ERASE_TOKEN = "matrix-erase-token-0123456789abcdef"
EXPORT_TOKEN = "matrix-export-token-0123456789ab"


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
    answer_key: str = ""

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
        if self.answer_key and not await storage.exists(self.answer_key):
            await storage.save(self.answer_key, _chunks(pdf_bytes()), PDF)


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
    # Candidate communication: the applicant's status link with a pending "delete my data"
    # confirmation and an unused "download my data" link, and a message scheduled for tomorrow
    # (so it can still be cancelled).
    status_token = await ensure_link(db, applicant, services.secret)
    await db.flush()
    link = await db.get(CandidateLink, applicant.id)
    assert link is not None
    link.erase_hash = status_links.digest(ERASE_TOKEN)
    link.erase_expires_at = utcnow() + timedelta(days=1)
    link.export_hash = status_links.digest(EXPORT_TOKEN)
    link.export_expires_at = utcnow() + timedelta(days=1)
    rejection = (
        await db.scalars(
            select(MessageTemplate).where(
                MessageTemplate.organization_id == world.org.id,
                MessageTemplate.kind == TemplateKind.REJECTION,
            )
        )
    ).one()
    reason = (
        await db.scalars(
            select(RejectionReason).where(RejectionReason.organization_id == world.org.id)
        )
    ).first()
    assert reason is not None
    scheduled = enqueue(
        db,
        to=applicant.email,
        subject="Later",
        text="Later",
        applicant_id=applicant.id,
        not_before=utcnow() + timedelta(days=1),
    )
    message = Message(
        organization_id=world.org.id,
        applicant_id=applicant.id,
        sender_id=world.users["member"].id,
        outbox_id=scheduled.id,
        subject="Later",
        body="Later",
        send_at=utcnow() + timedelta(days=1),
    )
    db.add(message)
    await db.flush()
    communication = {
        "statusToken": status_token,
        "eraseToken": ERASE_TOKEN,
        "exportToken": EXPORT_TOKEN,
        "templateId": rejection.id,
        "reasonId": reason.id,
        "messageId": message.id,
    }
    # Application forms: the job asks one file question, which the applicant answered; the
    # library keeps a question under the same id (one {questionId} serves both kinds of route).
    answer_key = await store_resume(services.storage, pdf_bytes())
    question = Question(
        organization_id=world.org.id,
        job_id=job.id,
        label="Work sample",
        kind=QuestionKind.FILE,
        options=[],
        position=0,
    )
    db.add(question)
    await db.flush()
    db.add(
        LibraryQuestion(
            id=question.id,
            organization_id=world.org.id,
            label="Salary expectation",
            kind=QuestionKind.NUMBER,
            options=[],
        )
    )
    db.add(
        Answer(
            organization_id=world.org.id,
            applicant_id=applicant.id,
            question_id=question.id,
            label=question.label,
            kind=QuestionKind.FILE,
            value="sample.pdf",
            file_key=answer_key,
            file_content_type=PDF,
            file_size=len(pdf_bytes()),
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
        "applicantName": applicant.name,
        "pipelineId": spare.id,
        "noteId": note.id,
        "stageId": applicant.stage_id or "",
        "session_id": member_session.id,
        "token": "not-a-real-token",
        "provider_id": "github",
        "name": "missing.png",
        "jobTitle": job.title,
        "memberToken": world.tokens["member"],
        **communication,
        # Application forms
        "questionId": question.id,
        "renderedAt": human_form_token(),
    }
    categories = await db.execute(
        select(JobCategory.id)
        .where(JobCategory.organization_id == world.org.id)
        .order_by(JobCategory.position.desc())
    )
    return Targets(values, {"allCategoryIds": list(categories.scalars())}, key, answer_key)


async def state(db: AsyncSession) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: what a refused request must leave as it was."""
    everything = {}
    for table in Base.metadata.sorted_tables:
        result = await db.execute(select(table))
        everything[table.name] = sorted((tuple(row) for row in result), key=repr)
    return everything


# Rows inserted, updated or deleted so far by the test's connection (the app's requests run on
# it): a number that only grows, also across savepoints rolled back. PostgreSQL counts them per
# transaction (live savepoints included), SQLite per connection (triggers included).
_WRITES = {
    "postgresql": "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) "
    "FROM pg_stat_xact_user_tables",
    "sqlite": "SELECT total_changes()",
}


async def writes(db: AsyncSession) -> int:
    """How many rows the test's connection has written so far (see ``_WRITES``)."""
    return int((await db.execute(text(_WRITES[db.get_bind().dialect.name]))).scalar_one())


class Snapshot:
    """The whole database at one moment, and a cheap way to ask whether a request changed it:
    a request that wrote no row changed nothing, so only one that wrote rows is compared with
    the snapshot, table by table (a write may also leave every row as it was)."""

    def __init__(self, db: AsyncSession, rows: dict[str, list[tuple[Any, ...]]]) -> None:
        self.db = db
        self.rows = rows
        self.mark = 0

    @classmethod
    async def take(cls, db: AsyncSession) -> Snapshot:
        return cls(db, await state(db))

    async def watch(self) -> None:
        """Start watching: writes before this call do not count."""
        self.mark = await writes(self.db)

    async def changed(self) -> bool:
        """Whether the database differs from the snapshot (writes since ``watch`` only)."""
        if await writes(self.db) == self.mark:
            return False
        return await state(self.db) != self.rows


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
