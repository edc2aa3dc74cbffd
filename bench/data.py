"""Reproducible benchmark data, generated with bulk COPY (PostgreSQL) or executemany (SQLite).

1 000 organizations with 5 categories and 50 published jobs each; 1 000 000 applicants in the
organization ``bench-big`` (one job holds 100 000 of them, the rest are spread over its other
jobs and over the six statuses), 20 applicants in every other organization; an owner per
organization with a password and a session. Everything derives from a fixed seed, so two runs
produce the same data; a marker row records what was generated so later runs reuse it.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from wegotwork import migrate
from wegotwork.auth.passwords import hash_password_sync
from wegotwork.importer.run import APPLICANT_COLUMNS
from wegotwork.organizations.rules import DEFAULT_CATEGORIES

VERSION = 3
SEED = 20261128
ORGS = 1000
JOBS_PER_ORG = 50
BIG_ORG_APPLICANTS = 1_000_000
BIG_JOB_APPLICANTS = 100_000
SMALL_ORG_APPLICANTS = 20
PASSWORD = "bench-password-123"
BIG_SLUG = "bench-big"
CAREERS_SLUG = "bench-0001"

FIRST = (
    "Ada Alan Amara Ana Ben Carla Chen Dario Elif Emma Farah Felix Grace Hana Ivan Jonas Kai Lea "
    "Liam Mara Mateo Mei Nia Noah Omar Priya Quinn Rosa Sam Sofia Tariq Una Vera Yuki Zoe Aiko "
    "Bruno Chiara Dmitri Esra Femi Giulia Hugo Ines Jakub Karim Lucia Milan Nadia Oskar Paula "
    "Rafael Selin Tomas Uma Viktor Wen Ximena Yara Zeno"
).split()
LAST = (
    "Adeyemi Bauer Costa Dubois Eriksen Fischer Garcia Haddad Ito Jensen Kowalski Larsen Moreau "
    "Nakamura Novak Okafor Patel Quispe Rossi Schmidt Silva Tanaka Umar Varga Weber Yilmaz Zhou "
    "Andersen Becker Castro Dimitrov Esposito Ferreira Gruber Horvat Ivanova Jovanovic Keller "
    "Lindqvist Martins Nielsen Oliveira Petrov Ramos Santos Torres Urban Vogel Walsh Young"
).split()
STATUSES = ["SUBMITTED", "UNDERREVIEW", "INTERVIEW", "OFFER", "REJECTED", "HIRED"]
STATUS_WEIGHTS = [40, 25, 12, 4, 16, 3]
TYPES = ["fulltime", "fulltime", "fulltime", "parttime", "contract", "internship"]
CITIES = [
    ("DE", "Berlin"),
    ("NL", "Amsterdam"),
    ("FR", "Paris"),
    ("GB", "London"),
    ("ES", "Madrid"),
    ("PT", "Lisbon"),
    ("US", "New York"),
    ("CA", "Toronto"),
]
TITLES = [
    "Backend Engineer",
    "Frontend Engineer",
    "Product Designer",
    "Data Analyst",
    "Account Executive",
    "Customer Success Manager",
    "Site Reliability Engineer",
    "Financial Analyst",
    "Recruiter",
    "Security Engineer",
    "Operations Lead",
    "Marketing Manager",
    "QA Engineer",
    "Mobile Developer",
    "Technical Writer",
]
LEVELS = ["", "Senior ", "Staff ", "Junior ", "Lead "]
DESCRIPTION = (
    "## About the role\n\nJoin a small team that ships every week. You will own features end to "
    "end and work closely with design and support.\n\n## What you will do\n\n- Build and "
    "maintain the product\n- Talk to customers\n- Improve how we work\n\n## What we look for\n\n"
    "- Experience in a similar role\n- Clear written communication\n- Curiosity and kindness\n"
)
MOTIVATIONS = [
    "I have followed your product for years and would love to help build it.",
    "My background in distributed systems fits this role well.",
    "I enjoy working in small teams where I can own outcomes.",
    "Your mission resonates with me and I want to grow with you.",
    "I bring five years of experience and a passion for quality.",
]


def ident(rng: random.Random) -> str:
    return "".join(
        rng.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", k=32)
    )


def job_row(
    job_id: str,
    organization: str,
    category: str,
    title: str,
    kind: str,
    country: str,
    city: str,
    remote: bool,
    published: datetime,
) -> tuple[object, ...]:
    """A published job, in COLUMNS["job"]' order."""
    return (
        job_id,
        organization,
        category,
        title,
        kind,
        country,
        city,
        remote,
        DESCRIPTION,
        "published",
        published,
        published,
        published,
    )


def applicant_row(
    rng: random.Random, organization: str, job_id: str, tag: str, now: datetime
) -> tuple[object, ...]:
    """An applicant of the last year with a random name, motivation and status, in
    COLUMNS["applicant"]' order (the importer's); ``tag`` makes the email unique."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    created = now - timedelta(seconds=rng.randint(60, 365 * 86400))
    record = dict.fromkeys(APPLICANT_COLUMNS)
    record.update(
        id=ident(rng),
        organization_id=organization,
        job_id=job_id,
        name=f"{first} {last}",
        email=f"{first}.{last}.{tag}@mail.example".lower(),
        motivation=rng.choice(MOTIVATIONS),
        status=rng.choices(STATUSES, STATUS_WEIGHTS)[0],
        created_at=created,
        updated_at=created,
    )
    return tuple(record.values())


@dataclass
class Generated:
    """What a benchmark needs to know about the data: ids, slugs, credentials."""

    careers_slug: str
    big_org_id: str
    big_job_id: str
    owner_email: str
    password: str
    session_tokens: list[str]
    published_job_id: str

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.__dict__, indent=1))

    @classmethod
    def load(cls, path: Path) -> Generated:
        return cls(**json.loads(path.read_text()))


def _progress() -> Progress:
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )


def _rows(now: datetime) -> Iterator[tuple[str, list[tuple[object, ...]]]]:
    """Every row to insert, table by table, from the fixed seed (yields (table, batch))."""
    rng = random.Random(SEED)
    password_hash = hash_password_sync(PASSWORD)
    users, accounts, sessions, orgs, members, categories, jobs = [], [], [], [], [], [], []
    org_jobs: list[list[str]] = []
    for index in range(ORGS):
        user_id, org_id = ident(rng), ident(rng)
        created = now - timedelta(days=400)
        slug = BIG_SLUG if index == 0 else f"bench-{index:04d}"
        users.append(
            (user_id, f"Owner {index}", f"owner{index}@bench.example", True, None, created, created)
        )
        accounts.append(
            (ident(rng), user_id, "credential", user_id, password_hash, created, created)
        )
        sessions.append(
            (
                ident(rng),
                ident(rng),
                user_id,
                now + timedelta(days=6),
                "127.0.0.1",
                "bench",
                None,
                now - timedelta(hours=1),
                now - timedelta(hours=1),
            )
        )
        orgs.append(
            (
                org_id,
                f"Bench Company {index}",
                slug,
                "We build things people love. Remote-friendly, curious and kind.",
                "https://example.com",
                None,
                None,
                1,
                created,
                created,
            )
        )
        members.append((ident(rng), org_id, user_id, "owner", True, created))
        category_ids = []
        for position, name in enumerate(DEFAULT_CATEGORIES):
            category_id = ident(rng)
            category_ids.append(category_id)
            categories.append((category_id, org_id, name, position, created, created))
        ids = []
        for number in range(JOBS_PER_ORG):
            job_id = ident(rng)
            ids.append(job_id)
            country, city = rng.choice(CITIES)
            published = now - timedelta(days=rng.randint(1, 120), minutes=number)
            jobs.append(
                job_row(
                    job_id,
                    org_id,
                    category_ids[number % 5],
                    f"{rng.choice(LEVELS)}{rng.choice(TITLES)}",
                    rng.choice(TYPES),
                    country,
                    city,
                    rng.random() < 0.35,
                    published,
                )
            )
        org_jobs.append(ids)
    yield "user", users
    yield "account", accounts
    yield "session", sessions
    yield "organization", orgs
    yield "member", members
    yield "job_category", categories
    yield "job", jobs

    org_ids = [row[0] for row in orgs]
    batch: list[tuple[object, ...]] = []
    for org_index, org_id in enumerate(org_ids):
        total = BIG_ORG_APPLICANTS if org_index == 0 else SMALL_ORG_APPLICANTS
        job_ids = org_jobs[org_index]
        for number in range(total):
            if org_index == 0 and number < BIG_JOB_APPLICANTS:
                job_id = job_ids[0]
            elif org_index == 0:
                job_id = job_ids[1 + number % (JOBS_PER_ORG - 1)]
            else:
                job_id = job_ids[number % JOBS_PER_ORG]
            batch.append(applicant_row(rng, org_id, job_id, f"{org_index}.{number}", now))
            if len(batch) >= 20_000:
                yield "applicant", batch
                batch = []
    if batch:
        yield "applicant", batch


COLUMNS = {
    "user": ["id", "name", "email", "email_verified", "image", "created_at", "updated_at"],
    "account": [
        "id",
        "account_id",
        "provider_id",
        "user_id",
        "password",
        "created_at",
        "updated_at",
    ],
    "session": [
        "id",
        "token",
        "user_id",
        "expires_at",
        "ip_address",
        "user_agent",
        "active_organization_id",
        "created_at",
        "updated_at",
    ],
    "organization": [
        "id",
        "name",
        "slug",
        "description",
        "website",
        "logo",
        "metadata",
        "content_version",
        "created_at",
        "updated_at",
    ],
    "member": ["id", "organization_id", "user_id", "role", "notify_new_applicants", "created_at"],
    "job_category": ["id", "organization_id", "name", "position", "created_at", "updated_at"],
    "job": [
        "id",
        "organization_id",
        "category_id",
        "title",
        "type",
        "country",
        "city",
        "remote",
        "description",
        "status",
        "published_at",
        "created_at",
        "updated_at",
    ],
    "applicant": list(APPLICANT_COLUMNS),
}
TOTAL_APPLICANTS = BIG_ORG_APPLICANTS + (ORGS - 1) * SMALL_ORG_APPLICANTS


async def generate_postgres(url: str, marker: Path) -> Generated:
    """Create (or reuse) the benchmark database at ``url`` (``postgresql+asyncpg://``)."""
    plain = url.replace("postgresql+asyncpg://", "postgresql://")
    server, _, name = plain.rpartition("/")
    if marker.exists():
        info = json.loads(marker.read_text())
        if info.get("version") == VERSION and info.get("url") == url:
            try:
                connection = await asyncpg.connect(plain)
                count = await connection.fetchval("select count(*) from applicant")
                await connection.close()
                # Applications a benchmark made and did not get to remove are harmless.
                if count >= TOTAL_APPLICANTS:
                    return Generated.load(marker.with_suffix(".data.json"))
            except (OSError, asyncpg.PostgresError):
                pass
    admin = await asyncpg.connect(f"{server}/postgres")
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    await asyncio.to_thread(migrate.upgrade, url)

    now = datetime.now(UTC).replace(microsecond=0)
    connection = await asyncpg.connect(plain)
    started = time.monotonic()
    try:
        with _progress() as progress:
            task = progress.add_task(
                "Generating benchmark data (PostgreSQL)", total=TOTAL_APPLICANTS
            )
            for table, rows in _rows(now):
                await connection.copy_records_to_table(table, records=rows, columns=COLUMNS[table])
                if table == "applicant":
                    progress.advance(task, len(rows))
        await connection.execute("ANALYZE")
        generated = await _describe(connection)
    finally:
        await connection.close()
    generated.save(marker.with_suffix(".data.json"))
    marker.write_text(
        json.dumps(
            {"version": VERSION, "url": url, "seconds": round(time.monotonic() - started, 1)}
        )
    )
    return generated


def generate_sqlite(path: Path, marker: Path) -> None:
    """The same data (same seed, same ids: ``Generated`` of the PostgreSQL run describes it
    too) in a SQLite file, for comparing the applicant lists; reused while the marker holds."""
    if marker.exists() and path.exists():
        info = json.loads(marker.read_text())
        if info.get("version") == VERSION and info.get("path") == str(path):
            return
    path.unlink(missing_ok=True)
    migrate.upgrade(f"sqlite+aiosqlite:///{path}")
    now = datetime.now(UTC).replace(microsecond=0)
    started = time.monotonic()
    connection = sqlite3.connect(path)
    try:
        with _progress() as progress:
            task = progress.add_task("Generating benchmark data (SQLite)", total=TOTAL_APPLICANTS)
            for table, rows in _rows(now):
                connection.executemany(
                    _insert_sql(table), ([_sqlite_value(value) for value in row] for row in rows)
                )
                if table == "applicant":
                    progress.advance(task, len(rows))
        connection.commit()
        connection.execute("ANALYZE")
    finally:
        connection.close()
    marker.write_text(
        json.dumps(
            {"version": VERSION, "path": str(path), "seconds": round(time.monotonic() - started, 1)}
        )
    )


def _insert_sql(table: str) -> str:
    columns = COLUMNS[table]  # our own table and column names, never input
    names, marks = ", ".join(columns), ", ".join("?" for _ in columns)
    return f'INSERT INTO "{table}" ({names}) VALUES ({marks})'  # noqa: S608


def _sqlite_value(value: object) -> object:
    """As the app stores it on SQLite: UTC timestamps without a zone, booleans as integers."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, bool):
        return int(value)
    return value


async def _describe(connection: asyncpg.Connection) -> Generated:
    big = await connection.fetchrow("select id from organization where slug = $1", BIG_SLUG)
    big_job = await connection.fetchval(
        "select job_id from applicant where organization_id = $1 group by job_id "
        "order by count(*) desc limit 1",
        big["id"],
    )
    careers = await connection.fetchval("select id from organization where slug = $1", CAREERS_SLUG)
    job = await connection.fetchval(
        "select id from job where organization_id = $1 order by created_at desc limit 1", careers
    )
    tokens = [
        row["token"]
        for row in await connection.fetch(
            'select s.token from session s join "user" u on u.id = s.user_id '
            "order by u.email limit 64"
        )
    ]
    return Generated(
        careers_slug=CAREERS_SLUG,
        big_org_id=big["id"],
        big_job_id=big_job,
        owner_email="owner0@bench.example",
        password=PASSWORD,
        session_tokens=tokens,
        published_job_id=job,
    )
