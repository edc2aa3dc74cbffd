"""Leases of the periodic runner: one row per job, held by one process until it expires."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from wegotwork.models.base import Base


class TaskLease(Base):
    __tablename__ = "task_lease"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
    last_run_at: Mapped[datetime | None]
