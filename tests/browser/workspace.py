"""A workspace in a live server for browser tests that look at every page: jobs (published,
draft, closed) in a category, an applicant with a résumé, a teammate and a pending invitation;
and browser contexts at phone or desktop size, signed in or not."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from playwright.async_api import Browser, BrowserContext
from sqlalchemy.ext.asyncio import async_sessionmaker

from tests import factories
from tests.applicants.helpers import PDF, pdf_bytes
from tests.fixtures.live import LiveServer
from wegotwork import cookies
from wegotwork.db import create_engine
from wegotwork.models import JobStatus, Role

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
        applied = await client.post(
            f"/api/v1/public/jobs/{job.id}/applications",
            data={"name": "Ada Lovelace", "email": "ada@example.com", "motivation": "I bake."},
            files={"resume": ("cv.pdf", pdf_bytes(), PDF)},
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
    }
    return Seeded(org.slug, session.token, owner.email, ids, closed.id, draft.id)


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
