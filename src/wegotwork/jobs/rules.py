"""Pure rules about jobs, worth testing alone: countries, labels, status changes."""

from __future__ import annotations

from datetime import datetime
from functools import cache, lru_cache

import pycountry
from sqlalchemy import literal_column

from wegotwork.models import ExperienceLevel, Job, JobStatus, JobType, WorkMode

TITLE_MAX = 160
CITY_MAX = 120
DESCRIPTION_MAX = 20_000

TYPE_LABELS: dict[JobType, str] = {
    JobType.FULLTIME: "Full-time",
    JobType.PARTTIME: "Part-time",
    JobType.FULLTIME_PARTTIME: "Full-time or part-time",
    JobType.INTERNSHIP: "Internship",
    JobType.CONTRACT: "Contract",
}

STATUS_LABELS: dict[JobStatus, str] = {
    JobStatus.DRAFT: "Draft",
    JobStatus.PUBLISHED: "Published",
    JobStatus.CLOSED: "Closed",
    JobStatus.ARCHIVED: "Archived",
}

WORK_MODE_LABELS: dict[WorkMode, str] = {
    WorkMode.ONSITE: "On-site",
    WorkMode.HYBRID: "Hybrid",
    WorkMode.REMOTE: "Remote",
}

LEVEL_LABELS: dict[ExperienceLevel, str] = {
    ExperienceLevel.ENTRY: "Entry level",
    ExperienceLevel.MID: "Mid level",
    ExperienceLevel.SENIOR: "Senior",
    ExperienceLevel.LEAD: "Lead",
    ExperienceLevel.EXECUTIVE: "Executive",
}

ADDRESS_MAX = 200
POSTAL_CODE_MAX = 20
REGION_MAX = 120


# Ids are opaque URL-safe strings (ours are 32 letters and digits; imported ones may be cuids or
# UUIDs). Anything else cannot name a row, and is refused before it reaches the database (where a
# NUL byte, say, would be an error rather than "not found").
def clean_text(value: str) -> str:
    """Text without NUL characters, which databases refuse to store."""
    return value.replace("\x00", "")


# Jobs whose page is public: published ones, and closed ones (which say they are closed).
PUBLIC_STATUSES = frozenset({JobStatus.PUBLISHED, JobStatus.CLOSED})


@cache
def countries() -> tuple[tuple[str, str], ...]:
    """Every ISO 3166-1 country as (alpha-2 code, everyday name), sorted by name."""
    pairs = [
        (country.alpha_2, getattr(country, "common_name", None) or country.name)
        for country in pycountry.countries
    ]
    return tuple(sorted(pairs, key=lambda pair: pair[1].casefold()))


@cache
def _country_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for country in pycountry.countries:
        for name in ("alpha_2", "alpha_3", "name", "common_name", "official_name"):
            value = getattr(country, name, None)
            if value:
                lookup.setdefault(value.casefold(), country.alpha_2)
    return lookup


def country_code(value: str) -> str | None:
    """The alpha-2 code for a code (``de``, ``DEU``) or name (``Germany``), or None."""
    return _country_lookup().get(value.strip().casefold())


@cache
def _names_by_code() -> dict[str, str]:
    return dict(countries())


def country_name(code: str | None) -> str:
    """The everyday name of a country code ("" for none, the code itself if unknown)."""
    if not code:
        return ""
    return _names_by_code().get(code.upper(), code)


@lru_cache(maxsize=4096)
def location_label(city: str | None, country: str | None) -> str:
    """``"Berlin, Germany"``, ``"Germany"``, ``"Berlin"`` or ``""``."""
    return ", ".join(part for part in (city or "", country_name(country)) if part)


def published_at_after(
    old: JobStatus, new: JobStatus, published_at: datetime | None, now: datetime
) -> datetime | None:
    """When the job counts as published after a status change.

    Publishing sets it the first time (and again after the job went back to draft); closing
    keeps it, so a closed job still says when it was posted; archiving keeps what it was; a
    draft has none.
    """
    if new is JobStatus.DRAFT:
        return None
    if new is JobStatus.PUBLISHED and (published_at is None or old is JobStatus.DRAFT):
        return now
    if new is JobStatus.CLOSED and published_at is None:
        return now
    return published_at


# "The job is published" with the status as an SQL literal, not a bound parameter: statements
# read through Database.read bind only what the caller passes (an id, a slug).
PUBLISHED_SQL = Job.status == literal_column(f"'{JobStatus.PUBLISHED.value}'")
