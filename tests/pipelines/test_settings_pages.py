"""The pipelines page: an admin creates a pipeline from a template, adds, reorders and removes
stages (moving a removed stage's applicants), renames it and makes it the default; members see
it without the forms; a refused change changes nothing."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.world import World
from wegotwork.models import Applicant, Pipeline, PipelineStage
from wegotwork.pipelines.rules import TEMPLATES


async def _stages(db: AsyncSession, pipeline_id: str) -> list[PipelineStage]:
    rows = await db.scalars(
        select(PipelineStage)
        .where(PipelineStage.pipeline_id == pipeline_id)
        .order_by(PipelineStage.position)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def test_an_admin_shapes_a_pipeline_on_the_page(db: AsyncSession, world: World) -> None:
    admin = world.browser("admin")
    base = f"/dashboard/{world.org.slug}/pipelines"
    created = await admin.post(base, data={"name": "Technical", "template": "technical"})
    assert created.status_code == 303
    pipeline = await db.scalar(select(Pipeline).where(Pipeline.name == "Technical"))
    assert pipeline is not None
    path = f"{base}/{pipeline.id}"

    await admin.post(path, data={"action": "add", "name": "Culture chat", "status": "INTERVIEW"})
    names = [stage.name for stage in await _stages(db, pipeline.id)]
    technical = [stage.name for stage in TEMPLATES["technical"]]
    assert names == [*technical[:5], "Culture chat", *technical[5:]]
    culture = (await _stages(db, pipeline.id))[5]
    await admin.post(path, data={"action": "up", "stage": culture.id})
    assert [s.name for s in await _stages(db, pipeline.id)][4:6] == ["Culture chat", "Offer"]

    job = await factories.make_job(db, world.org, pipeline_id=pipeline.id)
    applicant = await factories.make_applicant(db, job)
    screen = (await _stages(db, pipeline.id))[1]
    applicant.stage_id = screen.id
    await db.commit()

    page = await admin.get(base)
    assert "Move its 1 applicant to" in page.text
    refused = await admin.post(path, data={"action": "remove", "stage": screen.id})
    assert refused.status_code == 303
    assert screen.id in [s.id for s in await _stages(db, pipeline.id)]
    flashed = await admin.get(base)
    assert re.search(r"holds 1 applicant\b", flashed.text)

    take_home = (await _stages(db, pipeline.id))[2]
    await admin.post(path, data={"action": "remove", "stage": screen.id, "moveTo": take_home.id})
    assert screen.id not in [s.id for s in await _stages(db, pipeline.id)]
    moved = await db.scalar(
        select(Applicant.stage_id)
        .where(Applicant.id == applicant.id)
        .execution_options(populate_existing=True)
    )
    assert moved == take_home.id

    await admin.post(path, data={"action": "rename", "name": "Engineering"})
    await admin.post(path, data={"action": "default"})
    await db.refresh(pipeline)
    assert (pipeline.name, pipeline.is_default) == ("Engineering", True)


async def test_members_see_the_pipelines_without_forms(world: World) -> None:
    page = await world.browser("member").get(f"/dashboard/{world.org.slug}/pipelines")
    assert page.status_code == 200
    assert "Submitted" in page.text
    assert "Create pipeline" not in page.text
    assert 'name="action"' not in page.text


async def test_the_job_editor_puts_the_job_on_another_pipeline(
    db: AsyncSession, world: World
) -> None:
    job = await factories.make_job(db, world.org, title="Baker")
    applicant = await factories.make_applicant(db, job)
    agency = await factories.make_pipeline(db, world.org, name="Agency", template="agency")
    await db.commit()
    member = world.browser("member")
    url = f"/dashboard/{world.org.slug}/jobs/{job.id}"
    page = await member.get(url)
    assert f'<option value="{agency.id}">Agency</option>' in page.text
    saved = await member.post(
        url,
        data={"title": "Baker", "type": "fulltime", "status": "published", "pipelineId": agency.id},
    )
    assert saved.status_code == 303, saved.text
    received = await db.scalar(
        select(PipelineStage.id).where(
            PipelineStage.pipeline_id == agency.id, PipelineStage.name == "Received"
        )
    )
    moved = await db.scalar(
        select(Applicant.stage_id)
        .where(Applicant.id == applicant.id)
        .execution_options(populate_existing=True)
    )
    assert moved == received


async def test_a_dragged_stage_order_is_saved_whole(db: AsyncSession, world: World) -> None:
    admin = world.browser("admin")
    base = f"/dashboard/{world.org.slug}/pipelines"
    await admin.post(base, data={"name": "Dragged", "template": "technical"})
    pipeline = await db.scalar(select(Pipeline).where(Pipeline.name == "Dragged"))
    assert pipeline is not None
    path = f"{base}/{pipeline.id}"
    stages = await _stages(db, pipeline.id)
    ids = [stage.id for stage in stages]
    page = await admin.get(base)
    assert f'data-order-form="order-{pipeline.id}"' in page.text

    moved = [ids[0], ids[2], ids[1], *ids[3:]]
    saved = await admin.post(path, data={"action": "order", "ids": moved})
    assert saved.status_code == 303
    assert [stage.id for stage in await _stages(db, pipeline.id)] == moved
    assert "Stage order saved" in (await admin.get(base)).text

    # A list that is not exactly the pipeline's stages (one missing, one twice, a stranger's)
    # changes nothing and says why.
    for wrong in (moved[:-1], [*moved[:-1], moved[0]], [*moved[:-1], "not-a-stage"]):
        refused = await admin.post(path, data={"action": "order", "ids": wrong})
        assert refused.status_code == 303
        assert "reload the page" in (await admin.get(base)).text
        assert [stage.id for stage in await _stages(db, pipeline.id)] == moved
    # An order that breaks the pipeline's shape (the submitted stage not first) is refused.
    shaped = await admin.post(path, data={"action": "order", "ids": [*moved[1:], moved[0]]})
    assert shaped.status_code == 303
    assert [stage.id for stage in await _stages(db, pipeline.id)] == moved

    member = world.browser("member")
    assert "data-order-form" not in (await member.get(base)).text
    await member.post(path, data={"action": "order", "ids": ids})
    assert [stage.id for stage in await _stages(db, pipeline.id)] == moved
