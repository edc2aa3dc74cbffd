"""A team posts jobs with what job boards and candidates expect: pay, work mode, level, an
address, an end date; archives and duplicates them; and nothing it sends is silently dropped."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.applicants.helpers import pdf_bytes
from tests.fixtures.world import World
from tests.forms.helpers import put_form
from tests.routes import api_routes
from wegotwork.jobs import actions as job_actions
from wegotwork.models import Job, JobStatus, SalaryInterval, WorkMode
from wegotwork.tenancy.context import OrgContext

pytestmark = pytest.mark.usefixtures("dialect")

POSTING = {
    "title": "Senior Backend Engineer",
    "workMode": "hybrid",
    "country": "DE",
    "city": "Berlin",
    "address": "Torstraße 1",
    "postalCode": "10119",
    "region": "Berlin",
    "experienceLevel": "senior",
    "salaryMin": 70000,
    "salaryMax": 90000,
    "salaryCurrency": "eur",
    "salaryInterval": "year",
    "showSalary": True,
    "validThrough": "2027-03-31",
    "type": "fulltime_parttime",
    "status": "published",
}


def jobs_url(world: World) -> str:
    return f"/api/v1/organizations/{world.org.id}/jobs"


async def test_a_posting_keeps_pay_work_mode_level_address_and_end_date(world: World) -> None:
    response = await world.api("member").post(jobs_url(world), json=POSTING)

    assert response.status_code == 201, response.text
    job = response.json()["job"]
    assert job["workMode"] == "hybrid"
    assert job["remote"] is False
    assert job["experienceLevel"] == "senior"
    assert (job["salaryMin"], job["salaryMax"]) == (70000, 90000)
    assert job["salaryCurrency"] == "EUR"
    assert job["salaryInterval"] == "year"
    assert job["showSalary"] is True
    assert job["validThrough"].startswith("2027-03-31T23:59:59")
    assert job["type"] == "fulltime_parttime"
    assert (job["address"], job["postalCode"], job["region"]) == ("Torstraße 1", "10119", "Berlin")

    public = (await world.anonymous.get(f"/api/v1/public/jobs/{job['id']}")).json()["job"]
    assert public["salary"] == {
        "min": 70000,
        "max": 90000,
        "currency": "EUR",
        "interval": "year",
        "text": "70.000\u00a0€–90.000\u00a0€ a year",
    }


async def test_remote_is_true_exactly_when_the_work_mode_is_remote(world: World) -> None:
    api = world.api("member")
    old_client = (await api.post(jobs_url(world), json={"title": "A", "remote": True})).json()
    assert (old_client["job"]["workMode"], old_client["job"]["remote"]) == ("remote", True)
    job_id = old_client["job"]["id"]

    hybrid = (await api.patch(f"/api/v1/jobs/{job_id}", json={"workMode": "hybrid"})).json()
    assert (hybrid["job"]["workMode"], hybrid["job"]["remote"]) == ("hybrid", False)
    # An older client saying "not remote" leaves a hybrid job hybrid.
    still = (await api.patch(f"/api/v1/jobs/{job_id}", json={"remote": False})).json()
    assert still["job"]["workMode"] == "hybrid"
    remote = (await api.patch(f"/api/v1/jobs/{job_id}", json={"remote": True})).json()
    assert (remote["job"]["workMode"], remote["job"]["remote"]) == ("remote", True)

    conflict = await api.post(
        jobs_url(world), json={"title": "B", "workMode": "onsite", "remote": True}
    )
    assert conflict.status_code == 422
    assert list(conflict.json()["fieldErrors"]) == ["remote"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"salaryMin": 90000, "salaryMax": 70000}, "salaryMax"),
        ({"salaryMin": -1}, "salaryMin"),
        ({"salaryMax": 12.5}, "salaryMax"),
        ({"salaryCurrency": "EURO"}, "salaryCurrency"),
        ({"salaryCurrency": "XYZ"}, "salaryCurrency"),
        ({"showSalary": True, "salaryMin": None, "salaryMax": None}, "showSalary"),
        ({"validThrough": "31/03/2027"}, "validThrough"),
        ({"validThrough": "2027-02-30"}, "validThrough"),
        ({"workMode": "sometimes"}, "workMode"),
        ({"experienceLevel": "wizard"}, "experienceLevel"),
        ({"salaryInterval": "fortnight"}, "salaryInterval"),
        ({"salary": 80000}, "salary"),
    ],
)
async def test_bad_posting_input_is_refused_naming_the_field(
    db: AsyncSession, world: World, change: dict[str, Any], field: str
) -> None:
    api = world.api("member")
    created = await api.post(jobs_url(world), json={**POSTING, **change})

    assert created.status_code == 422, created.text
    assert field in created.json()["fieldErrors"]

    job = await factories.make_job(db, world.org, title="Untouched")
    await db.commit()
    changed = await api.patch(f"/api/v1/jobs/{job.id}", json=change)
    assert changed.status_code == 422, changed.text
    assert field in changed.json()["fieldErrors"]
    await db.refresh(job)
    assert (job.salary_min, job.salary_max, job.show_salary) == (None, None, False)


async def test_every_unknown_field_is_named(world: World) -> None:
    response = await world.api("member").post(
        jobs_url(world), json={"title": "Backend", "salary": 1, "perks": ["bikes"]}
    )

    assert response.status_code == 422
    body = response.json()
    assert body["fieldErrors"] == {"salary": ["Unknown field"], "perks": ["Unknown field"]}
    assert (await world.api("member").get(jobs_url(world))).json()["jobs"] == []


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/v1/organizations", {"name": "Acme", "slug": "acme-x", "plan": "pro"}),
        ("PATCH", "/api/v1/organizations/{org}", {"name": "Acme", "color": "red"}),
        ("POST", "/api/v1/organizations/{org}/categories", {"name": "Ops", "icon": "x"}),
        ("PUT", "/api/v1/organizations/{org}/categories/order", {"ids": [], "reverse": True}),
        ("POST", "/api/v1/organizations/{org}/invitations", {"email": "a@b.co", "note": "hi"}),
        ("POST", "/api/v1/organizations/{org}/sources", {"name": "LinkedIn", "code": "li"}),
    ],
)
async def test_unknown_fields_are_refused_across_the_api(
    world: World, method: str, path: str, body: dict[str, object]
) -> None:
    response = await world.api("owner").request(method, path.format(org=world.org.id), json=body)

    assert response.status_code == 422, response.text
    unknown = set(body) - {"name", "slug", "ids", "email"}
    assert unknown <= set(response.json()["fieldErrors"])


def test_every_json_body_of_the_api_refuses_unknown_fields_in_its_schema(app: FastAPI) -> None:
    bodies = {
        route.path: route.body_field.field_info.annotation
        for route in api_routes(app)
        if route.path.startswith("/api/v1") and route.body_field is not None
    }
    schema = app.openapi()
    checked = 0
    for path, model in bodies.items():
        if not hasattr(model, "model_config"):
            continue  # multipart forms: their documented schema says so (below)
        assert model.model_config.get("extra") == "forbid", path
        assert model.model_json_schema()["additionalProperties"] is False, path
        checked += 1
    assert checked >= 10
    application = schema["paths"]["/api/v1/public/jobs/{jobId}/applications"]["post"]
    form = application["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["additionalProperties"] is False


async def test_an_unknown_part_of_an_application_is_named(db: AsyncSession, world: World) -> None:
    job = await factories.make_job(db, world.org)
    await db.commit()

    response = await world.anonymous.post(
        f"/api/v1/public/jobs/{job.id}/applications",
        data={"name": "Ada Lovelace", "email": "ada@example.com", "salaryWish": "lots"},
        files={"resume": ("cv.pdf", pdf_bytes(), "application/pdf")},
    )

    assert response.status_code == 422
    assert response.json()["fieldErrors"] == {"salaryWish": ["Unknown field"]}


async def test_archived_jobs_leave_public_pages_and_default_lists_but_keep_applicants(
    db: AsyncSession, world: World
) -> None:
    job = await factories.make_job(db, world.org, title="Old role")
    await factories.make_applicant(db, job)
    await db.commit()
    api = world.api("member")

    archived = await api.patch(f"/api/v1/jobs/{job.id}", json={"status": "archived"})

    assert archived.json()["job"]["status"] == "archived"
    assert archived.json()["job"]["applicantCount"] == 1
    assert (await api.get(jobs_url(world))).json()["jobs"] == []
    only = (await api.get(jobs_url(world), params={"status": "archived"})).json()["jobs"]
    assert [found["id"] for found in only] == [job.id]
    page = await world.anonymous.get(f"/careers/{world.org.slug}/jobs/{job.id}")
    assert page.status_code == 404
    careers = await world.anonymous.get(f"/careers/{world.org.slug}")
    assert "Old role" not in careers.text
    assert (await world.anonymous.get(f"/api/v1/public/jobs/{job.id}")).status_code == 404


async def test_duplicating_makes_a_draft_copy_and_runs_each_domains_step(
    db: AsyncSession, world: World
) -> None:
    original = await factories.make_job(
        db,
        world.org,
        title="Designer",
        work_mode=WorkMode.HYBRID,
        salary_min=50000,
        salary_max=60000,
        salary_currency="EUR",
        salary_interval=SalaryInterval.YEAR,
        show_salary=True,
    )
    await factories.make_applicant(db, original)
    await db.commit()
    copied: list[tuple[str, str]] = []

    async def step(_db: AsyncSession, _ctx: OrgContext, source: Job, copy: Job) -> None:
        copied.append((source.id, copy.id))

    job_actions.on_duplicate(step)
    try:
        response = await world.api("member").post(f"/api/v1/jobs/{original.id}/duplicate")
    finally:
        job_actions.DUPLICATE_STEPS.remove(step)

    assert response.status_code == 201, response.text
    copy = response.json()["job"]
    assert copy["id"] != original.id
    assert copy["title"] == "Designer (copy)"
    assert copy["status"] == "draft"
    assert copy["publishedAt"] is None
    assert copy["applicantCount"] == 0
    assert (copy["workMode"], copy["salaryMin"], copy["salaryMax"]) == ("hybrid", 50000, 60000)
    assert copied == [(original.id, copy["id"])]
    assert (await db.scalar(select(Job.status).where(Job.id == copy["id"]))) is JobStatus.DRAFT

    outsider = await world.api("outsider").post(f"/api/v1/jobs/{original.id}/duplicate")
    assert outsider.status_code == 404


async def test_duplicating_copies_the_pipeline_and_the_questions_into_the_draft(
    world: World,
) -> None:
    admin, member = world.api("admin"), world.api("member")
    created = await admin.post(
        f"/api/v1/organizations/{world.org.id}/pipelines",
        json={"name": "Engineering", "template": "technical"},
    )
    assert created.status_code == 201, created.text
    pipeline = created.json()["pipeline"]
    posted = await member.post(jobs_url(world), json={**POSTING, "pipelineId": pipeline["id"]})
    assert posted.status_code == 201, posted.text
    original = posted.json()["job"]["id"]
    questions = await put_form(member, original)

    response = await member.post(f"/api/v1/jobs/{original}/duplicate")

    assert response.status_code == 201, response.text
    copy = response.json()["job"]["id"]
    assert response.json()["job"]["status"] == "draft"
    stages = (await member.get(f"/api/v1/jobs/{copy}/pipeline")).json()["pipeline"]
    assert stages["pipelineId"] == pipeline["id"]
    assert [(s["id"], s["name"], s["status"]) for s in stages["stages"]] == [
        (s["id"], s["name"], s["status"]) for s in pipeline["stages"]
    ]
    copied = (await member.get(f"/api/v1/jobs/{copy}/questions")).json()["questions"]
    assert [(q["label"], q["kind"], q["required"]) for q in copied] == [
        (q["label"], q["kind"], q["required"]) for q in questions
    ]
    assert {q["id"] for q in copied}.isdisjoint({q["id"] for q in questions})
    # The original keeps its own questions and pipeline.
    kept = (await member.get(f"/api/v1/jobs/{original}/questions")).json()["questions"]
    assert [q["id"] for q in kept] == [q["id"] for q in questions]
    assert (await member.get(f"/api/v1/jobs/{original}/pipeline")).json()["pipeline"][
        "pipelineId"
    ] == pipeline["id"]


async def test_the_editor_saves_the_posting_fields_and_duplicates(
    db: AsyncSession, world: World
) -> None:
    job = await factories.make_job(db, world.org, title="Analyst", status=JobStatus.DRAFT)
    await db.commit()
    browser = world.browser("member")
    editor = f"/dashboard/{world.org.slug}/jobs/{job.id}"

    page = await browser.get(editor)
    assert 'name="salaryMin"' in page.text
    assert 'name="workMode"' in page.text
    bad = await browser.post(
        editor,
        data={"title": "Analyst", "type": "fulltime", "status": "draft", "showSalary": "true"},
    )
    assert bad.status_code == 422
    assert "Enter a minimum or maximum salary to show it" in bad.text
    saved = await browser.post(
        editor,
        data={
            "title": "Analyst",
            "type": "fulltime",
            "status": "published",
            "workMode": "remote",
            "experienceLevel": "entry",
            "salaryMin": "40,000",
            "salaryMax": "50000",
            "salaryCurrency": "GBP",
            "salaryInterval": "year",
            "showSalary": "true",
            "validThrough": "2027-01-15",
        },
    )
    assert saved.status_code == 303
    await db.refresh(job)
    assert (job.work_mode, job.remote, job.salary_min, job.salary_currency) == (
        WorkMode.REMOTE,
        True,
        40000,
        "GBP",
    )
    duplicated = await browser.post(f"{editor}/duplicate")
    assert duplicated.status_code == 303
    assert duplicated.headers["location"] != editor
    assert "(copy)" in (await browser.get(duplicated.headers["location"])).text
