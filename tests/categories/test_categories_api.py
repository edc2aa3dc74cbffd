"""A team keeps its job categories in order through the JSON API."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.world import World
from wegotwork.models import Job, JobCategory, JobStatus, Organization

pytestmark = pytest.mark.usefixtures("dialect")

DEFAULTS = ["Software Development", "Finance", "Operations", "HR & Recruiting", "Security"]


def base(world: World) -> str:
    return f"/api/v1/organizations/{world.org.id}/categories"


async def names_in_order(db: AsyncSession, organization: Organization) -> list[str]:
    rows = await db.execute(
        select(JobCategory.name)
        .where(JobCategory.organization_id == organization.id)
        .order_by(JobCategory.position, JobCategory.created_at)
    )
    return list(rows.scalars())


async def content_version(db: AsyncSession, organization: Organization) -> int:
    value = await db.scalar(
        select(Organization.content_version).where(Organization.id == organization.id)
    )
    assert value is not None
    return value


async def test_a_member_lists_the_categories_in_order_with_job_counts(
    db: AsyncSession, world: World
) -> None:
    finance = await db.scalar(
        select(JobCategory).where(
            JobCategory.organization_id == world.org.id, JobCategory.name == "Finance"
        )
    )
    await factories.make_job(db, world.org, category=finance)
    await factories.make_job(db, world.org, category=finance, status=JobStatus.DRAFT)
    await db.commit()

    response = await world.api("member").get(base(world))

    assert response.status_code == 200
    body = response.json()
    assert body["error"] is False
    assert [item["name"] for item in body["categories"]] == DEFAULTS
    counts = {item["name"]: item["jobCount"] for item in body["categories"]}
    assert counts["Finance"] == 2
    assert counts["Security"] == 0
    assert set(body["categories"][0]) == {"id", "name", "position", "jobCount"}


async def test_a_new_category_goes_last_and_the_careers_site_learns_of_it(
    db: AsyncSession, world: World
) -> None:
    before = await content_version(db, world.org)

    response = await world.api("member").post(base(world), json={"name": "  Design   Team "})

    assert response.status_code == 201
    assert response.json()["category"]["name"] == "Design Team"
    assert response.json()["category"]["position"] == 5
    assert await names_in_order(db, world.org) == [*DEFAULTS, "Design Team"]
    assert await content_version(db, world.org) == before + 1


async def test_a_duplicate_name_is_a_conflict_whatever_its_case(
    db: AsyncSession, world: World
) -> None:
    response = await world.api("member").post(base(world), json={"name": "finance"})

    assert response.status_code == 409
    assert response.json()["message"] == "A category with this name already exists"
    assert await names_in_order(db, world.org) == DEFAULTS


async def test_the_same_name_is_fine_in_another_organization(world: World) -> None:
    response = await world.api("outsider").post(
        f"/api/v1/organizations/{world.other_org.id}/categories", json={"name": "Design"}
    )
    assert response.status_code == 201
    response = await world.api("member").post(base(world), json={"name": "Design"})
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"name": "   "}, "Name is required"),
        ({"name": "x" * 81}, "Use at most 80 characters"),
        ({}, "Name is required"),
    ],
)
async def test_a_name_must_be_given_and_short(
    world: World, payload: dict[str, str], message: str
) -> None:
    response = await world.api("member").post(base(world), json=payload)

    assert response.status_code == 422
    assert response.json()["fieldErrors"] == {"name": [message]}


async def test_renaming_keeps_the_place_and_refuses_a_taken_name(
    db: AsyncSession, world: World
) -> None:
    finance_id = (await world.api("member").get(base(world))).json()["categories"][1]["id"]

    renamed = await world.api("member").patch(f"{base(world)}/{finance_id}", json={"name": "Money"})
    taken = await world.api("member").patch(
        f"{base(world)}/{finance_id}", json={"name": "SECURITY"}
    )

    assert renamed.status_code == 200
    assert renamed.json()["category"] == {
        "id": finance_id,
        "name": "Money",
        "position": 1,
        "jobCount": 0,
    }
    assert taken.status_code == 409
    assert await names_in_order(db, world.org) == [
        "Software Development",
        "Money",
        "Operations",
        "HR & Recruiting",
        "Security",
    ]


async def test_deleting_a_category_leaves_its_jobs_uncategorized(
    db: AsyncSession, world: World
) -> None:
    category = await factories.make_category(db, world.org, name="Temporary")
    jobs = [await factories.make_job(db, world.org, category=category) for _ in range(3)]
    await db.commit()

    response = await world.api("member").delete(f"{base(world)}/{category.id}")

    assert response.status_code == 200
    assert response.json() == {
        "error": False,
        "message": "Category deleted",
        "uncategorizedJobs": 3,
    }
    assert await db.get(JobCategory, category.id, populate_existing=True) is None
    remaining = await db.execute(
        select(Job.category_id).where(Job.id.in_([job.id for job in jobs]))
    )
    assert list(remaining.scalars()) == [None, None, None]


async def test_reordering_replaces_the_whole_order_at_once(db: AsyncSession, world: World) -> None:
    categories = (await world.api("member").get(base(world))).json()["categories"]
    ids = [item["id"] for item in reversed(categories)]
    before = await content_version(db, world.org)

    response = await world.api("member").put(f"{base(world)}/order", json={"ids": ids})

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["categories"]] == ids
    assert [item["position"] for item in response.json()["categories"]] == [0, 1, 2, 3, 4]
    assert await names_in_order(db, world.org) == list(reversed(DEFAULTS))
    assert await content_version(db, world.org) == before + 1


@pytest.mark.parametrize("problem", ["missing", "repeated", "empty"])
async def test_an_incomplete_order_changes_nothing(
    db: AsyncSession, world: World, problem: str
) -> None:
    ids = [item["id"] for item in (await world.api("member").get(base(world))).json()["categories"]]
    sent = {"missing": ids[1:], "repeated": [*ids, ids[0]], "empty": []}[problem]

    response = await world.api("member").put(f"{base(world)}/order", json={"ids": sent})

    assert response.status_code == 422
    assert "ids" in response.json()["fieldErrors"]
    assert await names_in_order(db, world.org) == DEFAULTS


async def test_an_order_naming_another_organizations_category_is_not_found(
    db: AsyncSession, world: World
) -> None:
    theirs = await factories.make_category(db, world.other_org, name="Theirs")
    await db.commit()
    ids = [item["id"] for item in (await world.api("member").get(base(world))).json()["categories"]]

    response = await world.api("member").put(
        f"{base(world)}/order", json={"ids": [theirs.id, *ids[1:]]}
    )

    assert response.status_code == 404
    assert await names_in_order(db, world.org) == DEFAULTS


async def test_signed_out_callers_are_asked_to_sign_in(world: World) -> None:
    response = await world.api("anonymous").get(base(world))
    assert response.status_code == 401
    response = await world.api("anonymous").post(base(world), json={"name": "X"})
    assert response.status_code == 401
