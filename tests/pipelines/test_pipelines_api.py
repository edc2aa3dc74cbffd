"""Pipelines through the JSON API: templates, reshaping, deleting, jobs on a pipeline, moving
applicants between stages (also the old ``{status}`` way), the timeline, and isolation between
organizations."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.world import World
from wegotwork.models import Applicant, ApplicantActivity, ApplicantStatus, Job, PipelineStage
from wegotwork.pipelines import rules
from wegotwork.pipelines.queries import default_pipeline_id


async def _create(client: httpx.AsyncClient, org_id: str, **body: Any) -> dict[str, Any]:
    response = await client.post(f"/api/v1/organizations/{org_id}/pipelines", json=body)
    assert response.status_code == 201, response.text
    pipeline: dict[str, Any] = response.json()["pipeline"]
    return pipeline


def _stages(pipeline: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"id": s["id"], "name": s["name"], "status": s["status"]} for s in pipeline["stages"]]


async def test_an_organization_starts_with_the_default_pipeline(world: World) -> None:
    response = await world.api("member").get(f"/api/v1/organizations/{world.org.id}/pipelines")
    assert response.status_code == 200
    [pipeline] = response.json()["pipelines"]
    assert pipeline["isDefault"] is True
    assert [stage["status"] for stage in pipeline["stages"]] == [
        stage.status.value for stage in rules.DEFAULT_STAGES
    ]
    assert [stage["position"] for stage in pipeline["stages"]] == list(range(6))


async def test_a_new_organization_gets_the_default_pipeline(world: World) -> None:
    client = world.api("member")
    response = await client.post(
        "/api/auth/organization/create", json={"name": "Gamma Ops", "slug": "gamma-ops-pl"}
    )
    assert response.status_code == 200, response.text
    org_id = response.json()["id"]
    pipelines = (await client.get(f"/api/v1/organizations/{org_id}/pipelines")).json()
    assert [p["name"] for p in pipelines["pipelines"]] == [rules.DEFAULT_NAME]


async def test_templates_give_their_stages_with_the_end_states(world: World) -> None:
    admin = world.api("admin")
    for template, spec in rules.TEMPLATES.items():
        pipeline = await _create(admin, world.org.id, name=f"From {template}", template=template)
        assert [s["name"] for s in pipeline["stages"]] == [stage.name for stage in spec]
        assert pipeline["stages"][-2:] == [
            {**pipeline["stages"][-2], "name": "Hired", "status": "HIRED"},
            {**pipeline["stages"][-1], "name": "Rejected", "status": "REJECTED"},
        ]
        assert pipeline["isDefault"] is False
    technical = [stage.name for stage in rules.TEMPLATES["technical"]]
    assert technical == [
        "Applied",
        "Screen",
        "Take-home",
        "Interview",
        "Offer",
        "Hired",
        "Rejected",
    ]


async def test_members_read_but_only_admins_write(world: World) -> None:
    path = f"/api/v1/organizations/{world.org.id}/pipelines"
    member = world.api("member")
    assert (await member.get(path)).status_code == 200
    refused = await member.post(path, json={"name": "Mine", "template": "standard"})
    assert refused.status_code == 403
    outsider = await world.api("outsider").get(path)
    assert outsider.status_code == 404


async def test_bad_stage_lists_answer_422_with_field_errors(world: World, db: AsyncSession) -> None:
    admin = world.api("admin")
    path = f"/api/v1/organizations/{world.org.id}/pipelines"
    cases = [
        [{"name": "Screen", "status": "UNDERREVIEW"}, {"name": "Hired", "status": "HIRED"}],
        [
            {"name": "Applied", "status": "SUBMITTED"},
            {"name": "Again", "status": "SUBMITTED"},
            {"name": "Hired", "status": "HIRED"},
            {"name": "Rejected", "status": "REJECTED"},
        ],
        [
            {"name": "Applied", "status": "SUBMITTED"},
            {"name": "Hired", "status": "HIRED"},
        ],
        [
            {"name": "Applied", "status": "SUBMITTED"},
            {"name": "Hired", "status": "HIRED"},
            {"name": "Offer", "status": "OFFER"},
            {"name": "Rejected", "status": "REJECTED"},
        ],
    ]
    for stages in cases:
        response = await admin.post(path, json={"name": "Broken", "stages": stages})
        assert response.status_code == 422, stages
        body = response.json()
        assert body["error"] is True
        assert "stages" in body["fieldErrors"]
    duplicate = await admin.post(
        path,
        json={
            "name": "Twice",
            "stages": [
                {"name": "Applied", "status": "SUBMITTED"},
                {"name": "Screen", "status": "UNDERREVIEW"},
                {"name": " screen ", "status": "INTERVIEW"},
                {"name": "Hired", "status": "HIRED"},
                {"name": "Rejected", "status": "REJECTED"},
            ],
        },
    )
    assert duplicate.status_code == 422
    assert "stages[2].name" in duplicate.json()["fieldErrors"]
    unknown = await admin.post(path, json={"name": "Odd", "template": "circus"})
    assert unknown.status_code == 422
    count = await db.scalar(
        select(func.count())
        .select_from(PipelineStage)
        .where(PipelineStage.organization_id == world.org.id)
    )
    assert count == 6


async def test_reshaping_keeps_stages_by_id_and_removing_a_busy_stage_needs_move_to(
    world: World, db: AsyncSession
) -> None:
    admin = world.api("admin")
    pipeline = await _create(admin, world.org.id, name="Technical", template="technical")
    job = await factories.make_job(db, world.org, pipeline_id=pipeline["id"])
    stages = _stages(pipeline)
    take_home = stages[2]
    applicant = await factories.make_applicant(db, job, status=ApplicantStatus.UNDERREVIEW)
    applicant.stage_id = take_home["id"]
    await db.commit()

    without = [stage for stage in stages if stage["id"] != take_home["id"]]
    added = [*without[:3], {"name": "Culture chat", "status": "INTERVIEW"}, *without[3:]]
    path = f"/api/v1/pipelines/{pipeline['id']}"
    refused = await admin.patch(path, json={"stages": added})
    assert refused.status_code == 409
    assert "moveTo" in refused.json()["message"]
    assert "Take-home" in refused.json()["message"]

    screen = stages[1]
    response = await admin.patch(
        path, json={"stages": added, "moveTo": {take_home["id"]: screen["id"]}, "name": "Tech 2"}
    )
    assert response.status_code == 200, response.text
    reshaped = response.json()["pipeline"]
    assert reshaped["name"] == "Tech 2"
    assert [s["name"] for s in reshaped["stages"]] == [
        "Applied",
        "Screen",
        "Interview",
        "Culture chat",
        "Offer",
        "Hired",
        "Rejected",
    ]
    assert reshaped["stages"][1]["id"] == screen["id"]
    await db.refresh(applicant)
    assert applicant.stage_id == screen["id"]
    assert applicant.status is ApplicantStatus.UNDERREVIEW


async def test_a_stage_of_another_pipeline_cannot_be_kept_by_id(
    world: World, db: AsyncSession
) -> None:
    admin = world.api("admin")
    one = await _create(admin, world.org.id, name="One", template="standard")
    other = await _create(admin, world.org.id, name="Other", template="standard")
    stages = _stages(one)
    stages[1]["id"] = other["stages"][1]["id"]
    response = await admin.patch(f"/api/v1/pipelines/{one['id']}", json={"stages": stages})
    assert response.status_code == 422
    again = (await admin.get(f"/api/v1/pipelines/{one['id']}")).json()["pipeline"]
    assert again == one


async def test_deleting_the_last_the_default_or_a_used_pipeline_answers_409(
    world: World, db: AsyncSession
) -> None:
    admin = world.api("admin")
    default_id = await default_pipeline_id(db, world.org.id)
    last = await admin.delete(f"/api/v1/pipelines/{default_id}")
    assert last.status_code == 409
    assert "Create another pipeline" in last.json()["message"]

    spare = await _create(admin, world.org.id, name="Spare", template="senior")
    default = await admin.delete(f"/api/v1/pipelines/{default_id}")
    assert default.status_code == 409
    assert "default" in default.json()["message"]

    await factories.make_job(db, world.org, pipeline_id=spare["id"])
    await db.commit()
    used = await admin.delete(f"/api/v1/pipelines/{spare['id']}")
    assert used.status_code == 409
    assert "another pipeline" in used.json()["message"]

    unused = await _create(admin, world.org.id, name="Unused", template="agency")
    assert (await admin.delete(f"/api/v1/pipelines/{unused['id']}")).status_code == 200
    assert (await admin.get(f"/api/v1/pipelines/{unused['id']}")).status_code == 404


async def test_making_another_pipeline_the_default(world: World, db: AsyncSession) -> None:
    admin = world.api("admin")
    old_default = await default_pipeline_id(db, world.org.id)
    other = await _create(admin, world.org.id, name="New default", template="standard")
    response = await admin.patch(f"/api/v1/pipelines/{other['id']}", json={"isDefault": True})
    assert response.json()["pipeline"]["isDefault"] is True
    listed = (await admin.get(f"/api/v1/organizations/{world.org.id}/pipelines")).json()
    assert [(p["id"], p["isDefault"]) for p in listed["pipelines"]] == [
        (other["id"], True),
        (old_default, False),
    ]
    created = await admin.post(f"/api/v1/organizations/{world.org.id}/jobs", json={"title": "X"})
    assert created.json()["job"]["pipelineId"] == other["id"]


async def test_moving_by_stage_and_by_status_with_the_timeline(
    world: World, db: AsyncSession
) -> None:
    admin = world.api("admin")
    pipeline = await _create(admin, world.org.id, name="Technical", template="technical")
    job = (
        await admin.post(
            f"/api/v1/organizations/{world.org.id}/jobs",
            json={"title": "Engineer", "pipelineId": pipeline["id"]},
        )
    ).json()["job"]
    assert job["pipelineId"] == pipeline["id"]
    row = await db.get(Job, job["id"])
    assert row is not None
    applicant = await factories.make_applicant(db, row)
    await db.commit()
    stages = {stage["name"]: stage for stage in pipeline["stages"]}
    assert applicant.stage_id == stages["Applied"]["id"]

    member = world.api("member")
    path = f"/api/v1/applicants/{applicant.id}"
    for name in ("Screen", "Take-home", "Interview"):
        moved = await member.patch(path, json={"stageId": stages[name]["id"]})
        assert moved.status_code == 200, moved.text
        assert moved.json()["applicant"]["stage"]["name"] == name
        assert moved.json()["applicant"]["status"] == stages[name]["status"]

    old_client = await member.patch(path, json={"status": "underreview"})
    assert old_client.status_code == 200
    assert old_client.json()["applicant"]["stageId"] == stages["Screen"]["id"]
    assert old_client.json()["applicant"]["status"] == "UNDERREVIEW"

    counts = (await member.get(f"/api/v1/jobs/{job['id']}/pipeline")).json()["pipeline"]
    assert {s["name"]: s["count"] for s in counts["stages"]}["Screen"] == 1
    assert sum(s["count"] for s in counts["stages"]) == 1

    timeline = (await member.get(f"/api/v1/applicants/{applicant.id}/activity")).json()
    kinds = [entry["kind"] for entry in timeline["activity"]]
    assert kinds == ["stage_changed"] * 4 + ["applied"]
    newest = timeline["activity"][0]
    assert newest["actor"]["name"] == "Member Person"
    assert newest["data"]["from"]["name"] == "Interview"
    assert newest["data"]["to"]["name"] == "Screen"

    listed = await member.get(
        f"/api/v1/jobs/{job['id']}/applicants?stageId={stages['Screen']['id']}"
    )
    assert [a["id"] for a in listed.json()["applicants"]] == [applicant.id]


async def test_a_stage_of_another_pipeline_or_organization_changes_nothing(
    world: World, db: AsyncSession
) -> None:
    job = await factories.make_job(db, world.org)
    applicant = await factories.make_applicant(db, job)
    other_job = await factories.make_job(db, world.other_org)
    await factories.make_applicant(db, other_job)
    await db.commit()
    foreign_stage = await db.scalar(
        select(PipelineStage.id).where(
            PipelineStage.organization_id == world.other_org.id,
            PipelineStage.status == ApplicantStatus.INTERVIEW,
        )
    )
    admin = world.api("admin")
    mine = await _create(admin, world.org.id, name="Mine", template="standard")
    before = (applicant.stage_id, applicant.status)
    for stage_id in (foreign_stage, mine["stages"][2]["id"], "nonexistent"):
        response = await admin.patch(
            f"/api/v1/applicants/{applicant.id}", json={"stageId": stage_id}
        )
        assert response.status_code == 422
        assert response.json()["fieldErrors"]["stageId"]
    await db.refresh(applicant)
    assert (applicant.stage_id, applicant.status) == before
    logged = await db.scalar(
        select(func.count())
        .select_from(ApplicantActivity)
        .where(ApplicantActivity.applicant_id == applicant.id)
    )
    assert logged == 1  # applied, nothing more


async def test_other_organizations_see_nothing(world: World, db: AsyncSession) -> None:
    job = await factories.make_job(db, world.org)
    applicant = await factories.make_applicant(db, job)
    await db.commit()
    pipeline_id = await default_pipeline_id(db, world.org.id)
    outsider = world.api("outsider")
    for path in (
        f"/api/v1/pipelines/{pipeline_id}",
        f"/api/v1/jobs/{job.id}/pipeline",
        f"/api/v1/applicants/{applicant.id}/activity",
        f"/api/v1/organizations/{world.org.id}/pipelines",
    ):
        assert (await outsider.get(path)).status_code == 404, path
    assert (
        await outsider.patch(f"/api/v1/pipelines/{pipeline_id}", json={"name": "Mine now"})
    ).status_code == 404
    assert (await outsider.delete(f"/api/v1/pipelines/{pipeline_id}")).status_code == 404


async def test_changing_a_jobs_pipeline_moves_applicants_by_status(
    world: World, db: AsyncSession
) -> None:
    job = await factories.make_job(db, world.org)
    interview = await factories.make_applicant(db, job, status=ApplicantStatus.INTERVIEW)
    review = await factories.make_applicant(db, job, status=ApplicantStatus.UNDERREVIEW)
    await db.commit()
    admin = world.api("admin")
    agency = await _create(admin, world.org.id, name="Agency", template="agency")
    response = await admin.patch(f"/api/v1/jobs/{job.id}", json={"pipelineId": agency["id"]})
    assert response.status_code == 200, response.text
    stages = {s["name"]: s["id"] for s in agency["stages"]}
    await db.refresh(interview)
    await db.refresh(review)
    assert interview.stage_id == stages["Client submit"]
    assert review.stage_id == stages["Review"]
    kinds = await db.scalars(
        select(ApplicantActivity.kind).where(ApplicantActivity.applicant_id == interview.id)
    )
    assert sorted(kind.value for kind in kinds) == ["applied", "stage_changed"]

    foreign = await default_pipeline_id(db, world.other_org.id)
    refused = await admin.patch(f"/api/v1/jobs/{job.id}", json={"pipelineId": foreign})
    assert refused.status_code == 422
    await db.refresh(job)
    assert job.pipeline_id == agency["id"]


async def test_two_members_moving_the_same_card_one_after_the_other_are_both_logged(
    world: World, db: AsyncSession
) -> None:
    job = await factories.make_job(db, world.org)
    applicant = await factories.make_applicant(db, job)
    await db.commit()
    path = f"/api/v1/applicants/{applicant.id}"
    first = await world.api("member").patch(path, json={"status": "INTERVIEW"})
    second = await world.api("admin").patch(path, json={"status": "OFFER"})
    assert (first.status_code, second.status_code) == (200, 200)
    timeline = (await world.api("member").get(f"{path}/activity")).json()["activity"]
    assert [entry["kind"] for entry in timeline] == ["stage_changed", "stage_changed", "applied"]
    counts = (await world.api("member").get(f"/api/v1/jobs/{job.id}/pipeline")).json()
    assert sum(stage["count"] for stage in counts["pipeline"]["stages"]) == 1


async def test_erasing_an_applicant_erases_the_timeline(world: World, db: AsyncSession) -> None:
    job = await factories.make_job(db, world.org)
    applicant = await factories.make_applicant(db, job)
    await db.commit()
    member = world.api("member")
    await member.patch(f"/api/v1/applicants/{applicant.id}", json={"status": "INTERVIEW"})
    assert (await member.delete(f"/api/v1/applicants/{applicant.id}")).status_code == 200
    left = await db.scalar(
        select(func.count())
        .select_from(ApplicantActivity)
        .where(ApplicantActivity.applicant_id == applicant.id)
    )
    assert left == 0
    gone = await db.scalar(select(func.count()).where(Applicant.id == applicant.id))
    assert gone == 0


async def test_a_bad_activity_cursor_answers_422(world: World, db: AsyncSession) -> None:
    job = await factories.make_job(db, world.org)
    applicant = await factories.make_applicant(db, job)
    await db.commit()
    response = await world.api("member").get(
        f"/api/v1/applicants/{applicant.id}/activity?cursor=not-ours"
    )
    assert response.status_code == 422
    assert response.json()["fieldErrors"]["cursor"]
