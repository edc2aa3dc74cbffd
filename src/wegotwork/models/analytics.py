"""Tracked sources and the hiring funnel's counters.

The counters are pre-aggregated per organization, job, source and day and hold no personal
data: a page view is a number on a day, an application is a number on the day it arrived.
Erasing a candidate therefore keeps the reports' counts, as the privacy rules ask.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from wegotwork.models.base import ID, Base, CreatedMixin, IdMixin, OrgScoped

# "No source": a visit or an application that came without ?src= or utm_source.
DIRECT = ""


class TrackedSource(IdMixin, OrgScoped, CreatedMixin, Base):
    """A tracked link of an organization: ``?src=<code>`` names where a visitor came from."""

    __tablename__ = "tracked_source"
    __table_args__ = (
        Index("uq_tracked_source_organization_id_code", "organization_id", "code", unique=True),
    )

    name: Mapped[str] = mapped_column(String(80))
    code: Mapped[str] = mapped_column(String(40))


class PageViewDaily(IdMixin, OrgScoped, Base):
    """Views of an organization's careers page (``job_id`` null) or of one job page, per day and
    source. Written only by the periodic flush of the in-process counters."""

    __tablename__ = "page_view_daily"
    __table_args__ = (
        Index(
            "uq_page_view_daily_job",
            "organization_id",
            "day",
            "job_id",
            "source",
            unique=True,
            postgresql_where="job_id IS NOT NULL",
            sqlite_where="job_id IS NOT NULL",
        ),
        Index(
            "uq_page_view_daily_careers",
            "organization_id",
            "day",
            "source",
            unique=True,
            postgresql_where="job_id IS NULL",
            sqlite_where="job_id IS NULL",
        ),
    )

    job_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("job.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(120), default=DIRECT)
    views: Mapped[int] = mapped_column(BigInteger, default=0)


class FunnelCount(IdMixin, OrgScoped, Base):
    """How many applicants who applied on ``day`` (to ``job_id``, from ``source``) reached
    ``step``. A step is an applicant status today; the key is a string so that pipeline stages
    can take its place."""

    __tablename__ = "funnel_count"
    __table_args__ = (
        Index(
            "uq_funnel_count_key",
            "organization_id",
            "day",
            "job_id",
            "source",
            "step",
            unique=True,
        ),
        # The applications of each day (the report's daily series) without the other steps.
        Index("ix_funnel_count_step_day", "organization_id", "step", "day", "job_id", "count"),
    )

    job_id: Mapped[str] = mapped_column(ID, ForeignKey("job.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(120), default=DIRECT)
    step: Mapped[str] = mapped_column(String(32))
    count: Mapped[int] = mapped_column(BigInteger, default=0)


class FunnelDuration(IdMixin, OrgScoped, Base):
    """A histogram in whole days: how many applicants (who applied on ``day``) spent ``days``
    in ``step`` before moving on, or (``step`` = ``hire``) took ``days`` from applying to being
    hired. Medians are read from it without touching applicants."""

    __tablename__ = "funnel_duration"
    __table_args__ = (
        Index(
            "uq_funnel_duration_key",
            "organization_id",
            "day",
            "job_id",
            "source",
            "step",
            "days",
            unique=True,
        ),
    )

    job_id: Mapped[str] = mapped_column(ID, ForeignKey("job.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(120), default=DIRECT)
    step: Mapped[str] = mapped_column(String(32))
    days: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(BigInteger, default=0)


# Roll-ups of the counters above, kept in the same transactions, at two spans: ``month`` (``day``
# is the month's first day) and ``block`` (the days 1–8, 9–16, 17–24 and 25 to the month's end;
# ``day`` is the block's first day), so four blocks make a month. A report over a long period
# reads whole months and whole blocks from these and only the few days at its ends from the
# daily counters. The histograms are rolled up by job and by source apart, which is all a report
# of every job shows and far fewer rows than job × source.
MONTH = "month"
BLOCK = "block"


def _rollup_key(table: str, *columns: str) -> Index:
    """A roll-up's unique key: the organization, the span and its first day, then ``columns``.
    Reports read the counts from the index alone (PostgreSQL)."""
    return Index(
        f"uq_{table}_key",
        "organization_id",
        "span",
        "day",
        *columns,
        unique=True,
        postgresql_include=["count"],
    )


class RollupColumns:
    """What every roll-up row has: its span (``MONTH`` or ``BLOCK``) and first day, the step,
    and the count."""

    span: Mapped[str] = mapped_column(String(5))
    day: Mapped[date] = mapped_column(Date)
    step: Mapped[str] = mapped_column(String(32))
    count: Mapped[int] = mapped_column(BigInteger, default=0)


class FunnelCountRollup(IdMixin, OrgScoped, RollupColumns, Base):
    """``funnel_count`` summed over each month and each block of application days."""

    __tablename__ = "funnel_count_rollup"
    __table_args__ = (_rollup_key(__tablename__, "job_id", "source", "step"),)

    job_id: Mapped[str] = mapped_column(ID, ForeignKey("job.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(120), default=DIRECT)


class FunnelDurationJobRollup(IdMixin, OrgScoped, RollupColumns, Base):
    """``funnel_duration`` summed over each month and block of application days and every
    source."""

    __tablename__ = "funnel_duration_job_rollup"
    __table_args__ = (_rollup_key(__tablename__, "job_id", "step", "days"),)

    job_id: Mapped[str] = mapped_column(ID, ForeignKey("job.id", ondelete="CASCADE"), index=True)
    days: Mapped[int] = mapped_column(Integer)


class FunnelDurationSourceRollup(IdMixin, OrgScoped, RollupColumns, Base):
    """``funnel_duration`` summed over each month and block of application days and every
    job."""

    __tablename__ = "funnel_duration_source_rollup"
    __table_args__ = (_rollup_key(__tablename__, "source", "step", "days"),)

    source: Mapped[str] = mapped_column(String(120), default=DIRECT)
    days: Mapped[int] = mapped_column(Integer)
