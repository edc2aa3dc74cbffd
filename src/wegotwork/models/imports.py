"""What an import from another installation brought in: one row per original row.

``wegotwork import wegotwork`` keeps the original's id of every row it read next to the id of
the row it became here, so that running it again updates what changed, imports only what is
new, and resumes where an interrupted run stopped. A row holds ids and a digest of the
original's values, nothing a person wrote.
"""

from __future__ import annotations

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from wegotwork.models.base import ID, Base, TimestampMixin


class ImportMapping(TimestampMixin, Base):
    __tablename__ = "import_mapping"
    __table_args__ = (Index("ix_import_mapping_kind_target_id", "kind", "target_id"),)

    # The original's table ("user", "organization", "applicant", ...) and its row's id.
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The row here: the one it became, or the one it was merged into.
    target_id: Mapped[str] = mapped_column(ID)
    # "imported" or "merged" (a duplicate whose newest or highest row was kept).
    outcome: Mapped[str] = mapped_column(String(16))
    # A digest of the original's values as last imported: a changed row is updated.
    fingerprint: Mapped[str] = mapped_column(String(32))
