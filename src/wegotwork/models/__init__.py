"""Every ORM model, imported here so one metadata holds them all (Alembic reads it)."""

from wegotwork.models.analytics import (
    BLOCK,
    DIRECT,
    MONTH,
    FunnelCount,
    FunnelCountRollup,
    FunnelDuration,
    FunnelDurationJobRollup,
    FunnelDurationSourceRollup,
    PageViewDaily,
    TrackedSource,
)
from wegotwork.models.applicants import (
    ActivityKind,
    Applicant,
    ApplicantActivity,
    ApplicantEvent,
)
from wegotwork.models.auth import Account, RateLimit, Session, User, Verification
from wegotwork.models.base import Base
from wegotwork.models.forms import Answer, LibraryQuestion, Question, QuestionKind
from wegotwork.models.imports import ImportMapping
from wegotwork.models.jobs import (
    ExperienceLevel,
    Job,
    JobCategory,
    JobStatus,
    JobType,
    SalaryInterval,
    WorkMode,
)
from wegotwork.models.messages import (
    CandidateLink,
    CommunicationSettings,
    Message,
    MessageTemplate,
    RejectionReason,
    TemplateKind,
)
from wegotwork.models.organizations import (
    Invitation,
    InvitationStatus,
    Member,
    Organization,
    Role,
)
from wegotwork.models.outbox import MailSend, OutboxMessage
from wegotwork.models.pipelines import ApplicantStatus, Pipeline, PipelineStage
from wegotwork.models.privacy import PendingFileDeletion, PrivacyAction, PrivacyAudit
from wegotwork.models.reviews import (
    Note,
    Notification,
    NotificationKind,
    Recommendation,
    Scorecard,
    ScorecardAttribute,
)
from wegotwork.models.tasks import TaskLease

__all__ = [
    "BLOCK",
    "DIRECT",
    "MONTH",
    "Account",
    "ActivityKind",
    "Answer",
    "Applicant",
    "ApplicantActivity",
    "ApplicantEvent",
    "ApplicantStatus",
    "Base",
    "CandidateLink",
    "CommunicationSettings",
    "ExperienceLevel",
    "FunnelCount",
    "FunnelCountRollup",
    "FunnelDuration",
    "FunnelDurationJobRollup",
    "FunnelDurationSourceRollup",
    "ImportMapping",
    "Invitation",
    "InvitationStatus",
    "Job",
    "JobCategory",
    "JobStatus",
    "JobType",
    "LibraryQuestion",
    "MailSend",
    "Member",
    "Message",
    "MessageTemplate",
    "Note",
    "Notification",
    "NotificationKind",
    "Organization",
    "OutboxMessage",
    "PageViewDaily",
    "PendingFileDeletion",
    "Pipeline",
    "PipelineStage",
    "PrivacyAction",
    "PrivacyAudit",
    "Question",
    "QuestionKind",
    "RateLimit",
    "Recommendation",
    "RejectionReason",
    "Role",
    "SalaryInterval",
    "Scorecard",
    "ScorecardAttribute",
    "Session",
    "TaskLease",
    "TemplateKind",
    "TrackedSource",
    "User",
    "Verification",
    "WorkMode",
]
