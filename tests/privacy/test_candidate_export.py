"""The candidate's own copy of their data: asked for on the status page, confirmed by a mailed
link that downloads, once and within 24 hours, the same zip the team exports (application,
consent, answers, messages, notes). And "delete my data" refused while the team holds the
data under legal hold."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.applicants.helpers import Upload, pdf_bytes
from tests.fixtures.mail import SmtpSink
from tests.fixtures.world import World
from tests.forms.helpers import put_form, send
from tests.messages.helpers import drain
from wegotwork.clock import FrozenClock
from wegotwork.db import Database
from wegotwork.errors import RateLimited
from wegotwork.messages.ratelimit import MAILS_PER_HOUR, StatusRateLimiter
from wegotwork.models import (
    Answer,
    Applicant,
    CandidateLink,
    Message,
    OutboxMessage,
    PrivacyAction,
    PrivacyAudit,
)

pytestmark = pytest.mark.usefixtures("dialect")

ORIGIN = {"Origin": "http://testserver"}
NOTICE = "https://example.com/privacy"


@pytest.fixture
def settings_overrides(smtp_sink: SmtpSink) -> dict[str, object]:
    return {"smtp_url": smtp_sink.url}


@dataclass(frozen=True)
class Applied:
    id: str
    email: str
    status_path: str


def _path(text: str, marker: str) -> str:
    """The path of the first link in ``text`` that contains ``marker``."""
    link = next(word for word in text.split() if marker in word)
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


async def _count(db: AsyncSession, model: type, *where: Any) -> int:
    db.expire_all()
    query = select(func.count()).select_from(model)
    for condition in where:
        query = query.where(condition)
    return int(await db.scalar(query) or 0)


async def _apply(
    db: AsyncSession, world: World, database: Database, smtp_sink: SmtpSink
) -> Applied:
    """A candidate applies through the public form with answers and consent to the privacy
    notice; the confirmation mail brings the status link; the team then writes to them and
    notes something about them."""
    job = await factories.make_job(db, world.org, title="Python Engineer")
    await db.commit()
    admin = world.api("admin")
    notice = await admin.put(
        f"/api/v1/organizations/{world.org.id}/privacy-notice", json={"privacyNoticeUrl": NOTICE}
    )
    assert notice.status_code == 200, notice.text
    member = world.api("member")
    questions = [item["id"] for item in await put_form(member, job.id)]
    email = "ada.export@example.com"
    applied = await send(
        world.anonymous,
        job.id,
        [
            (questions[0], "Yes"),
            (questions[1], "7"),
            (questions[2], "Hybrid"),
            (questions[3], "https://ada.dev"),
        ],
        [(questions[4], Upload("sample.pdf", pdf_bytes()))],
        email=email,
        extra=[("consent", "true")],
    )
    assert applied.status_code == 201, applied.text
    applicant_id = await db.scalar(select(Applicant.id).where(Applicant.email == email))
    assert applicant_id is not None
    await drain(database, smtp_sink)
    [confirmation] = smtp_sink.to(email)
    status_path = _path(confirmation.text, "/status/")
    message = await member.post(
        f"/api/v1/applicants/{applicant_id}/messages",
        json={"subject": "Next steps", "body": "We would like to talk to you next week."},
    )
    assert message.status_code == 201, message.text
    note = await member.post(
        f"/api/v1/applicants/{applicant_id}/notes", json={"body": "Great portfolio"}
    )
    assert note.status_code == 201, note.text
    await drain(database, smtp_sink)
    return Applied(applicant_id, email, status_path)


def _document(content: bytes) -> tuple[list[str], dict[str, Any]]:
    archive = zipfile.ZipFile(io.BytesIO(content))
    return sorted(archive.namelist()), json.loads(archive.read("applicant.json"))


def _assert_everything(names: list[str], document: dict[str, Any], applied: Applied) -> None:
    assert "applicant.json" in names
    assert any(name.startswith("files/") and name.endswith(".pdf") for name in names)
    assert document["applicantId"] == applied.id
    application = document["application"]
    assert application["email"] == applied.email
    assert application["consent"]["noticeUrl"] == NOTICE
    assert application["consent"]["consentedAt"]
    answers = {answer["question"]: answer["value"] for answer in document["answers"]}
    assert answers["Preferred work mode"] == "Hybrid"
    assert answers["Portfolio"] == "https://ada.dev"
    assert answers["Years of Python"] is not None
    sample = next(answer for answer in document["answers"] if answer["question"] == "Work sample")
    assert sample["file"] in names
    subjects = [message["subject"] for message in document["messages"]]
    assert "Next steps" in subjects
    assert "We would like to talk to you next week." in [m["body"] for m in document["messages"]]
    assert document["review"]["notes"][0]["body"] == "Great portfolio"


async def _ask(world: World, applied: Applied, database: Database, smtp_sink: SmtpSink) -> str:
    """Ask for a copy on the status page; returns the path of the mailed download link."""
    before = len(smtp_sink.to(applied.email))
    asked = await world.anonymous.post(f"{applied.status_path}/export", headers=ORIGIN)
    assert asked.status_code == 303, asked.text
    assert asked.headers["location"] == applied.status_path
    await drain(database, smtp_sink)
    mails = smtp_sink.to(applied.email)
    assert len(mails) == before + 1
    assert mails[-1].subject.startswith("Your data at")
    return _path(mails[-1].text, "/status/export/")


async def test_the_candidate_downloads_everything_once_through_the_mailed_link(
    db: AsyncSession, world: World, database: Database, smtp_sink: SmtpSink
) -> None:
    applied = await _apply(db, world, database, smtp_sink)
    page = await world.anonymous.get(applied.status_path)
    assert page.status_code == 200
    assert "Download my data" in page.text
    path = await _ask(world, applied, database, smtp_sink)
    assert "We sent you a download link" in (await world.anonymous.get(applied.status_path)).text

    # Opening the link (as a mail scanner would) uses nothing up: it offers the download.
    landing = await world.anonymous.get(path)
    assert landing.status_code == 200, landing.text
    assert "Download your data" in landing.text
    assert landing.headers["cache-control"] == "no-store"
    assert landing.headers["x-robots-tag"] == "noindex"
    assert (await world.anonymous.get(path)).status_code == 200

    download = await world.anonymous.post(path, headers=ORIGIN)
    assert download.status_code == 200, download.text
    assert download.headers["content-type"] == "application/zip"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["cache-control"] == "private, no-store"
    names, document = _document(download.content)
    _assert_everything(names, document, applied)

    audit = (
        await db.scalars(select(PrivacyAudit).where(PrivacyAudit.applicant_id == applied.id))
    ).all()
    assert [(entry.action, entry.actor_id) for entry in audit] == [(PrivacyAction.EXPORT, None)]

    # The link works once.
    again = await world.anonymous.post(path, headers=ORIGIN)
    assert again.status_code == 410
    assert "already used" in again.text
    assert "Ask for a new one" in again.text
    assert (await world.anonymous.get(path)).status_code == 410
    # A new request mails a new link that works; the old one is replaced.
    fresh = await _ask(world, applied, database, smtp_sink)
    assert fresh != path
    assert (await world.anonymous.post(fresh, headers=ORIGIN)).status_code == 200
    assert (await world.anonymous.post(path, headers=ORIGIN)).status_code == 404


@pytest.mark.parametrize(
    "token", ["x" * 32, "short", "A" * 200, "..%2F..%2Fetc", "matrix-export-token-0123456789ab"]
)
async def test_a_wrong_download_link_is_not_found(
    db: AsyncSession, world: World, database: Database, smtp_sink: SmtpSink, token: str
) -> None:
    applied = await _apply(db, world, database, smtp_sink)
    await _ask(world, applied, database, smtp_sink)
    page = await world.anonymous.get(f"/status/export/{token}")
    assert page.status_code == 404
    assert "We could not find that page" in page.text
    download = await world.anonymous.post(f"/status/export/{token}", headers=ORIGIN)
    assert download.status_code == 404
    assert download.headers["content-type"].startswith("text/html")
    assert await _count(db, PrivacyAudit, PrivacyAudit.applicant_id == applied.id) == 0


async def test_a_wrong_status_link_mails_nothing(
    db: AsyncSession, world: World, database: Database, smtp_sink: SmtpSink
) -> None:
    applied = await _apply(db, world, database, smtp_sink)
    before = await _count(db, OutboxMessage)
    asked = await world.anonymous.post(f"/status/{'x' * 32}/export", headers=ORIGIN)
    assert asked.status_code == 404
    assert await _count(db, OutboxMessage) == before
    link = await db.get(CandidateLink, applied.id)
    assert link is not None
    assert link.export_hash is None


async def test_an_expired_download_link_is_gone(
    db: AsyncSession,
    world: World,
    database: Database,
    smtp_sink: SmtpSink,
    frozen_clock: FrozenClock,
) -> None:
    applied = await _apply(db, world, database, smtp_sink)
    path = await _ask(world, applied, database, smtp_sink)
    frozen_clock.advance(timedelta(hours=23, minutes=59))
    assert (await world.anonymous.get(path)).status_code == 200
    frozen_clock.advance(timedelta(minutes=2))
    page = await world.anonymous.get(path)
    assert page.status_code == 410
    assert "expired" in page.text
    download = await world.anonymous.post(path, headers=ORIGIN)
    assert download.status_code == 410
    assert download.headers["content-type"].startswith("text/html")
    assert await _count(db, PrivacyAudit, PrivacyAudit.applicant_id == applied.id) == 0


async def test_the_team_export_holds_consent_answers_and_messages(
    db: AsyncSession, world: World, database: Database, smtp_sink: SmtpSink
) -> None:
    applied = await _apply(db, world, database, smtp_sink)
    response = await world.api("admin").get(f"/api/v1/applicants/{applied.id}/export")
    assert response.status_code == 200, response.text
    names, document = _document(response.content)
    _assert_everything(names, document, applied)


async def test_a_held_candidate_asking_to_delete_their_data_is_told_why_and_nothing_goes(
    db: AsyncSession, world: World, database: Database, smtp_sink: SmtpSink
) -> None:
    applied = await _apply(db, world, database, smtp_sink)
    org_name = world.org.name
    # The link is mailed first; then the team puts the candidate under legal hold.
    browser = world.browser("anonymous")
    asked = await browser.post(f"{applied.status_path}/delete", headers=ORIGIN)
    assert asked.status_code == 303
    await drain(database, smtp_sink)
    erase_path = _path(smtp_sink.to(applied.email)[-1].text, "/status/erase/")
    held = await world.api("admin").post(f"/api/v1/applicants/{applied.id}/hold")
    assert held.status_code == 200, held.text
    messages = await _count(db, Message, Message.applicant_id == applied.id)
    assert messages >= 1

    confirm_page = await browser.get(erase_path)
    assert confirm_page.status_code == 200
    assert "has to keep it for a legal reason" in confirm_page.text
    assert "Delete my data now" not in confirm_page.text
    refused = await browser.post(erase_path, headers=ORIGIN)
    assert refused.status_code == 409, refused.text
    assert "We cannot delete your data at the moment" in refused.text
    assert org_name in refused.text
    assert "Nothing was deleted" in refused.text
    assert await _count(db, Applicant, Applicant.id == applied.id) == 1
    assert await _count(db, Answer, Answer.applicant_id == applied.id) == 5
    assert await _count(db, Message, Message.applicant_id == applied.id) == messages
    assert (
        await _count(
            db,
            PrivacyAudit,
            PrivacyAudit.applicant_id == applied.id,
            PrivacyAudit.action == PrivacyAction.ERASE,
        )
        == 0
    )

    # Asking again while held mails nothing and says why on the status page.
    outbox = await _count(db, OutboxMessage, OutboxMessage.to_address == applied.email)
    again = await browser.post(f"{applied.status_path}/delete", headers=ORIGIN)
    assert again.status_code == 303
    assert await _count(db, OutboxMessage, OutboxMessage.to_address == applied.email) == outbox
    page = await browser.get(applied.status_path)
    assert "has to keep it for a legal reason" in page.text
    # The held candidate still gets their copy.
    path = await _ask(world, applied, database, smtp_sink)
    assert (await world.anonymous.post(path, headers=ORIGIN)).status_code == 200


async def test_mailed_links_are_limited_per_status_link() -> None:
    limiter = StatusRateLimiter()
    for _ in range(MAILS_PER_HOUR):
        await limiter.hit_mail("link-a")
    with pytest.raises(RateLimited) as refused:
        await limiter.hit_mail("link-a")
    assert refused.value.retry_after > 0
    await limiter.hit_mail("link-b")
