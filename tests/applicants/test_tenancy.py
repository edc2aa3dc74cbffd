"""Every applicant route, walked as a member of another organization: 404 each time, no résumé
byte leaves the server, and nothing changes."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

from fastapi import APIRouter
from fastapi.routing import APIRoute
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

import wegotwork.applicants
from tests import factories
from tests.applicants.helpers import pdf_bytes, store_resume, stored_files
from tests.fixtures.world import World
from wegotwork.deps import Services
from wegotwork.models import Applicant, ApplicantEvent, Job

# Routes anyone may use: applying, its confirmation, and one's own mail settings.
PUBLIC = {
    "/api/v1/public/jobs/{jobId}/applications",
    "/careers/{slug}/jobs/{jobId}/apply",
    "/careers/{slug}/jobs/{jobId}/applied",
    "/account/notifications",
}


def applicant_routes() -> list[tuple[str, str]]:
    """(method, path) of every route in every router of the applicants package."""
    routes = []
    for module_info in pkgutil.iter_modules(wegotwork.applicants.__path__):
        module = importlib.import_module(f"wegotwork.applicants.{module_info.name}")
        router = getattr(module, "router", None)
        if not isinstance(router, APIRouter):
            continue
        for route in router.routes:
            if isinstance(route, APIRoute) and route.path not in PUBLIC:
                routes.extend((method, route.path) for method in sorted(route.methods))
    return routes


async def test_another_organizations_member_gets_404_from_every_applicant_route(
    db: AsyncSession,
    world: World,
    job: Job,
    services: Services,
    files_root: Path,
) -> None:
    secret = pdf_bytes("Top Secret Candidate")
    applicant = await factories.make_applicant(
        db, job, name="Private Person", resume_key=await store_resume(services.storage, secret)
    )
    await db.commit()
    values = {
        "slug": world.org.slug,
        "orgId": world.org.id,
        "jobId": job.id,
        "applicantId": applicant.id,
    }
    routes = applicant_routes()
    walked = {path for _method, path in routes}
    assert {
        "/dashboard/{slug}",
        "/dashboard/{slug}/applicants",
        "/dashboard/{slug}/applicants/{applicantId}",
        "/dashboard/{slug}/applicants/{applicantId}/resume",
        "/dashboard/{slug}/board",
        "/api/v1/applicants/{applicantId}",
        "/api/v1/applicants/{applicantId}/resume",
        "/api/v1/jobs/{jobId}/applicants",
        "/api/v1/organizations/{orgId}/applicants",
    } <= walked

    for method, template in routes:
        path = re.sub(r"\{(\w+)\}", lambda match: values[match.group(1)], template)
        is_api = path.startswith("/api/")
        client = world.api("outsider") if is_api else world.browser("outsider")
        kwargs: dict[str, object] = {}
        if method in {"POST", "PATCH"}:
            if is_api:
                kwargs["json"] = {"status": "HIRED"}
            else:
                kwargs["data"] = {"status": "HIRED", "ids": [applicant.id], "next": "board"}
        for suffix in ("", "?inline=1"):
            response = await client.request(method, path + suffix, **kwargs)  # type: ignore[arg-type]
            assert response.status_code == 404, (method, path, response.status_code)
            assert b"%PDF" not in response.content, (method, path)
            assert b"Private Person" not in response.content, (method, path)
            assert "location" not in response.headers, (method, path)

    await db.refresh(applicant)
    assert applicant.status == "SUBMITTED"
    assert await db.scalar(select(func.count()).select_from(ApplicantEvent)) == 0
    assert await db.scalar(select(func.count()).select_from(Applicant)) == 1
    assert [path.read_bytes() for path in stored_files(files_root)] == [secret]


async def test_bulk_changes_in_ones_own_organization_cannot_reach_anothers_applicants(
    db: AsyncSession, world: World, job: Job
) -> None:
    applicant = await factories.make_applicant(db, job)
    await db.commit()
    response = await world.browser("outsider").post(
        f"/dashboard/{world.other_org.slug}/applicants/bulk",
        data={"applicantIds": [applicant.id], "action": "message", "subject": "Hi", "body": "Hi"},
    )
    assert response.status_code == 422
    await db.refresh(applicant)
    assert applicant.status == "SUBMITTED"
    assert await db.scalar(select(func.count()).select_from(ApplicantEvent)) == 0


async def test_searching_ones_own_organization_never_finds_anothers_applicants(
    db: AsyncSession, world: World, job: Job
) -> None:
    await factories.make_applicant(db, job, name="Private Person")
    await db.commit()
    api = world.api("outsider")
    response = await api.get(
        f"/api/v1/organizations/{world.other_org.id}/applicants",
        params={"q": "Private", "jobId": job.id},
    )
    assert response.status_code == 200
    assert response.json()["applicants"] == []
