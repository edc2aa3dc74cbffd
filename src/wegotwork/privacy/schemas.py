"""The privacy API's input and output shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, field_validator
from pydantic.json_schema import SkipJsonSchema

from wegotwork.models import Applicant, PrivacyAudit
from wegotwork.privacy import rules
from wegotwork.privacy.actions import Due, PrivacySettings
from wegotwork.privacy.queries import DueApplicant
from wegotwork.schemas import CamelModel, InputModel


class PrivacySettingsUpdate(InputModel):
    """``{retentionMonths?, quarantineDays?}``."""

    # The bounds are stated in the document and checked with the product's own messages.
    retention_months: int | SkipJsonSchema[None] = Field(
        default=None,
        json_schema_extra={"minimum": rules.RETENTION_MIN, "maximum": rules.RETENTION_MAX},
    )
    quarantine_days: int | SkipJsonSchema[None] = Field(
        default=None,
        json_schema_extra={"minimum": rules.QUARANTINE_MIN, "maximum": rules.QUARANTINE_MAX},
    )

    @field_validator("retention_months")
    @classmethod
    def _retention(cls, value: int | None) -> int | None:
        if value is not None and (message := rules.retention_error(value)):
            raise ValueError(message)
        return value

    @field_validator("quarantine_days")
    @classmethod
    def _quarantine(cls, value: int | None) -> int | None:
        if value is not None and (message := rules.quarantine_error(value)):
            raise ValueError(message)
        return value


class PrivacySettingsOut(CamelModel):
    retention_months: int
    quarantine_days: int

    @classmethod
    def of(cls, settings: PrivacySettings) -> PrivacySettingsOut:
        return cls(
            retention_months=settings.retention_months, quarantine_days=settings.quarantine_days
        )


class PrivacySettingsEnvelope(CamelModel):
    settings: PrivacySettingsOut


class DueApplicantOut(CamelModel):
    id: str
    name: str
    job_title: str
    since: datetime
    due_at: datetime

    @classmethod
    def of(cls, item: DueApplicant) -> DueApplicantOut:
        return cls(
            id=item.id,
            name=item.name,
            job_title=item.job_title,
            since=item.since,
            due_at=item.due_at,
        )


class DueOut(CamelModel):
    """What the next run does: ``quarantine`` (``since``: when the process ended) and ``erase``
    (``since``: when the quarantine began); ``quarantined`` now, with when each is erased."""

    now: datetime
    retention_months: int
    quarantine_days: int
    quarantine: list[DueApplicantOut]
    erase: list[DueApplicantOut]
    quarantined: list[DueApplicantOut]
    held: list[str]

    @classmethod
    def of(cls, due: Due, settings: PrivacySettings) -> DueOut:
        return cls(
            now=due.now,
            retention_months=settings.retention_months,
            quarantine_days=settings.quarantine_days,
            quarantine=[DueApplicantOut.of(item) for item in due.to_quarantine],
            erase=[DueApplicantOut.of(item) for item in due.to_erase],
            quarantined=[DueApplicantOut.of(item) for item in due.quarantined],
            held=[applicant_id for applicant_id, _name, _title in due.held],
        )


class PrivacyStateOut(CamelModel):
    """An applicant's privacy state."""

    id: str
    legal_hold: bool
    quarantined_at: datetime | None

    @classmethod
    def of(cls, applicant: Applicant) -> PrivacyStateOut:
        return cls(
            id=applicant.id,
            legal_hold=applicant.legal_hold,
            quarantined_at=applicant.quarantined_at,
        )


class PrivacyStateEnvelope(CamelModel):
    applicant: PrivacyStateOut


class AuditEntryOut(CamelModel):
    """One audit entry: ids and counts only."""

    id: str
    action: str
    actor_id: str | None
    applicant_id: str | None
    count: int
    created_at: datetime

    @classmethod
    def of(cls, entry: PrivacyAudit) -> AuditEntryOut:
        return cls(
            id=entry.id,
            action=str(entry.action),
            actor_id=entry.actor_id,
            applicant_id=entry.applicant_id,
            count=entry.count,
            created_at=entry.created_at,
        )


class AuditEnvelope(CamelModel):
    entries: list[AuditEntryOut]
