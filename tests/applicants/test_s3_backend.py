"""The whole application flow on the S3 backend (a real S3-protocol server on loopback): the
résumé lands in the bucket, a refused one leaves nothing, and downloads are presigned links
valid for five minutes, handed out only to members."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.applicants.helpers import Upload, apply, pdf_bytes, png_bytes
from tests.fixtures.world import World
from tests.s3server import ACCESS_KEY, REGION, SECRET_KEY, make_bucket, s3_settings
from wegotwork.models import Applicant, Job


@pytest.fixture
def bucket(moto_endpoint: str) -> str:
    return make_bucket(moto_endpoint)


@pytest.fixture
def settings_overrides(moto_endpoint: str, bucket: str) -> dict[str, object]:
    return s3_settings(moto_endpoint, bucket, prefix="files")


def objects(endpoint: str, bucket: str) -> list[str]:
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    uploads = client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    return [item["Key"] for item in listed] + [f"unfinished:{item['Key']}" for item in uploads]


async def test_a_resume_is_stored_in_the_bucket_and_served_by_a_presigned_link(
    client: httpx.AsyncClient,
    db: AsyncSession,
    world: World,
    job: Job,
    moto_endpoint: str,
    bucket: str,
) -> None:
    resume = pdf_bytes("Katherine Johnson")
    response = await apply(client, job.id, resume=Upload("Katherine CV.pdf", resume))
    assert response.status_code == 201, response.text
    applicant = (await db.execute(select(Applicant))).scalar_one()
    assert objects(moto_endpoint, bucket) == [f"files/{applicant.resume_key}"]

    outsider = await world.api("outsider").get(f"/api/v1/applicants/{applicant.id}/resume")
    assert outsider.status_code == 404
    assert "location" not in outsider.headers

    member = await world.api("member").get(f"/api/v1/applicants/{applicant.id}/resume")
    assert member.status_code == 303
    link = member.headers["location"]
    assert link.startswith(moto_endpoint)
    assert parse_qs(urlsplit(link).query)["X-Amz-Expires"] == ["300"]
    async with httpx.AsyncClient() as http:
        download = await http.get(link)
    assert download.status_code == 200
    assert download.content == resume
    assert download.headers["content-disposition"].startswith("attachment;")
    assert "Katherine%20CV.pdf" in download.headers["content-disposition"]

    detail = await world.api("member").get(f"/api/v1/applicants/{applicant.id}")
    assert detail.json()["applicant"]["resumeUrl"].startswith(moto_endpoint)


async def test_the_inline_viewer_streams_through_the_site_even_with_s3(
    client: httpx.AsyncClient, db: AsyncSession, world: World, job: Job
) -> None:
    resume = pdf_bytes("Dorothy Vaughan")
    assert (await apply(client, job.id, resume=Upload("cv.pdf", resume))).status_code == 201
    applicant = (await db.execute(select(Applicant))).scalar_one()
    response = await world.browser("member").get(
        f"/dashboard/{world.org.slug}/applicants/{applicant.id}/resume?inline=1"
    )
    assert response.status_code == 200
    assert response.content == resume
    assert response.headers["content-disposition"].startswith("inline;")


async def test_a_refused_resume_leaves_nothing_in_the_bucket(
    client: httpx.AsyncClient, job: Job, moto_endpoint: str, bucket: str
) -> None:
    response = await apply(client, job.id, resume=Upload("cv.pdf", png_bytes()))
    assert response.status_code == 415
    docx_pretender = b"PK\x03\x04" + b"\x00" * 20000
    response = await apply(client, job.id, resume=Upload("cv.docx", docx_pretender))
    assert response.status_code == 415
    assert objects(moto_endpoint, bucket) == []


async def test_erasing_an_applicant_removes_the_object(
    client: httpx.AsyncClient,
    db: AsyncSession,
    world: World,
    job: Job,
    moto_endpoint: str,
    bucket: str,
) -> None:
    assert (await apply(client, job.id)).status_code == 201
    applicant = (await db.execute(select(Applicant))).scalar_one()
    response = await world.api("member").delete(f"/api/v1/applicants/{applicant.id}")
    assert response.status_code == 200
    assert objects(moto_endpoint, bucket) == []
