"""Every ORM model, imported here so one metadata holds them all (Alembic reads it)."""

from wegotwork.models.applicants import Applicant, ApplicantEvent, ApplicantStatus
from wegotwork.models.auth import Account, RateLimit, Session, User, Verification
from wegotwork.models.base import Base
from wegotwork.models.jobs import Job, JobCategory, JobStatus, JobType
from wegotwork.models.organizations import (
    Invitation,
    InvitationStatus,
    Member,
    Organization,
    Role,
)
from wegotwork.models.outbox import MailSend, OutboxMessage

__all__ = [
    "Account",
    "Applicant",
    "ApplicantEvent",
    "ApplicantStatus",
    "Base",
    "Invitation",
    "InvitationStatus",
    "Job",
    "JobCategory",
    "JobStatus",
    "JobType",
    "MailSend",
    "Member",
    "Organization",
    "OutboxMessage",
    "RateLimit",
    "Role",
    "Session",
    "User",
    "Verification",
]
