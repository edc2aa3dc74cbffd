"""Team review in the dashboard: the applicant page's note composer and scorecard form, blind
until one submits, a note's deletion, and the notifications menu and page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.world import World
from tests.reviews.helpers import arrange
from wegotwork.db import utcnow

pytestmark = pytest.mark.usefixtures("dialect")

KIT = {"attributes": [{"name": "Python", "description": "Writes idiomatic, tested code"}]}


async def test_a_member_adds_a_note_that_mentions_a_teammate(
    db: AsyncSession, world: World
) -> None:
    place, _ = await arrange(db, world)
    page = f"/dashboard/{place.slug}/applicants/{place.applicant_id}"
    member = world.browser("member")
    sent = await member.post(
        f"{page}/notes",
        data={"body": f"**Great** portfolio, @{place.names['admin']} <script>alert(1)</script>"},
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == f"{page}#notes"
    shown = await member.get(page)
    assert "<strong>Great</strong> portfolio" in shown.text
    assert "<script>alert(1)" not in shown.text
    assert 'added a <a href="#note-' in shown.text

    admin = world.browser("admin")
    dashboard = await admin.get(f"/dashboard/{place.slug}")
    menu_url = f"/dashboard/{place.slug}/notifications/menu"
    # The page carries the menu's button; its contents and count arrive after the page loads.
    assert f'hx-get="{menu_url}" hx-trigger="load"' in dashboard.text
    menu = await admin.get(menu_url)
    assert 'class="badge badge-primary notifications-count">1' in menu.text
    assert "mentioned you about Grace Hopper" in menu.text
    listed = await admin.get(f"/dashboard/{place.slug}/notifications")
    assert listed.status_code == 200
    assert "mentioned you about Grace Hopper" in listed.text
    read = await admin.post(f"/dashboard/{place.slug}/notifications/read")
    assert read.status_code == 303
    assert "badge badge-primary notifications-count" not in (await admin.get(menu_url)).text

    empty = await member.post(f"{page}/notes", data={"body": "   "})
    assert empty.status_code == 303
    assert "Write something in the note" in (await member.get(page)).text


async def test_only_the_author_or_an_admin_deletes_a_note_from_the_page(
    db: AsyncSession, world: World
) -> None:
    place, _ = await arrange(db, world)
    note = (
        await world.api("admin").post(
            f"/api/v1/applicants/{place.applicant_id}/notes", json={"body": "Admin view"}
        )
    ).json()["note"]
    page = f"/dashboard/{place.slug}/applicants/{place.applicant_id}"
    member = world.browser("member")
    assert "Delete note" not in (await member.get(page)).text
    refused = await member.post(
        f"/dashboard/{place.slug}/notes/{note['id']}/delete", data={"applicant": place.applicant_id}
    )
    assert refused.status_code == 303
    assert "Only the author or an admin can delete this note" in (await member.get(page)).text
    assert "Admin view" in (await member.get(page)).text
    owner = world.browser("owner")
    deleted = await owner.post(
        f"/dashboard/{place.slug}/notes/{note['id']}/delete", data={"applicant": place.applicant_id}
    )
    assert deleted.status_code == 303
    assert "Admin view" not in (await owner.get(page)).text


async def test_only_the_author_edits_a_note_from_the_page(db: AsyncSession, world: World) -> None:
    place, _ = await arrange(db, world)
    note = (
        await world.api("member").post(
            f"/api/v1/applicants/{place.applicant_id}/notes", json={"body": "First *take*"}
        )
    ).json()["note"]
    page = f"/dashboard/{place.slug}/applicants/{place.applicant_id}"
    edit_url = f"/dashboard/{place.slug}/notes/{note['id']}"
    member = world.browser("member")
    shown = await member.get(page)
    assert f'action="{edit_url}"' in shown.text
    assert "First *take*</textarea>" in shown.text  # the Markdown to edit, not the HTML

    saved = await member.post(
        edit_url,
        data={"applicant": place.applicant_id, "body": f"Second take, @{place.names['admin']}"},
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"{page}#notes"
    after = await member.get(page)
    assert "Second take" in after.text
    assert "First <em>take</em>" not in after.text
    assert "· edited" in after.text
    # The newly mentioned teammate hears of it.
    menu = await world.browser("admin").get(f"/dashboard/{place.slug}/notifications/menu")
    assert "mentioned you about Grace Hopper" in menu.text

    empty = await member.post(edit_url, data={"applicant": place.applicant_id, "body": " "})
    assert empty.status_code == 303
    assert "Write something in the note" in (await member.get(page)).text
    assert "Second take" in (await member.get(page)).text

    admin = world.browser("admin")
    assert f'action="{edit_url}"' not in (await admin.get(page)).text
    refused = await admin.post(edit_url, data={"applicant": place.applicant_id, "body": "Mine"})
    assert refused.status_code == 303
    assert "Second take" in (await admin.get(page)).text
    assert "Mine" not in (await admin.get(page)).text
    outsider = await world.browser("outsider").post(
        edit_url, data={"applicant": place.applicant_id, "body": "Theirs"}
    )
    assert outsider.status_code == 404


async def test_the_scorecard_form_is_blind_until_submitted(db: AsyncSession, world: World) -> None:
    place, _ = await arrange(db, world)
    await world.api("admin").put(f"/api/v1/stages/{place.stage_id}/scorecard", json=KIT)
    await world.api("owner").put(
        f"/api/v1/applicants/{place.applicant_id}/scorecards/{place.stage_id}",
        json={"ratings": {"Python": 2}, "recommendation": "no", "notes": "Owner's doubts"},
    )
    page = f"/dashboard/{place.slug}/applicants/{place.applicant_id}"
    member = world.browser("member")
    before = await member.get(page)
    assert "Your scorecard for Submitted" in before.text
    assert "Writes idiomatic, tested code" in before.text
    assert "1 scorecard from teammates is hidden until you submit yours" in before.text
    assert "Owner&#39;s doubts" not in before.text

    missing = await member.post(
        f"{page}/scorecards/{place.stage_id}", data={"attr-0": "Python", "rating-0": "4"}
    )
    assert missing.status_code == 303
    assert "Choose your overall recommendation." in (await member.get(page)).text

    sent = await member.post(
        f"{page}/scorecards/{place.stage_id}",
        data={"attr-0": "Python", "rating-0": "4", "recommendation": "strong_yes"},
    )
    assert sent.status_code == 303
    after = await member.get(page)
    assert "Owner&#39;s doubts" in after.text
    assert "Strong yes" in after.text
    assert "Python 4/4" in after.text
    assert "submitted a scorecard for Submitted" in after.text
    assert "Update scorecard" in after.text


async def test_the_list_shows_the_rating_the_caller_may_see(db: AsyncSession, world: World) -> None:
    place, _ = await arrange(db, world)
    await world.api("member").put(
        f"/api/v1/applicants/{place.applicant_id}/scorecards/{place.stage_id}",
        json={"recommendation": "strong_yes"},
    )
    listed = await world.browser("admin").get(f"/dashboard/{place.slug}/applicants")
    assert "Rating +2.0" in listed.text
    assert (
        "applicant-rating"
        in (await world.browser("member").get(f"/dashboard/{place.slug}/applicants")).text
    )


async def test_the_list_sorts_and_filters_by_rating_and_stage_and_the_walk_follows(
    db: AsyncSession, world: World
) -> None:
    job = await factories.make_job(db, world.org, title="Rated job")
    people = [await factories.make_applicant(db, job, name=name) for name in ("Ann", "Bo", "Cy")]
    ids = {person.name: person.id for person in people}
    stage_id = people[0].stage_id
    slug, job_id = world.org.slug, job.id
    await db.commit()
    for name, verdict in (("Ann", "yes"), ("Bo", "strong_yes"), ("Cy", "no")):
        await world.api("owner").put(
            f"/api/v1/applicants/{ids[name]}/scorecards/{stage_id}",
            json={"recommendation": verdict},
        )
    admin = world.browser("admin")
    base = f"/dashboard/{slug}/jobs/{job_id}/applicants"

    def order(html: str) -> list[str]:
        found = re.findall(r">(Ann|Bo|Cy)</a>", html)
        return list(dict.fromkeys(found))

    assert order((await admin.get(base)).text) == ["Cy", "Bo", "Ann"]
    rated = await admin.get(f"{base}?sort=rating")
    assert order(rated.text) == ["Bo", "Ann", "Cy"]
    assert "Best rated first." in rated.text
    assert order((await admin.get(f"{base}?sort=rating&minRating=1")).text) == ["Bo", "Ann"]
    assert order((await admin.get(f"{base}?minRating=1.5")).text) == ["Bo"]
    page = (await admin.get(base)).text
    assert 'id="f-stage"' in page
    assert order((await admin.get(f"{base}?stage={stage_id}")).text) == ["Cy", "Bo", "Ann"]
    assert order((await admin.get(f"{base}?stage=another-stage")).text) == []

    # From the best rated, "next" walks in the list's order: Bo, then Ann, then Cy.
    detail = await admin.get(f"/dashboard/{slug}/applicants/{ids['Bo']}?sort=rating&job={job_id}")
    assert f"/dashboard/{slug}/applicants/{ids['Ann']}?" in detail.text
    assert "sort=rating" in detail.text
    # A member who has written no scorecard sees no rating, so the filter keeps no one.
    assert order((await world.browser("member").get(f"{base}?minRating=0")).text) == []


async def test_the_board_shows_the_rating_the_caller_may_see(
    db: AsyncSession, world: World
) -> None:
    place, applicant = await arrange(db, world)
    job_id = applicant.job_id
    admin, member = world.browser("admin"), world.browser("member")
    before = await admin.get(f"/dashboard/{place.slug}/board")
    assert "applicant-rating" not in before.text
    await world.api("owner").put(
        f"/api/v1/applicants/{place.applicant_id}/scorecards/{place.stage_id}",
        json={"recommendation": "no"},
    )
    for url in (f"/dashboard/{place.slug}/board", f"/dashboard/{place.slug}/board?job={job_id}"):
        assert "Rating -1.0" in (await admin.get(url)).text
        # Blind: the member has not submitted for that stage, so the owner's verdict is hidden.
        assert "applicant-rating" not in (await member.get(url)).text
    await world.api("member").put(
        f"/api/v1/applicants/{place.applicant_id}/scorecards/{place.stage_id}",
        json={"recommendation": "strong_yes"},
    )
    board = await member.get(f"/dashboard/{place.slug}/board?job={job_id}")
    assert "Rating +0.5" in board.text


async def test_previous_and_next_walk_the_filtered_list(db: AsyncSession, world: World) -> None:
    job = await factories.make_job(db, world.org)
    other = await factories.make_job(db, world.org)
    now = utcnow()
    made = []
    for index, target in enumerate((job, other, job, job)):
        applicant = await factories.make_applicant(db, target, name=f"Walker {index}")
        applicant.created_at = now - timedelta(minutes=index)
        made.append(applicant.id)
    slug, job_id = world.org.slug, job.id
    await db.commit()
    base = f"/dashboard/{slug}/applicants"
    listed = await world.browser("member").get(f"{base}?job={job_id}")
    assert f'href="{base}/{made[0]}?job={job_id}"' in listed.text
    # Newest first, only the job's applicants: 0, 2, 3.
    middle = await world.browser("member").get(f"{base}/{made[2]}?job={job_id}")
    assert f'rel="prev" href="{base}/{made[0]}?job={job_id}"' in middle.text
    assert f'rel="next" href="{base}/{made[3]}?job={job_id}"' in middle.text
    first = await world.browser("member").get(f"{base}/{made[0]}?job={job_id}")
    assert 'rel="prev"' not in first.text
    assert f'rel="next" href="{base}/{made[2]}?job={job_id}"' in first.text
    # Without filters the whole organization's list: the other job's applicant is next.
    unfiltered = await world.browser("member").get(f"{base}/{made[0]}")
    assert f'rel="next" href="{base}/{made[1]}"' in unfiltered.text


async def test_admins_write_a_stage_kit_on_the_pipelines_page(
    db: AsyncSession, world: World
) -> None:
    place, _ = await arrange(db, world)
    url = f"/dashboard/{place.slug}/stages/{place.stage_id}/scorecard"
    refused = await world.browser("member").post(url, data={"attributes": "Python"})
    assert refused.status_code == 403
    admin = world.browser("admin")
    saved = await admin.post(
        url, data={"attributes": "Python: writes tested code\n\n  Communication  \n"}
    )
    assert saved.status_code == 303
    page = await admin.get(f"/dashboard/{place.slug}/pipelines")
    assert "Saved the interview kit (2 attributes)." in page.text
    assert "Python: writes tested code\nCommunication\n</textarea>" in page.text
    kit = (
        await world.api("member").get(f"/api/v1/applicants/{place.applicant_id}/scorecards")
    ).json()["stages"]
    attributes = next(stage["attributes"] for stage in kit if stage["id"] == place.stage_id)
    assert attributes == [
        {"name": "Python", "description": "writes tested code"},
        {"name": "Communication", "description": None},
    ]
    repeated = await admin.post(url, data={"attributes": "Python\npython"})
    assert repeated.status_code == 303
    assert (
        "Each attribute needs a different name"
        in (await admin.get(f"/dashboard/{place.slug}/pipelines")).text
    )
