"""The export: a zip of applicant.json (the application, status history, activity, notes,
scorecards, mentions, mail) and the résumé; admins only, never another organization's."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.world import World
from tests.privacy.helpers import candidate, reject
from wegotwork.deps import Services

pytestmark = pytest.mark.usefixtures("dialect")


async def test_the_export_holds_everything_the_team_wrote(
    db: AsyncSession, world: World, services: Services
) -> None:
    grace = await candidate(db, world, services)
    await reject(world, grace.id)
    response = await world.api("admin").get(f"/api/v1/applicants/{grace.id}/export")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert "attachment" in response.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["applicant.json", "files/cv.pdf"]
    assert archive.read("files/cv.pdf") == b"%PDF-1.4 resume"
    document = json.loads(archive.read("applicant.json"))
    assert document["applicantId"] == grace.id
    application = document["application"]
    assert application["name"] == grace.name
    assert application["email"] == grace.email
    assert application["resume"]["file"] == "files/cv.pdf"
    assert [step["to"] for step in application["statusHistory"]][-1] == "REJECTED"
    review = document["review"]
    assert "Strong systems background" in review["notes"][0]["body"]
    assert review["notes"][0]["author"] == world.users["member"].name
    assert review["scorecards"][0]["recommendation"] == "yes"
    assert review["scorecards"][0]["notes"] == "Clear thinker"
    assert review["mentions"][0]["recipient"] == world.users["admin"].name
    kinds = [entry["kind"] for entry in document["activity"]]
    assert "note_added" in kinds
    assert "scorecard_submitted" in kinds
    assert isinstance(document["mail"], list)
    audit = (
        await world.api("admin").get(f"/api/v1/organizations/{world.org.id}/privacy/audit")
    ).json()
    assert audit["entries"][0]["action"] == "export"
    assert audit["entries"][0]["applicantId"] == grace.id


async def test_only_admins_of_the_organization_export(
    db: AsyncSession, world: World, services: Services
) -> None:
    grace = await candidate(db, world, services)
    url = f"/api/v1/applicants/{grace.id}/export"
    assert (await world.api("member").get(url)).status_code == 403
    outsider = await world.api("outsider").get(url)
    assert outsider.status_code == 404
    assert outsider.json()["message"] == "Applicant does not exist"
    assert (await world.api("anonymous").get(url)).status_code == 401
    assert (await world.api("owner").get(url)).status_code == 200
    # Another organization's applicant, asked for by its own admin's session in this org's
    # dashboard, is not found either.
    theirs = await factories.make_applicant(db, await factories.make_job(db, world.other_org))
    theirs_id = theirs.id
    await db.commit()
    page = await world.browser("admin").get(
        f"/dashboard/{world.org.slug}/privacy/applicants/{theirs_id}/export"
    )
    assert page.status_code == 303
    assert (
        await world.api("admin").get(f"/api/v1/applicants/{theirs_id}/export")
    ).status_code == 404


async def test_the_dashboard_exports_a_quarantined_candidate(
    db: AsyncSession, world: World, services: Services
) -> None:
    grace = await candidate(db, world, services)
    assert (
        await world.api("admin").post(f"/api/v1/applicants/{grace.id}/quarantine")
    ).status_code == 200
    page = await world.browser("admin").get(
        f"/dashboard/{world.org.slug}/privacy/applicants/{grace.id}/export"
    )
    assert page.status_code == 200
    document = json.loads(zipfile.ZipFile(io.BytesIO(page.content)).read("applicant.json"))
    assert document["application"]["quarantinedAt"] is not None
