"""A new team's first run over HTTP: the categories it chose at creation (the API keeps the five
default ones), the getting-started checklist ticking as the team works through it, and
dismissing it."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.app import ClientMaker
from tests.fixtures.world import World
from tests.organizations.helpers import fresh, one, png, signed_in, upload
from wegotwork.models import JobCategory, JobStatus, Organization
from wegotwork.onboarding.rules import PRESETS_BY_KEY
from wegotwork.organizations.rules import DEFAULT_CATEGORIES

STEP = re.compile(
    r'<li class="checklist-step( is-done)?">.*?<span class="checklist-label">([^<]+)<', re.S
)


def ticked(html: str) -> dict[str, bool]:
    """The checklist's steps on a page: label → done."""
    return {label: bool(done) for done, label in STEP.findall(html)}


async def categories_of(db: AsyncSession, slug: str) -> list[str]:
    org = await one(db, select(Organization).where(Organization.slug == slug))
    rows = await fresh(
        db,
        select(JobCategory.name)
        .where(JobCategory.organization_id == org.id)
        .order_by(JobCategory.position),
    )
    return list(rows)


async def test_a_new_workspace_starts_with_the_categories_chosen_or_none(
    db: AsyncSession, clients: ClientMaker
) -> None:
    _, browser, _ = await signed_in(db, clients)
    page = await browser.get("/onboarding")
    for preset in PRESETS_BY_KEY.values():
        assert f'value="{preset.key}"' in page.text
    assert 'value="none" checked' in page.text  # nothing is imposed

    await browser.post("/onboarding", data={"name": "Corner Cafe", "slug": "corner-cafe"})
    assert await categories_of(db, "corner-cafe") == []

    await browser.post(
        "/onboarding", data={"name": "Good Food", "slug": "good-food", "categories": "hospitality"}
    )
    assert await categories_of(db, "good-food") == ["Kitchen", "Front of house", "Management"]


async def test_an_unknown_preset_is_refused_in_place(
    db: AsyncSession, clients: ClientMaker
) -> None:
    _, browser, _ = await signed_in(db, clients)
    response = await browser.post(
        "/onboarding", data={"name": "Odd Shop", "slug": "odd-shop", "categories": "spaceships"}
    )
    assert response.status_code == 422
    assert 'id="f-categories-error"' in response.text
    assert "Choose one of the suggestions, or none" in response.text
    assert 'value="Odd Shop"' in response.text  # what was typed is kept


async def test_the_api_still_gives_the_five_default_categories(
    db: AsyncSession, clients: ClientMaker
) -> None:
    _, browser, _ = await signed_in(db, clients)
    response = await browser.post(
        "/api/v1/organizations", json={"name": "Api Co", "slug": "api-co"}
    )
    assert response.status_code == 201
    assert await categories_of(db, "api-co") == list(DEFAULT_CATEGORIES)


async def test_the_checklist_ticks_itself_as_the_team_works_through_it(
    db: AsyncSession, clients: ClientMaker
) -> None:
    _, browser, _ = await signed_in(db, clients)
    await browser.post("/onboarding", data={"name": "Fresh Start", "slug": "fresh-start"})
    overview = "/dashboard/fresh-start"
    steps = ticked((await browser.get(overview)).text)
    assert steps == {
        "Add your logo and description": False,
        "Review your job categories": False,
        "Create your first job": False,
        "Publish it": False,
        "View your careers page": False,
        "Invite a teammate": False,
    }
    assert "0 of 6 steps done." in (await browser.get(overview)).text

    await browser.post(
        f"{overview}/settings",
        data={"name": "Fresh Start", "slug": "fresh-start", "description": "We bake bread."},
    )
    await browser.post(f"{overview}/settings/logo", files=upload(png()))
    reviewed = await browser.post(f"{overview}/checklist/categories")
    assert reviewed.headers["location"] == f"{overview}/categories"
    created = await browser.post(f"{overview}/jobs", data={"title": "Baker"})
    job_path = created.headers["location"]
    steps = ticked((await browser.get(overview)).text)
    assert [label for label, done in steps.items() if done] == [
        "Add your logo and description",
        "Review your job categories",
        "Create your first job",
    ]

    published = await browser.post(f"{job_path}/publish")
    assert published.status_code == 303
    viewed = await browser.post(f"{overview}/checklist/careers")
    assert viewed.headers["location"] == "/careers/fresh-start"
    await browser.post(
        f"{overview}/team/invitations", data={"email": "mate@example.com", "role": "member"}
    )
    page = (await browser.get(overview)).text
    assert all(ticked(page).values())
    assert "You are all set" in page

    dismissed = await browser.post(f"{overview}/checklist/dismiss")
    assert dismissed.headers["location"] == overview
    assert "checklist-step" not in (await browser.get(overview)).text


async def test_the_checklist_can_be_dismissed_at_once_and_stays_away(
    db: AsyncSession, world: World
) -> None:
    member = world.browser("member")
    overview = f"/dashboard/{world.org.slug}"
    assert "Getting started" in (await member.get(overview)).text
    await member.post(f"{overview}/checklist/dismiss")
    await member.post(f"{overview}/checklist/careers")  # a step taken later changes nothing shown
    assert "Getting started" not in (await member.get(overview)).text
    assert "Getting started" not in (await world.browser("owner").get(overview)).text


async def test_a_published_job_ticks_publish_and_a_second_member_ticks_invite(
    db: AsyncSession, world: World
) -> None:
    await factories.make_job(db, world.org, status=JobStatus.PUBLISHED)
    await db.commit()
    steps = ticked((await world.browser("owner").get(f"/dashboard/{world.org.slug}")).text)
    assert steps["Create your first job"]
    assert steps["Publish it"]
    assert steps["Invite a teammate"]  # the world's organization has an admin and a member
    assert not steps["View your careers page"]
