"""Which index a search inside one job should use, asked of PostgreSQL's planner once per job
and term in this process.

A rare term inside one job is looked up in the job's part of the search keys (the GIN index
of migration 0017) instead of the whole organization's trigrams. Whether it is rare is the
planner's row estimate (``EXPLAIN``: statistics only, no row is read). That estimate is one
more round trip, so its answer is kept in a small LRU per (organization, job, term): paging
through a search, or the same search again, asks nothing more. An estimate goes stale as the
job grows, but it only picks an index; the search's own ``LIKE`` decides what matches.

The estimate is only asked for a job of the caller's organization, read through the tenancy
scoping (and that answer kept too): another organization's job id gets no estimate and no job
keys, and its scoped list is empty anyway.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Generic, TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.applicants import rules
from wegotwork.models import Job
from wegotwork.models.applicants import JOB_SEARCH_MIN, SEARCH_EXPRESSION
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.scoping import scoped

# Up to this many estimated matches inside one job, a term is looked up by the job's search
# keys (and the matches sorted); above it, walking the job's newest applicants finds a page
# sooner. Walking costs about page / share of rows, the keys about the matches: they break even
# near 1 600 matches in a job of 100 000; the margin covers the estimate's error.
RARE_IN_JOB = 500

# How many (organization, job, term) answers, and (organization, job) ownerships, a process
# keeps: a few hundred kilobytes at most.
CACHE_SIZE = 4096

# Our own constant expression, no input: the values are bound.
_ESTIMATE = text(
    "EXPLAIN (FORMAT JSON) SELECT 1 FROM applicant "  # noqa: S608
    f"WHERE job_id = :job_id AND {SEARCH_EXPRESSION} LIKE :pattern ESCAPE '\\'"
)

K = TypeVar("K")
V = TypeVar("V")


class Lru(Generic[K, V]):
    """A bounded least-recently-used map (one process, one event loop: no locking needed)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()


_RARE: Lru[tuple[str, str, str], bool] = Lru(CACHE_SIZE)
_OURS: Lru[tuple[str, str], bool] = Lru(CACHE_SIZE)


def search_term(q: str | None) -> str:
    """The term a search looks for: the query stripped and lower-cased (as the LIKE sees it)."""
    return (q or "").strip().lower()


async def _job_is_ours(db: AsyncSession, ctx: OrgContext, job_id: str) -> bool:
    key = (ctx.organization.id, job_id)
    known = _OURS.get(key)
    if known is None:
        known = await db.scalar(scoped(Job, ctx, Job.id).where(Job.id == job_id)) is not None
        # Only a yes is kept: a job made a moment later is found next time.
        if known:
            _OURS.put(key, True)
    return known


async def rare_in_job(db: AsyncSession, ctx: OrgContext, job_id: str | None, q: str | None) -> bool:
    """Whether a search for ``q`` inside job ``job_id`` should use the job's search keys: on
    PostgreSQL, for a term of at least three characters that the planner expects at most
    RARE_IN_JOB times in the job, a job of the context's organization.

    The keys cannot carry this estimate themselves: PostgreSQL multiplies the selectivities of
    the term's keys as if they were independent, so with them in the query every term looks
    rare, and a term in every row (``example.com``) would sort the whole job."""
    term = search_term(q)
    if not job_id or len(term) < JOB_SEARCH_MIN or db.get_bind().dialect.name != "postgresql":
        return False
    key = (ctx.organization.id, job_id, term)
    known = _RARE.get(key)
    if known is not None:
        return known
    if not await _job_is_ours(db, ctx, job_id):
        return False
    plan = await db.scalar(_ESTIMATE, {"job_id": job_id, "pattern": rules.like_pattern(term)})
    document = json.loads(plan) if isinstance(plan, str) else plan
    rare = bool(document[0]["Plan"]["Plan Rows"] <= RARE_IN_JOB)
    _RARE.put(key, rare)
    return rare
