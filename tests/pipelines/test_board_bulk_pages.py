"""Moving several applicants at once from a job's board (the bulk route, without JavaScript),
and changing an applicant's stage in place from their page (htmx): the rows change, the moves
are logged, refusals are shown where they were asked for and change nothing."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import unquote

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.world import World
from wegotwork.models import ActivityKind, Applicant, ApplicantActivity, Job, PipelineStage

pytestmark = pytest.mark.usefixtures("dialect")


def flash_of(response: httpx.Response) -> str:
    return unquote(response.cookies.get("wegotwork.flash") or "")


def text_of(response: httpx.Response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


async def _technical_job(db: AsyncSession, world: World) -> tuple[Job, dict[str, PipelineStage]]:
    pipeline = await factories.make_pipeline(db, world.org, template="technical")
    job = await factories.make_job(db, world.org, title="Engineer", pipeline_id=pipeline.id)
    stages = await db.scalars(select(PipelineStage).where(PipelineStage.pipeline_id == pipeline.id))
    return job, {stage.name: stage for stage in stages}


async def _stage_of(db: AsyncSession, *applicants: Applicant) -> list[str | None]:
    rows = dict(
        (
            await db.execute(
                select(Applicant.id, Applicant.stage_id).where(
                    Applicant.id.in_([a.id for a in applicants])
                )
            )
        ).all()
    )
    return [rows[applicant.id] for applicant in applicants]


async def _moves(db: AsyncSession, *applicants: Applicant) -> int:
    return int(
        await db.scalar(
            select(func.count())
            .select_from(ApplicantActivity)
            .where(
                ApplicantActivity.kind == ActivityKind.STAGE_CHANGED,
                ApplicantActivity.applicant_id.in_([a.id for a in applicants]),
            )
        )
        or 0
    )


async def test_a_jobs_board_offers_a_checkbox_per_card_and_the_bulk_bar(
    db: AsyncSession, world: World
) -> None:
    job, stages = await _technical_job(db, world)
    await factories.make_applicant(db, job, name="Ada Lovelace")
    await db.commit()
    board = f"/dashboard/{world.org.slug}/board?job={job.id}"
    html = (await world.browser("member").get(board)).text
    assert 'id="board-bulk"' in html
    assert f'action="/dashboard/{world.org.slug}/applicants/bulk"' in html
    assert 'form="board-bulk" aria-label="Select Ada Lovelace"' in html
    assert f'name="boardJob" value="{job.id}"' in html
    assert f'<option value="{stages["Take-home"].id}">Take-home</option>' in html
    # The board of every job (a column per status) has no bulk bar.
    everyone = (await world.browser("member").get(f"/dashboard/{world.org.slug}/board")).text
    assert 'id="board-bulk"' not in everyone
    assert "Select Ada Lovelace" not in everyone


async def test_the_ticked_cards_move_to_a_stage_and_the_board_comes_back(
    db: AsyncSession, world: World
) -> None:
    job, stages = await _technical_job(db, world)
    ada = await factories.make_applicant(db, job, name="Ada Lovelace")
    grace = await factories.make_applicant(db, job, name="Grace Hopper")
    linus = await factories.make_applicant(db, job, name="Linus Torvalds")
    await db.commit()
    before = await _moves(db, ada, grace, linus)
    response = await world.browser("member").post(
        f"/dashboard/{world.org.slug}/applicants/bulk",
        data={
            "applicantIds": [ada.id, grace.id],
            "boardJob": job.id,
            "action": "move",
            "stageId": stages["Take-home"].id,
        },
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/dashboard/{world.org.slug}/board?job={job.id}"
    assert "2 applicants moved to Take-home." in flash_of(response)
    take_home = stages["Take-home"].id
    assert await _stage_of(db, ada, grace, linus) == [take_home, take_home, stages["Applied"].id]
    assert await _moves(db, ada, grace, linus) == before + 2
    logged = await db.scalar(
        select(ApplicantActivity).where(
            ApplicantActivity.applicant_id == ada.id,
            ApplicantActivity.kind == ActivityKind.STAGE_CHANGED,
        )
    )
    assert logged is not None
    assert logged.actor_id == world.users["member"].id
    assert logged.data["to"]["name"] == "Take-home"

    page = await world.browser("member").get(response.headers["location"])
    column = page.text[page.text.index(f'data-stage="{take_home}"') :]
    column = column[: column.index("</section>")]
    assert "Ada Lovelace" in column
    assert "Grace Hopper" in column
    assert '<span class="badge" data-count>2</span>' in column


async def test_a_refused_move_is_explained_on_the_board_and_changes_nothing(
    db: AsyncSession, world: World
) -> None:
    job, stages = await _technical_job(db, world)
    ada = await factories.make_applicant(db, job, name="Ada Lovelace")
    grace = await factories.make_applicant(db, job, name="Grace Hopper")
    other_job = await factories.make_job(db, world.org, title="Office Manager")
    elsewhere = await factories.make_applicant(db, other_job, name="Other Pipeline")
    stranger = await factories.make_applicant(
        db, await factories.make_job(db, world.other_org), name="Stranger Danger"
    )
    await db.commit()
    url = f"/dashboard/{world.org.slug}/applicants/bulk"
    browser = world.browser("member")
    everyone = [ada, grace, elsewhere, stranger]
    stages_before = await _stage_of(db, *everyone)
    moves_before = await _moves(db, *everyone)
    interview = stages["Interview"].id

    nothing = await browser.post(
        url, data={"boardJob": job.id, "action": "move", "stageId": interview}
    )
    assert nothing.status_code == 422
    assert "Nothing changed. Select at least one applicant." in text_of(nothing)
    # The same board, the stage chosen kept, ready to tick cards.
    assert 'role="alert"' in nothing.text
    assert 'id="board-bulk"' in nothing.text
    assert '<h2 class="board-title"' in nothing.text
    assert f'<option value="{interview}" selected>Interview</option>' in nothing.text

    no_stage = await browser.post(
        url, data={"applicantIds": [ada.id, grace.id], "boardJob": job.id, "action": "move"}
    )
    assert no_stage.status_code == 422
    assert "Choose the stage to move the applicants to" in text_of(no_stage)
    assert 'id="board-bulk-stage-error"' in no_stage.text
    assert 'aria-invalid="true"' in no_stage.text
    # The ticked cards stay ticked.
    assert no_stage.text.count(" checked>") == 2

    foreign = await browser.post(
        url,
        data={
            "applicantIds": [ada.id, stranger.id],
            "boardJob": job.id,
            "action": "move",
            "stageId": interview,
        },
    )
    assert foreign.status_code == 422
    assert "1 of the applicants cannot be acted on" in text_of(foreign)
    assert "Stranger Danger" not in foreign.text

    other_pipeline = await browser.post(
        url,
        data={
            "applicantIds": [ada.id, elsewhere.id],
            "boardJob": job.id,
            "action": "move",
            "stageId": interview,
        },
    )
    assert other_pipeline.status_code == 422
    assert "The stage is not in the pipeline of every applicant's job" in text_of(other_pipeline)

    assert await _stage_of(db, *everyone) == stages_before
    assert await _moves(db, *everyone) == moves_before


async def test_the_board_bulk_move_belongs_to_the_organizations_team(
    db: AsyncSession, world: World
) -> None:
    job, stages = await _technical_job(db, world)
    ada = await factories.make_applicant(db, job, name="Ada Lovelace")
    await db.commit()
    data = {
        "applicantIds": [ada.id],
        "boardJob": job.id,
        "action": "move",
        "stageId": stages["Offer"].id,
    }
    outsider = await world.browser("outsider").post(
        f"/dashboard/{world.org.slug}/applicants/bulk", data=data
    )
    assert outsider.status_code == 404
    # In their own organization, an outsider names organization A's job: not found, nothing moves.
    own = await world.browser("outsider").post(
        f"/dashboard/{world.other_org.slug}/applicants/bulk", data=data
    )
    assert own.status_code == 404
    assert await _stage_of(db, ada) == [stages["Applied"].id]


async def test_the_stage_changes_in_place_with_htmx(db: AsyncSession, world: World) -> None:
    job, stages = await _technical_job(db, world)
    ada = await factories.make_applicant(db, job, name="Ada Lovelace")
    await db.commit()
    page_url = f"/dashboard/{world.org.slug}/applicants/{ada.id}"
    browser = world.browser("member")
    page = (await browser.get(page_url)).text
    assert f'hx-post="{page_url}/status"' in page
    assert 'id="stage-feedback" role="status"' in page
    assert 'id="applicant-timeline"' in page

    response = await browser.post(
        f"{page_url}/status",
        data={"stageId": stages["Take-home"].id},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200, response.text
    html = response.text
    assert "<main" not in html
    assert "Ada Lovelace moved to Take-home." in text_of(response)
    assert not response.cookies.get("wegotwork.flash")
    # The header, the stage form, the timeline and the scorecards, out of band.
    assert re.search(
        r'id="applicant-stage-badge" hx-swap-oob="true">\s*<span[^>]*>Take-home<', html
    )
    assert f'<option value="{stages["Take-home"].id}" selected>Take-home</option>' in html
    timeline = html[html.index('id="applicant-timeline"') :]
    assert 'hx-swap-oob="true"' in timeline[:200]
    assert "from Applied to Take-home" in text_of(httpx.Response(200, text=timeline))
    assert 'id="scorecards"' in html
    assert await _stage_of(db, ada) == [stages["Take-home"].id]
    assert await _moves(db, ada) == 1

    # A stage of another pipeline: refused in place, nothing changed.
    other = await _technical_job(db, world)
    await db.commit()
    refused = await browser.post(
        f"{page_url}/status",
        data={"stageId": other[1]["Offer"].id},
        headers={"HX-Request": "true"},
    )
    assert refused.status_code == 422
    assert 'class="field-error"' in refused.text
    assert 'aria-invalid="true"' in refused.text
    assert await _stage_of(db, ada) == [stages["Take-home"].id]
    assert await _moves(db, ada) == 1

    # Without htmx: the plain form, then back to the page with a notice.
    plain = await browser.post(f"{page_url}/status", data={"stageId": stages["Interview"].id})
    assert plain.status_code == 303
    assert plain.headers["location"] == page_url
    assert "Ada Lovelace moved to Interview." in flash_of(plain)
    assert await _stage_of(db, ada) == [stages["Interview"].id]


async def test_another_organizations_applicant_cannot_change_stage_in_place(
    db: AsyncSession, world: World
) -> None:
    job, stages = await _technical_job(db, world)
    ada = await factories.make_applicant(db, job, name="Ada Lovelace")
    await db.commit()
    response = await world.browser("outsider").post(
        f"/dashboard/{world.other_org.slug}/applicants/{ada.id}/status",
        data={"stageId": stages["Offer"].id},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 404
    assert "Ada Lovelace" not in response.text
    assert await _stage_of(db, ada) == [stages["Applied"].id]
