"""Factories: valid objects in one line, so tests read as stories.

Each takes the test's ``db`` session, flushes (never commits; the test's transaction rolls
back), and returns the ORM object. Defaults are unique per call.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.auth.passwords import hash_password_sync
from wegotwork.db import new_id, utcnow
from wegotwork.identity.sessions import create_session
from wegotwork.messages.actions import seed_organization as seed_communication
from wegotwork.models import (
    Account,
    Applicant,
    ApplicantStatus,
    Invitation,
    InvitationStatus,
    Job,
    JobCategory,
    JobStatus,
    JobType,
    Member,
    Organization,
    Pipeline,
    PipelineStage,
    Role,
    Session,
    User,
    WorkMode,
)
from wegotwork.organizations.rules import DEFAULT_CATEGORIES
from wegotwork.pipelines.actions import create_default_pipeline, record_application
from wegotwork.pipelines.queries import default_pipeline_id
from wegotwork.pipelines.rules import TEMPLATES

_counter = itertools.count(1)
PASSWORD = "correct horse battery"
_PASSWORD_HASH = hash_password_sync(PASSWORD)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_counter)}"


async def make_user(
    db: AsyncSession,
    *,
    name: str | None = None,
    email: str | None = None,
    password: str | None = PASSWORD,
    verified: bool = True,
) -> User:
    user = User(
        name=name or unique("User "),
        email=(email or f"{unique('user')}@example.com").lower(),
        email_verified=verified,
    )
    db.add(user)
    await db.flush()
    if password is not None:
        stored = _PASSWORD_HASH if password == PASSWORD else hash_password_sync(password)
        db.add(
            Account(account_id=user.id, provider_id="credential", user_id=user.id, password=stored)
        )
        await db.flush()
    return user


async def make_session(db: AsyncSession, user: User, **kwargs: object) -> Session:
    return await create_session(db, user, **kwargs)  # type: ignore[arg-type]


async def make_org(
    db: AsyncSession,
    owner: User | None = None,
    *,
    name: str | None = None,
    slug: str | None = None,
    categories: bool = True,
) -> Organization:
    label = unique("org")
    organization = Organization(name=name or f"Org {label}", slug=slug or f"{label}-inc")
    db.add(organization)
    await db.flush()
    if owner is not None:
        db.add(Member(organization_id=organization.id, user_id=owner.id, role=Role.OWNER))
    if categories:
        for position, category in enumerate(DEFAULT_CATEGORIES):
            db.add(JobCategory(organization_id=organization.id, name=category, position=position))
    await create_default_pipeline(db, organization.id)
    seed_communication(db, organization.id)
    return organization


async def add_member(
    db: AsyncSession, organization: Organization, user: User, role: Role = Role.MEMBER
) -> Member:
    member = Member(organization_id=organization.id, user_id=user.id, role=role)
    db.add(member)
    await db.flush()
    return member


async def make_category(
    db: AsyncSession, organization: Organization, *, name: str | None = None, position: int = 100
) -> JobCategory:
    category = JobCategory(
        organization_id=organization.id, name=name or unique("Category "), position=position
    )
    db.add(category)
    await db.flush()
    return category


async def make_job(
    db: AsyncSession,
    organization: Organization,
    *,
    title: str | None = None,
    status: JobStatus = JobStatus.PUBLISHED,
    category: JobCategory | None = None,
    type: JobType = JobType.FULLTIME,
    description: str = "A job worth doing.",
    country: str | None = "DE",
    city: str | None = "Berlin",
    remote: bool = False,
    work_mode: WorkMode | None = None,
    **posting: Any,
) -> Job:
    """A job; ``posting`` sets any other column (``salary_min=...``, ``experience_level=...``).
    The work mode follows ``remote`` unless given."""
    mode = work_mode or (WorkMode.REMOTE if remote else WorkMode.ONSITE)
    job = Job(
        organization_id=organization.id,
        title=title or unique("Job "),
        status=status,
        category_id=category.id if category else None,
        type=type,
        description=description,
        country=country,
        city=city,
        remote=mode is WorkMode.REMOTE,
        work_mode=mode,
        published_at=utcnow() if status is not JobStatus.DRAFT else None,
        **{"pipeline_id": await default_pipeline_id(db, organization.id), **posting},
    )
    db.add(job)
    await db.flush()
    return job


async def make_applicant(
    db: AsyncSession,
    job: Job,
    *,
    name: str | None = None,
    email: str | None = None,
    status: ApplicantStatus = ApplicantStatus.SUBMITTED,
    motivation: str | None = "I would like to work with you.",
    resume_key: str | None = None,
) -> Applicant:
    applicant = Applicant(
        id=new_id(),
        organization_id=job.organization_id,
        job_id=job.id,
        name=name or unique("Applicant "),
        email=(email or f"{unique('applicant')}@example.com").lower(),
        motivation=motivation,
        status=status,
        resume_key=resume_key,
        resume_filename="cv.pdf" if resume_key else None,
        resume_content_type="application/pdf" if resume_key else None,
        resume_size=100 if resume_key else None,
    )
    await record_application(db, applicant)
    db.add(applicant)
    await db.flush()
    return applicant


async def make_pipeline(
    db: AsyncSession,
    organization: Organization,
    *,
    name: str | None = None,
    template: str = "technical",
) -> Pipeline:
    """A pipeline (not the default) from one of the templates."""
    pipeline = Pipeline(
        organization_id=organization.id, name=name or unique("Pipeline "), is_default=False
    )
    db.add(pipeline)
    await db.flush()
    for position, stage in enumerate(TEMPLATES[template]):
        db.add(
            PipelineStage(
                organization_id=organization.id,
                pipeline_id=pipeline.id,
                name=stage.name,
                status=stage.status,
                position=position,
            )
        )
    await db.flush()
    return pipeline


async def make_invitation(
    db: AsyncSession,
    organization: Organization,
    inviter: User,
    *,
    email: str | None = None,
    role: Role = Role.MEMBER,
    status: InvitationStatus = InvitationStatus.PENDING,
    expires_in: timedelta = timedelta(hours=48),
    sent_ago: timedelta = timedelta(hours=1),
) -> Invitation:
    """An invitation mailed ``sent_ago`` (so it may be resent at once) that expires
    ``expires_in`` after it was mailed."""
    invitation = Invitation(
        organization_id=organization.id,
        email=(email or f"{unique('invitee')}@example.com").lower(),
        role=role,
        status=status,
        inviter_id=inviter.id,
        expires_at=utcnow() - sent_ago + expires_in,
    )
    db.add(invitation)
    await db.flush()
    return invitation
