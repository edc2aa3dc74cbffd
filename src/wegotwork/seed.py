"""Demo data: the organization ``acme`` with an owner, jobs and a few hundred applicants."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import timedelta

from rich.console import Console
from rich.progress import Progress
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.auth.passwords import hash_password
from wegotwork.db import Database, create_engine, new_id, utcnow
from wegotwork.messages.actions import seed_organization as seed_communication
from wegotwork.models import (
    Account,
    Applicant,
    ApplicantEvent,
    ApplicantStatus,
    Job,
    JobCategory,
    JobStatus,
    JobType,
    Member,
    Organization,
    Role,
    User,
)
from wegotwork.organizations.rules import DEFAULT_CATEGORIES
from wegotwork.pipelines.actions import create_default_pipeline
from wegotwork.pipelines.queries import stages_of
from wegotwork.settings import Settings
from wegotwork.storage import Storage, storage_from_settings

DEMO_SLUG = "acme"
DEMO_EMAIL = "owner@acme.example"
DEMO_PASSWORD = "acme-demo-password"  # noqa: S105 - printed for the newcomer on purpose
APPLICANTS = 300

FIRST = [
    "Ada",
    "Alan",
    "Amara",
    "Ana",
    "Ben",
    "Carla",
    "Chen",
    "Dario",
    "Elif",
    "Emma",
    "Farah",
    "Felix",
    "Grace",
    "Hana",
    "Ivan",
    "Jonas",
    "Kai",
    "Lea",
    "Liam",
    "Mara",
    "Mateo",
    "Mei",
    "Nia",
    "Noah",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Sofia",
    "Tariq",
    "Una",
    "Vera",
    "Yuki",
    "Zoe",
]
LAST = [
    "Adeyemi",
    "Bauer",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Nakamura",
    "Novak",
    "Okafor",
    "Patel",
    "Quispe",
    "Rossi",
    "Schmidt",
    "Silva",
    "Tanaka",
    "Umar",
    "Varga",
    "Weber",
    "Yilmaz",
    "Zhou",
]

JOBS: tuple[tuple[str, str, JobType, str | None, str | None, bool], ...] = (
    (
        "Senior Backend Engineer (Python)",
        "Software Development",
        JobType.FULLTIME,
        "DE",
        "Berlin",
        True,
    ),
    ("Frontend Engineer", "Software Development", JobType.FULLTIME, "NL", "Amsterdam", False),
    ("Site Reliability Engineer", "Software Development", JobType.FULLTIME, None, None, True),
    ("Mobile Developer", "Software Development", JobType.CONTRACT, "PT", "Lisbon", True),
    (
        "Software Engineering Intern",
        "Software Development",
        JobType.INTERNSHIP,
        "DE",
        "Munich",
        False,
    ),
    ("Financial Controller", "Finance", JobType.FULLTIME, "GB", "London", False),
    ("Accounts Payable Specialist", "Finance", JobType.PARTTIME, "IE", "Dublin", False),
    ("Operations Manager", "Operations", JobType.FULLTIME, "ES", "Madrid", False),
    ("Customer Support Lead", "Operations", JobType.FULLTIME, None, None, True),
    ("Talent Acquisition Partner", "HR & Recruiting", JobType.FULLTIME, "FR", "Paris", True),
    ("Security Engineer", "Security", JobType.FULLTIME, "CH", "Zurich", True),
    ("Penetration Tester", "Security", JobType.CONTRACT, None, None, True),
)

DESCRIPTION = """## About the role

You will join a small, friendly team that ships every day. We care about **craft**, kindness and
clear writing.

## What you will do

- Own features from the first sketch to production
- Work closely with design, support and our customers
- Help us keep quality high as we grow

## What we look for

- Experience in a similar role, or the curiosity to get there quickly
- Clear written communication
- A habit of leaving things better than you found them

We offer a competitive salary, flexible hours and a yearly learning budget.
"""

STATUS_WEIGHTS = {
    ApplicantStatus.SUBMITTED: 40,
    ApplicantStatus.UNDERREVIEW: 25,
    ApplicantStatus.INTERVIEW: 15,
    ApplicantStatus.OFFER: 5,
    ApplicantStatus.REJECTED: 12,
    ApplicantStatus.HIRED: 3,
}
PIPELINE = [
    ApplicantStatus.SUBMITTED,
    ApplicantStatus.UNDERREVIEW,
    ApplicantStatus.INTERVIEW,
    ApplicantStatus.OFFER,
    ApplicantStatus.HIRED,
]


def tiny_pdf(title: str) -> bytes:
    """A valid one-page PDF showing ``title``, standing in for a résumé."""
    safe = "".join(ch for ch in title if ch.isalnum() or ch in " .-")[:60]
    stream = f"BT /F1 24 Tf 72 720 Td ({safe}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


async def _one_chunk(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def seed_demo(settings: Settings, console: Console) -> None:
    database = Database(create_engine(settings.effective_database_url, pool_size=2))
    storage = storage_from_settings(settings)
    try:
        async with database.sessionmaker() as db:
            exists = await db.scalar(
                select(func.count()).select_from(Organization).where(Organization.slug == DEMO_SLUG)
            )
            if exists:
                console.print(f"The demo organization '{DEMO_SLUG}' exists already.")
            else:
                await _create(db, storage, console)
                await db.commit()
    finally:
        await database.dispose()
    console.print(
        "\n[bold]Demo ready.[/] Sign in at "
        f"[bold]{settings.base_url}/sign-in[/] as\n"
        f"  email:    [bold]{DEMO_EMAIL}[/]\n  password: [bold]{DEMO_PASSWORD}[/]\n"
        f"Careers page: {settings.base_url}/careers/{DEMO_SLUG}",
        highlight=False,
    )


async def _create(db: AsyncSession, storage: Storage, console: Console) -> None:
    rng = random.Random(20261128)
    now = utcnow()
    owner = User(name="Alex Owner", email=DEMO_EMAIL, email_verified=True)
    db.add(owner)
    await db.flush()
    db.add(
        Account(
            account_id=owner.id,
            provider_id="credential",
            user_id=owner.id,
            password=await hash_password(DEMO_PASSWORD),
        )
    )
    organization = Organization(
        name="Acme Corporation",
        slug=DEMO_SLUG,
        description="Acme builds tools that small teams love. We are remote-friendly, "
        "curious and kind.",
        website="https://acme.example",
    )
    db.add(organization)
    await db.flush()
    db.add(Member(organization_id=organization.id, user_id=owner.id, role=Role.OWNER))
    categories: dict[str, JobCategory] = {}
    for position, name in enumerate(DEFAULT_CATEGORIES):
        category = JobCategory(organization_id=organization.id, name=name, position=position)
        db.add(category)
        categories[name] = category
    await db.flush()
    pipeline = await create_default_pipeline(db, organization.id)
    seed_communication(db, organization.id)
    stage_of = {stage.status: stage.id for stage in await stages_of(db, pipeline.id)}

    jobs: list[Job] = []
    for index, (title, category_name, job_type, country, city, remote) in enumerate(JOBS):
        published = now - timedelta(days=30 - index * 2)
        job = Job(
            organization_id=organization.id,
            category_id=categories[category_name].id,
            title=title,
            type=job_type,
            country=country,
            city=city,
            remote=remote,
            description=DESCRIPTION,
            status=JobStatus.PUBLISHED,
            published_at=published,
            created_at=published,
            pipeline_id=pipeline.id,
        )
        db.add(job)
        jobs.append(job)
    await db.flush()

    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    seen: set[tuple[str, str]] = set()
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("Creating applicants", total=APPLICANTS)
        made = 0
        while made < APPLICANTS:
            job = rng.choice(jobs)
            first, last = rng.choice(FIRST), rng.choice(LAST)
            email = f"{first}.{last}{rng.randint(1, 999)}@example.com".lower()
            if (job.id, email) in seen:
                continue
            seen.add((job.id, email))
            status = rng.choices(statuses, weights)[0]
            created = now - timedelta(minutes=rng.randint(5, 30 * 24 * 60))
            key = f"resumes/{new_id()}.pdf"
            data = tiny_pdf(f"{first} {last}")
            await storage.save(key, _one_chunk(data), "application/pdf")
            applicant = Applicant(
                id=new_id(),
                organization_id=organization.id,
                job_id=job.id,
                name=f"{first} {last}",
                email=email,
                motivation=f"I would love to join Acme as {job.title}.",
                linkedin=f"https://www.linkedin.com/in/{first.lower()}-{last.lower()}",
                github=f"https://github.com/{first.lower()}{last.lower()}"
                if rng.random() < 0.5
                else None,
                resume_key=key,
                resume_filename=f"{first}-{last}-CV.pdf",
                resume_content_type="application/pdf",
                resume_size=len(data),
                status=status,
                stage_id=stage_of[status],
                created_at=created,
                updated_at=created,
            )
            db.add(applicant)
            for step, (before, after) in enumerate(_path_to(status)):
                db.add(
                    ApplicantEvent(
                        applicant_id=applicant.id,
                        actor_id=owner.id,
                        from_status=before,
                        to_status=after,
                        created_at=created + timedelta(hours=step + 1),
                    )
                )
            made += 1
            progress.advance(task)
            if made % 100 == 0:
                await db.flush()
    await db.flush()


def _path_to(status: ApplicantStatus) -> list[tuple[ApplicantStatus, ApplicantStatus]]:
    """The status changes a team would have made to bring an applicant to ``status``."""
    if status is ApplicantStatus.SUBMITTED:
        return []
    if status is ApplicantStatus.REJECTED:
        return [
            (ApplicantStatus.SUBMITTED, ApplicantStatus.UNDERREVIEW),
            (ApplicantStatus.UNDERREVIEW, ApplicantStatus.REJECTED),
        ]
    target = PIPELINE.index(status)
    return [(PIPELINE[i], PIPELINE[i + 1]) for i in range(target)]
