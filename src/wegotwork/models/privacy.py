"""Privacy: the audit trail of quarantine, restore, export, hold and erasure (ids and counts
only, never a name or an address) and the stored files an erasure still has to remove."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from wegotwork.models.base import ID, Base, CreatedMixin, IdMixin, OrgScoped, str_enum


class PrivacyAction(StrEnum):
    QUARANTINE = "quarantine"
    RESTORE = "restore"
    EXPORT = "export"
    ERASE = "erase"
    HOLD = "hold"
    RELEASE = "release"
    SETTINGS = "settings"


class PrivacyAudit(IdMixin, OrgScoped, CreatedMixin, Base):
    """Who did what to which applicant id, and how many rows/files it touched. ``actor_id``
    None: the retention run. ``applicant_id`` is an opaque id kept after erasure (no foreign
    key), so an admin can answer "was this candidate erased, and when"."""

    __tablename__ = "privacy_audit"
    __table_args__ = (
        Index("ix_privacy_audit_organization_id_created_at", "organization_id", "created_at"),
    )

    actor_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[PrivacyAction] = mapped_column(str_enum(PrivacyAction, "privacy_action"))
    applicant_id: Mapped[str | None] = mapped_column(ID, index=True)
    count: Mapped[int] = mapped_column(default=0)


class PendingFileDeletion(Base):
    """A stored file whose rows an erasure has committed away and that is not yet deleted from
    storage; written in the erasure's transaction, removed once the file is gone. A crash
    between the two leaves the row, and the next privacy run finishes the deletion."""

    __tablename__ = "privacy_pending_file"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    created_at: Mapped[datetime]
