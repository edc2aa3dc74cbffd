"""Pure rules for bringing the original WeGotWork's rows into ours, worth testing alone."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache

from wegotwork.analytics.funnel import APPLIED, REJECTED, STEPS
from wegotwork.db import ID_ALPHABET, ID_LENGTH
from wegotwork.jobs.markdown import render_markdown, sanitize_html
from wegotwork.models import ApplicantStatus, JobType, Role, WorkMode

# The original's applicant statuses are ours, one for one.
_STATUSES = {status.value: status for status in ApplicantStatus}
_ROLES = {"owner": Role.OWNER, "member": Role.MEMBER}
_ROLE_RANK = {Role.MEMBER: 0, Role.ADMIN: 1, Role.OWNER: 2}
_JOB_TYPES = {
    "fulltime": JobType.FULLTIME,
    "parttime": JobType.PARTTIME,
    "internship": JobType.INTERNSHIP,
    "contract": JobType.CONTRACT,
}


_UNBIASED = 256 - 256 % len(ID_ALPHABET)
# Every byte below _UNBIASED becomes a character of the alphabet; the others are dropped, so
# each character stays equally likely.
_TO_ALPHABET = bytes(ord(ID_ALPHABET[byte % len(ID_ALPHABET)]) for byte in range(256))
_BIASED = bytes(range(_UNBIASED, 256))


def fresh_ids(count: int) -> list[str]:
    """``count`` ids like ``db.new_id``'s (32 random characters of [A-Za-z0-9]), drawn from one
    read of the system's randomness instead of one per character: the import makes millions."""
    chars = b""
    wanted = count * ID_LENGTH
    while len(chars) < wanted:
        draw = secrets.token_bytes((wanted - len(chars)) * 9 // 8 + 16)
        chars += draw.translate(_TO_ALPHABET, _BIASED)
    text = chars.decode("ascii")
    return [text[start : start + ID_LENGTH] for start in range(0, wanted, ID_LENGTH)]


def fresh_id() -> str:
    """One id like ``db.new_id``'s; see ``fresh_ids``."""
    return fresh_ids(1)[0]


def applicant_status(original: str) -> ApplicantStatus:
    """Where an applicant of the original's ``status`` stands here (KeyError if unknown).

    The one place that decides it: a pipeline stage takes the status's place here."""
    return _STATUSES[original]


def funnel_steps(status: ApplicantStatus) -> list[str]:
    """The funnel steps an imported applicant counts as having reached: every step up to their
    status (a candidate at the offer passed the interview), or applied and rejected."""
    keys = [key for key, _name in STEPS]
    if status.value == REJECTED:
        return [APPLIED, REJECTED]
    return keys[: keys.index(status.value) + 1]


def member_role(original: str) -> Role:
    return _ROLES[original]


def higher_role(a: Role, b: Role) -> Role:
    return a if _ROLE_RANK[a] >= _ROLE_RANK[b] else b


def job_type(original: str) -> JobType:
    return _JOB_TYPES[original]


def work_mode(remote: bool | None) -> WorkMode:
    return WorkMode.REMOTE if remote else WorkMode.ONSITE


def job_description(content: str | None) -> tuple[str, str]:
    """(description, its rendered HTML) from the original's content, which was shown as HTML:
    sanitized with the job editor's sanitizer, so scripts and handlers arrive inert."""
    description = sanitize_html(content or "").strip()
    return description, render_markdown(description)


def utc(value: datetime | None) -> datetime | None:
    """The original stores UTC in columns without a zone."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def clip(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value[:limit] if value else None


def fingerprint(values: Iterable[object], key: bytes = b"") -> str:
    """A digest of an original row's values: a re-run updates the rows whose digest changed.
    Keyed with the installation's secret, so it cannot confirm a guess about what a row held."""
    digest = hashlib.blake2b(repr(tuple(values)).encode(), digest_size=16, key=_key(key))
    return digest.hexdigest()


@cache
def _key(secret: bytes) -> bytes:
    return hashlib.sha256(secret).digest()
