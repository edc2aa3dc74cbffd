"""A workspace in a live server for browser tests that look at every page: jobs (published,
draft, closed) in a category, an applicant with a résumé, a teammate and a pending invitation;
and browser contexts at phone or desktop size, signed in or not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import httpx
from playwright.async_api import Browser, BrowserContext
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from tests import factories
from tests.applicants.helpers import PDF, pdf_bytes
from tests.fixtures.live import LiveServer
from wegotwork import cookies
from wegotwork.db import create_engine, utcnow
from wegotwork.messages import links as status_links
from wegotwork.models import CandidateLink, JobStatus, MessageTemplate, Role, TemplateKind

LIVE_SECRET = "live-test-secret-0123456789-abcdefghijklmnop"  # as in tests/fixtures/live.py
SIZES = {"phone": (390, 844), "desktop": (1280, 800)}


@dataclass
class Seeded:
    slug: str
    token: str
    owner_email: str
    ids: dict[str, str]
    closed_job: str
    draft_job: str


async def seed(server: LiveServer) -> Seeded:
    engine = create_engine(server.database_url)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as db:
            owner = await factories.make_user(db, name="Olivia Owner")
            teammate = await factories.make_user(db, name="Tom Teammate")
            org = await factories.make_org(db, owner, name="Acme Bakery", slug="acme-bakery")
            org.description = "We bake bread for the whole town, every morning since 1952."
            org.website = "https://bakery.example"
            await factories.add_member(db, org, teammate, Role.MEMBER)
            category = await factories.make_category(db, org, name="Kitchen")
            description = (
                "## About the role\n\nYou bake.\n\n### What you do\n\n- Knead\n- Bake\n\n"
                "## What we offer\n\nBread."
            )
            job = await factories.make_job(
                db, org, title="Head Baker", category=category, description=description
            )
            for title in ("Pastry Chef", "Delivery Driver"):
                await factories.make_job(db, org, title=title, category=category)
            draft = await factories.make_job(db, org, title="Barista", status=JobStatus.DRAFT)
            closed = await factories.make_job(db, org, title="Night Baker", status=JobStatus.CLOSED)
            invitation = await factories.make_invitation(
                db, org, owner, email="new.baker@example.com"
            )
            session = await factories.make_session(db, owner)
            teammate_session = await factories.make_session(db, teammate)
            await db.commit()
    finally:
        await engine.dispose()
    async with httpx.AsyncClient(base_url=server.url) as client:
        # Application forms: the job asks three optional questions, one a file.
        questions = await client.put(
            f"/api/v1/jobs/{job.id}/questions",
            json={
                "questions": [
                    {"label": "Can you start at 4 am?", "kind": "yes_no"},
                    {
                        "label": "Favourite bread",
                        "kind": "single_choice",
                        "options": ["Rye", "Spelt"],
                    },
                    {"label": "Photo of your bake", "kind": "file"},
                ]
            },
            headers={"authorization": f"Bearer {session.token}"},
        )
        assert questions.status_code == 200, questions.text
        asked = [q["id"] for q in questions.json()["questions"]]
        applied = await client.post(
            f"/api/v1/public/jobs/{job.id}/applications",
            data={
                "name": "Ada Lovelace",
                "email": "ada@example.com",
                "motivation": "I bake.",
                f"answers[{asked[0]}]": "yes",
                f"answers[{asked[1]}]": "Rye",
            },
            files={
                "resume": ("cv.pdf", pdf_bytes(), PDF),
                f"answers[{asked[2]}]": ("bake.pdf", pdf_bytes(), PDF),
            },
        )
        assert applied.status_code == 201, applied.text
        listed = await client.get(
            f"/api/v1/jobs/{job.id}/applicants",
            headers={"authorization": f"Bearer {session.token}"},
        )
        applicant = listed.json()["applicants"][0]["id"]
        # Team review: a kit on the applicant's stage, a teammate's note mentioning the owner
        # (an unread notification) and the teammate's scorecard.
        stage = listed.json()["applicants"][0]["stageId"]
        owner_api = {"authorization": f"Bearer {session.token}"}
        teammate_api = {"authorization": f"Bearer {teammate_session.token}"}
        kit = await client.put(
            f"/api/v1/stages/{stage}/scorecard",
            json={"attributes": [{"name": "Baking", "description": "Bread that rises"}]},
            headers=owner_api,
        )
        assert kit.status_code == 200, kit.text
        note = await client.post(
            f"/api/v1/applicants/{applicant}/notes",
            json={"body": "Lovely **sourdough** photos. @Olivia Owner, worth a call?"},
            headers=teammate_api,
        )
        assert note.status_code == 201, note.text
        card = await client.put(
            f"/api/v1/applicants/{applicant}/scorecards/{stage}",
            json={"ratings": {"Baking": 4}, "recommendation": "yes", "notes": "Knows rye"},
            headers=teammate_api,
        )
        assert card.status_code == 200, card.text
    ids = {
        "slug": org.slug,
        "orgId": org.id,
        "job_id": job.id,
        "jobId": job.id,
        "category_id": category.id,
        "applicantId": applicant,
        "noteId": note.json()["note"]["id"],
        "stageId": stage,
        "invitationId": invitation.id,
        "name": "none.png",
        # Application forms
        "questionId": asked[2],
    }
    ids.update(await _communication(server, applicant))
    return Seeded(org.slug, session.token, owner.email, ids, closed.id, draft.id)


# Candidate communication: the applicant's status page (its token made from the live server's
# secret), a pending "delete my data" confirmation, an unused "download my data" link and a
# mail template's page.
ERASE_TOKEN = "workspace-erase-token-0123456789abcdef"
EXPORT_TOKEN = "workspace-export-token-012345678"


async def _communication(server: LiveServer, applicant_id: str) -> dict[str, str]:
    engine = create_engine(server.database_url)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as db:
            link = await db.get(CandidateLink, applicant_id)
            assert link is not None
            link.erase_hash = status_links.digest(ERASE_TOKEN)
            link.erase_expires_at = utcnow() + timedelta(days=1)
            link.export_hash = status_links.digest(EXPORT_TOKEN)
            link.export_expires_at = utcnow() + timedelta(days=1)
            token = status_links.derive(LIVE_SECRET, applicant_id, link.nonce)
            # A template's page: the rejection template every organization starts with.
            template_id = await db.scalar(
                select(MessageTemplate.id).where(
                    MessageTemplate.organization_id == link.organization_id,
                    MessageTemplate.kind == TemplateKind.REJECTION,
                )
            )
            assert template_id is not None
            await db.commit()
    finally:
        await engine.dispose()
    return {
        "statusToken": token,
        "eraseToken": ERASE_TOKEN,
        "exportToken": EXPORT_TOKEN,
        "templateId": template_id,
    }


async def new_context(
    browser: Browser, server: LiveServer, size: str, token: str | None
) -> BrowserContext:
    width, height = SIZES[size]
    context = await browser.new_context(
        viewport={"width": width, "height": height},
        is_mobile=size == "phone",
        has_touch=size == "phone",
    )
    context.set_default_timeout(10_000)
    if token:
        await context.add_cookies(
            [
                {
                    "name": cookies.cookie_name("session_token", secure=False),
                    "value": cookies.sign(token, LIVE_SECRET),
                    "url": server.url,
                }
            ]
        )
    return context
