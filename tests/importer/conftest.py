"""An original WeGotWork database on the test PostgreSQL server, filled with realistic rows
and the awkward ones real installations have, plus its résumé files in a directory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest

from tests.fixtures.database import (
    create_postgres_database,
    drop_postgres_database,
    require_postgres,
)
from tests.importer.original import at, better_auth_hash, create_schema, insert
from tests.s3server import moto_endpoint

__all__ = ["moto_endpoint"]

PASSWORD = "correct horse battery staple"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
SCRIPT_CONTENT = (
    '<h1>Backend engineer</h1><p onclick="steal()">Join <b>us</b>.</p>'
    "<script>alert('x')</script><a href=\"javascript:alert(1)\">apply</a>"
)


@dataclass
class Original:
    """The source database's URL and the files its résumé keys point into."""

    url: str
    resumes_dir: Path
    ids: dict[str, str] = field(default_factory=dict)

    async def execute(self, sql: str, *args: object) -> None:
        connection = await asyncpg.connect(self.url)
        try:
            await connection.execute(sql, *args)
        finally:
            await connection.close()

    async def connect(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.url)


async def fill(connection: asyncpg.Connection, resumes_dir: Path) -> None:
    """Two workspaces, four people, jobs and applicants, with every awkward case."""
    hashed = better_auth_hash(PASSWORD)
    await insert(
        connection,
        "user",
        [
            {
                "id": "c-alice",
                "name": "Alice Owner",
                "email": "alice@acme.test",
                "emailVerified": True,
                "image": "https://images.acme.test/alice.png",
                "createdAt": at("2024-01-02 10:00:00"),
                "updatedAt": at("2024-01-02 10:00:00"),
                # The workspace she had open last: the second one she joined.
                "currentOrganizationId": "c-org-beta",
            },
            {
                "id": "c-bob",
                "name": "Bob Google",
                "email": "bob@gmail.test",
                "emailVerified": True,
                "image": "javascript:alert(1)",
                "createdAt": at("2024-02-01 09:00:00"),
                "updatedAt": at("2024-02-01 09:00:00"),
                "currentOrganizationId": None,
            },
            {
                "id": "c-carol",
                "name": "Carol Twice",
                "email": "carol@acme.test",
                "emailVerified": False,
                "image": None,
                "createdAt": at("2024-03-01 09:00:00"),
                "updatedAt": at("2024-03-01 09:00:00"),
                "currentOrganizationId": "c-org-acme",
            },
        ],
    )
    await insert(
        connection,
        "account",
        [
            {
                "id": "c-acc-alice",
                "accountId": "c-alice",
                "providerId": "credential",
                "userId": "c-alice",
                "password": hashed,
                "accessToken": None,
                "refreshToken": None,
                "scope": None,
                "createdAt": at("2024-01-02 10:00:00"),
                "updatedAt": at("2024-01-02 10:00:00"),
            },
            {
                "id": "c-acc-bob",
                "accountId": "109876543210987654321",
                "providerId": "google",
                "userId": "c-bob",
                "password": None,
                "accessToken": "ya29.old-token",
                "refreshToken": "1//refresh",
                "scope": "openid email profile",
                "createdAt": at("2024-02-01 09:00:00"),
                "updatedAt": at("2024-02-01 09:00:00"),
            },
            {
                "id": "c-acc-carol",
                "accountId": "c-carol",
                "providerId": "credential",
                "userId": "c-carol",
                "password": better_auth_hash("carol's own password"),
                "accessToken": None,
                "refreshToken": None,
                "scope": None,
                "createdAt": at("2024-03-01 09:00:00"),
                "updatedAt": at("2024-03-01 09:00:00"),
            },
        ],
    )
    await insert(
        connection,
        "session",
        [
            {
                "id": "c-session",
                "expiresAt": at("2030-01-01 00:00:00"),
                "token": "old-session-token",
                "createdAt": at("2024-01-02 10:00:00"),
                "updatedAt": at("2024-01-02 10:00:00"),
                "userId": "c-alice",
            }
        ],
    )
    await insert(
        connection,
        "Organization",
        [
            {
                "id": "c-org-acme",
                "name": "Acme",
                "slug": "acme",
                "description": "",
                "website": "acme.test",
            },
            {
                "id": "c-org-beta",
                "name": "Beta Labs",
                "slug": "Beta_Labs!",
                "description": "We build betas.",
                "website": "javascript:alert(1)",
            },
        ],
    )
    await insert(
        connection,
        "OrganizationUser",
        [
            {"id": "c-m1", "userId": "c-alice", "role": "owner", "organizationId": "c-org-acme"},
            {"id": "c-m2", "userId": "c-alice", "role": "owner", "organizationId": "c-org-beta"},
            {"id": "c-m3", "userId": "c-carol", "role": "member", "organizationId": "c-org-acme"},
            {"id": "c-m4", "userId": "c-carol", "role": "owner", "organizationId": "c-org-acme"},
            {"id": "c-m5", "userId": "c-carol", "role": "member", "organizationId": "c-org-acme"},
            {"id": "c-m6", "userId": "c-bob", "role": "member", "organizationId": "c-org-beta"},
            {"id": "c-m7", "userId": "c-gone", "role": "member", "organizationId": "c-org-beta"},
        ],
    )
    await insert(
        connection,
        "OrganizationInvite",
        [
            {
                "id": "c-i1",
                "role": "member",
                "email": "new@acme.test",
                "organizationId": "c-org-acme",
                "createdAt": at("2024-04-01 09:00:00"),
            },
            {
                "id": "c-i2",
                "role": "member",
                "email": "New@acme.test",
                "organizationId": "c-org-acme",
                "createdAt": at("2024-04-02 09:00:00"),
            },
            {
                "id": "c-i3",
                "role": "member",
                "email": "carol@acme.test",
                "organizationId": "c-org-acme",
                "createdAt": at("2024-04-03 09:00:00"),
            },
        ],
    )
    await insert(
        connection,
        "JobCategory",
        [
            {"id": "c-cat-eng", "name": "Engineering", "order": 0, "organizationId": "c-org-acme"},
            {"id": "c-cat-des", "name": "Design", "order": 1, "organizationId": "c-org-acme"},
            {"id": "c-cat-ops", "name": "Operations", "order": 0, "organizationId": "c-org-beta"},
        ],
    )
    await insert(
        connection,
        "Job",
        [
            {
                "id": "c-job-backend",
                "title": "Backend engineer",
                "type": "fulltime",
                "country": "Germany",
                "city": "Berlin",
                "content": SCRIPT_CONTENT,
                "remote": False,
                "createdAt": at("2024-05-01 08:00:00"),
                "organizationId": "c-org-acme",
                "categoryId": "c-cat-eng",
            },
            {
                "id": "c-job-designer",
                "title": "Product designer",
                "type": "contract",
                "country": "Atlantis",
                "city": None,
                "content": "<p>Design with us.</p>",
                "remote": True,
                "createdAt": at("2024-05-02 08:00:00"),
                "organizationId": "c-org-acme",
                "categoryId": "c-cat-deleted",
            },
            {
                "id": "c-job-ops",
                "title": "Operations intern",
                "type": "internship",
                "country": "",
                "city": "Paris",
                "content": "",
                "remote": False,
                "createdAt": at("2024-05-03 08:00:00"),
                "organizationId": "c-org-beta",
                "categoryId": "c-cat-ops",
            },
            {
                "id": "c-job-orphan",
                "title": "Of a deleted workspace",
                "type": "parttime",
                "country": None,
                "city": None,
                "content": "",
                "remote": False,
                "createdAt": at("2024-05-04 08:00:00"),
                "organizationId": "c-org-deleted",
                "categoryId": None,
            },
        ],
    )
    applicants = [
        ("c-a1", "Ann Older", "ann@mail.test", "c-job-backend", "2024-06-01", "SUBMITTED", None),
        (
            "c-a2",
            "Ann Newer",
            "Ann@mail.test",
            "c-job-backend",
            "2024-06-03",
            "INTERVIEW",
            "resumes/ann.pdf",
        ),
        (
            "c-a3",
            "Ben",
            "ben@mail.test",
            "c-job-backend",
            "2024-06-02",
            "UNDERREVIEW",
            "resumes/missing.pdf",
        ),
        (
            "c-a4",
            "Cat",
            "cat@mail.test",
            "c-job-backend",
            "2024-06-02",
            "REJECTED",
            "resumes/cat.txt",
        ),
        ("c-a5", "Dan", "dan@mail.test", "c-job-designer", "2024-06-04", "HIRED", None),
        ("c-a6", "Eve", "eve@mail.test", "c-job-ops", "2024-06-05", "OFFER", None),
        ("c-a7", "Lost", "lost@mail.test", "c-job-deleted", "2024-06-06", "SUBMITTED", None),
    ]
    await insert(
        connection,
        "Applicant",
        [
            {
                "id": source_id,
                "name": name,
                "motivation": "I would love to join.",
                "email": email,
                "linkedIn": "linkedin.com/in/dan" if source_id == "c-a5" else None,
                "twitter": "not a link" if source_id == "c-a6" else None,
                "github": None,
                "createdAt": at(f"{day} 12:00:00"),
                "status": status,
                "resumeKey": resume,
                "jobId": job,
            }
            for source_id, name, email, job, day, status, resume in applicants
        ],
    )
    (resumes_dir / "resumes").mkdir(parents=True, exist_ok=True)
    (resumes_dir / "resumes" / "ann.pdf").write_bytes(PDF)
    (resumes_dir / "resumes" / "cat.txt").write_text("just text, not a résumé file\n")


@pytest.fixture
async def original(tmp_path: Path) -> AsyncIterator[Original]:
    require_postgres()
    url = (await create_postgres_database("wegotwork_original")).replace(
        "postgresql+asyncpg://", "postgresql://"
    )
    source = Original(url, tmp_path / "original-files")
    connection = await asyncpg.connect(url)
    try:
        await create_schema(connection)
        await fill(connection, source.resumes_dir)
    finally:
        await connection.close()
    yield source
    await drop_postgres_database(url)
