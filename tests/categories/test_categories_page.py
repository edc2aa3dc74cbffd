"""The categories page works as plain forms and, with htmx, swaps the list in place."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.world import World
from wegotwork.models import JobCategory, Organization

pytestmark = pytest.mark.usefixtures("dialect")

DEFAULTS = ["Software Development", "Finance", "Operations", "HR & Recruiting", "Security"]


def page(world: World) -> str:
    return f"/dashboard/{world.org.slug}/categories"


async def names(db: AsyncSession, organization: Organization) -> list[str]:
    rows = await db.execute(
        select(JobCategory.name)
        .where(JobCategory.organization_id == organization.id)
        .order_by(JobCategory.position)
    )
    return list(rows.scalars())


async def ids(db: AsyncSession, organization: Organization) -> list[str]:
    rows = await db.execute(
        select(JobCategory.id)
        .where(JobCategory.organization_id == organization.id)
        .order_by(JobCategory.position)
    )
    return list(rows.scalars())


def row_names(html: str) -> list[str]:
    found = re.findall(
        r'<label class="visually-hidden" for="name-[^"]+">Name of ([^<]*)</label>', html
    )
    return [unescape(name) for name in found]


async def test_the_page_lists_categories_in_order_with_keyboard_controls(world: World) -> None:
    response = await world.browser("member").get(page(world))

    assert response.status_code == 200
    html = response.text
    assert row_names(html) == DEFAULTS
    assert html.count('name="direction" value="up"') == 5
    assert "js/categories.js" in html
    assert 'aria-current="page"' in html
    # The first cannot move up, the last cannot move down.
    assert re.search(r'value="up" data-focus-key="up-[^"]+" disabled', html)
    assert re.search(r'value="down" data-focus-key="down-[^"]+" disabled', html)


async def test_adding_a_category_redirects_back_with_a_flash(
    db: AsyncSession, world: World
) -> None:
    browser = world.browser("member")

    response = await browser.post(page(world), data={"name": "Design"})

    assert response.status_code == 303
    assert response.headers["location"] == page(world)
    assert await names(db, world.org) == [*DEFAULTS, "Design"]
    shown = await browser.get(page(world))
    assert "Added “Design”." in shown.text


async def test_a_taken_name_is_shown_next_to_the_field_with_what_was_typed(
    db: AsyncSession, world: World
) -> None:
    response = await world.browser("member").post(page(world), data={"name": "FINANCE"})

    assert response.status_code == 422
    assert "A category with this name already exists" in response.text
    assert 'value="FINANCE"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert await names(db, world.org) == DEFAULTS


async def test_with_htmx_the_list_is_swapped_and_errors_stay_in_place(
    db: AsyncSession, world: World
) -> None:
    browser = world.browser("member")
    headers = {"hx-request": "true"}

    added = await browser.post(page(world), data={"name": "Design"}, headers=headers)
    refused = await browser.post(page(world), data={"name": "design"}, headers=headers)

    assert added.status_code == 200
    assert '<div id="category-list"' in added.text
    assert "<html" not in added.text
    assert 'hx-swap-oob="true">Added “Design”.</p>' in added.text
    assert refused.status_code == 200
    assert "A category with this name already exists" in refused.text


async def test_moving_up_and_down_reorders_one_step(db: AsyncSession, world: World) -> None:
    browser = world.browser("member")
    order = await ids(db, world.org)

    down = await browser.post(f"{page(world)}/{order[0]}/move", data={"direction": "down"})
    up = await browser.post(
        f"{page(world)}/{order[4]}/move", data={"direction": "up"}, headers={"hx-request": "true"}
    )
    edge = await browser.post(f"{page(world)}/{order[1]}/move", data={"direction": "up"})

    assert down.status_code == 303
    assert up.status_code == 200
    assert "Moved “Security” up." in up.text
    assert edge.status_code == 303
    assert await names(db, world.org) == [
        "Finance",
        "Software Development",
        "Operations",
        "Security",
        "HR & Recruiting",
    ]


async def test_the_whole_order_is_saved_from_the_form(db: AsyncSession, world: World) -> None:
    order = await ids(db, world.org)
    new_order = [order[2], order[0], order[1], order[4], order[3]]

    response = await world.browser("member").post(
        f"{page(world)}/order", data={"ids": new_order}, headers={"hx-request": "true"}
    )

    assert response.status_code == 200
    assert "Saved the new order." in response.text
    assert await ids(db, world.org) == new_order
    refused = await world.browser("member").post(f"{page(world)}/order", data={"ids": order[:2]})
    assert refused.status_code == 422
    assert "List every category of the organization exactly once" in refused.text
    assert await ids(db, world.org) == new_order


async def test_renaming_from_the_page(db: AsyncSession, world: World) -> None:
    order = await ids(db, world.org)

    renamed = await world.browser("member").post(
        f"{page(world)}/{order[1]}", data={"name": "Money"}
    )
    empty = await world.browser("member").post(f"{page(world)}/{order[1]}", data={"name": ""})

    assert renamed.status_code == 303
    assert empty.status_code == 422
    assert await names(db, world.org) == [
        "Software Development",
        "Money",
        "Operations",
        "HR & Recruiting",
        "Security",
    ]


async def test_deleting_says_how_many_jobs_become_uncategorized(
    db: AsyncSession, world: World
) -> None:
    category = await factories.make_category(db, world.org, name="Temporary")
    for _ in range(2):
        await factories.make_job(db, world.org, category=category)
    await db.commit()
    browser = world.browser("member")

    confirm = await browser.get(f"{page(world)}/{category.id}/delete")
    deleted = await browser.post(f"{page(world)}/{category.id}/delete")
    after = await browser.get(page(world))

    assert confirm.status_code == 200
    assert "2 jobs</strong> in it will become uncategorized" in confirm.text
    assert deleted.status_code == 303
    assert "Deleted “Temporary”. 2 jobs are now uncategorized." in after.text
    assert "Temporary" not in await names(db, world.org)


async def test_signed_out_visitors_are_sent_to_sign_in(world: World) -> None:
    response = await world.browser("anonymous").get(page(world))
    assert response.status_code == 303
    assert response.headers["location"].startswith("/sign-in?next=")
