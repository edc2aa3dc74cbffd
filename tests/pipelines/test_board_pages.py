"""The board of a job's pipeline in the dashboard: a column per stage with its count and first
cards, more on demand, end states folded, moves by stage without JavaScript, and the timeline on
the applicant's page."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.world import World
from wegotwork.models import Applicant, ApplicantStatus, Job, PipelineStage
from wegotwork.pipelines.rules import TEMPLATES


async def _technical_job(db: AsyncSession, world: World) -> tuple[Job, dict[str, PipelineStage]]:
    pipeline = await factories.make_pipeline(db, world.org, template="technical")
    job = await factories.make_job(db, world.org, title="Engineer", pipeline_id=pipeline.id)
    stages = await db.scalars(select(PipelineStage).where(PipelineStage.pipeline_id == pipeline.id))
    return job, {stage.name: stage for stage in stages}


async def test_a_jobs_board_has_a_column_per_stage_with_more_on_demand(
    db: AsyncSession, world: World
) -> None:
    job, stages = await _technical_job(db, world)
    for _ in range(27):
        await factories.make_applicant(db, job)
    await factories.make_applicant(db, job, status=ApplicantStatus.HIRED)
    await db.commit()
    member = world.browser("member")
    html = (await member.get(f"/dashboard/{world.org.slug}/board?job={job.id}")).text
    names = re.findall(r'<h2 class="board-title" id="column-\w+">\s*<span>([^<]+)</span>', html)
    assert names == [stage.name for stage in TEMPLATES["technical"]]
    applied = html[html.index(f'data-stage="{stages["Applied"].id}"') :]
    applied = applied[: applied.index("</section>")]
    assert applied.count('class="board-card"') == 25
    assert '<span class="badge" data-count>27</span>' in applied
    more = re.search(r'hx-get="([^"]+)"', applied)
    assert more is not None
    assert html.count('<details class="board-end">') == 2
    assert 'name="stageId"' in html
    # The same job's list view is one link away (25 to a page, as the board's first cards).
    listing = f"/dashboard/{world.org.slug}/jobs/{job.id}/applicants"
    assert f'href="{listing}">List view</a>' in html
    assert (await member.get(listing)).text.count('class="applicant-name"') == 25

    rest = await member.get(more.group(1).replace("&amp;", "&"), headers={"hx-request": "true"})
    assert rest.status_code == 200
    assert rest.text.count('class="board-card"') == 2
    assert "hx-get" not in rest.text
    assert "<main" not in rest.text


async def test_without_javascript_a_card_moves_to_a_stage(db: AsyncSession, world: World) -> None:
    job, stages = await _technical_job(db, world)
    applicant = await factories.make_applicant(db, job, name="Katherine Johnson")
    await db.commit()
    response = await world.browser("member").post(
        f"/dashboard/{world.org.slug}/applicants/{applicant.id}/status",
        data={"stageId": stages["Take-home"].id, "next": "board", "job": job.id},
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/dashboard/{world.org.slug}/board?job={job.id}"
    moved = await db.scalar(select(Applicant.stage_id).where(Applicant.id == applicant.id))
    assert moved == stages["Take-home"].id

    page = await world.browser("member").get(
        f"/dashboard/{world.org.slug}/applicants/{applicant.id}"
    )
    assert "<strong>Member Person</strong> moved" in page.text
    assert "from Applied to Take-home" in page.text
    assert "Applied into Applied" in page.text
    assert f'<option value="{stages["Take-home"].id}" selected>Take-home</option>' in page.text


async def test_another_organizations_job_board_is_not_found(db: AsyncSession, world: World) -> None:
    job = await factories.make_job(db, world.other_org)
    await db.commit()
    response = await world.browser("member").get(f"/dashboard/{world.org.slug}/board?job={job.id}")
    assert response.status_code == 404
