"""The one periodic runner: jobs that run every few seconds or minutes in each server process.

A job is *leased* (the default) when it must run in one process at a time across the whole
deployment: before running it, a process takes the job's row in ``task_lease`` (an atomic
UPDATE that only succeeds when the lease has expired or is already its own), and lets it go
when done. A process that dies mid-run holds the lease until it expires, then another takes
over. A job that works on its own process's memory (flushing this process's page-view counts)
is not leased: every process runs its own.

Jobs are registered when the app is built (``create_app``) and started with it; tests run them
one round at a time with ``run_once``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from wegotwork.db import Database, new_id, utcnow
from wegotwork.models import TaskLease

log = logging.getLogger("wegotwork.tasks")


@dataclass
class PeriodicJob:
    name: str
    every: float  # seconds between runs
    run: Callable[[], Awaitable[object]]
    leased: bool = True
    lease_seconds: float = 300.0
    next_at: float = field(default=0.0, repr=False)


class Runner:
    def __init__(self, database: Database, *, holder: str | None = None) -> None:
        self.database = database
        self.holder = holder or f"{socket.gethostname()[:40]}:{os.getpid()}:{new_id()[:8]}"
        self.jobs: list[PeriodicJob] = []
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def add(
        self,
        name: str,
        every: float,
        run: Callable[[], Awaitable[object]],
        *,
        leased: bool = True,
        lease_seconds: float = 300.0,
    ) -> None:
        self.jobs.append(PeriodicJob(name, every, run, leased, lease_seconds))

    # -- leases --------------------------------------------------------------------------------

    async def acquire(self, name: str, seconds: float, *, now: datetime | None = None) -> bool:
        """Take the lease of job ``name`` for ``seconds``; False when another process holds an
        unexpired one."""
        now = now or utcnow()
        until = now + timedelta(seconds=seconds)
        async with self.database.sessionmaker() as db:
            result = await db.execute(
                update(TaskLease)
                .where(
                    TaskLease.name == name,
                    or_(TaskLease.expires_at <= now, TaskLease.holder == self.holder),
                )
                .values(holder=self.holder, expires_at=until)
            )
            if getattr(result, "rowcount", 0):
                await db.commit()
                return True
            exists = await db.scalar(select(TaskLease.name).where(TaskLease.name == name))
            if exists is not None:
                return False
            db.add(TaskLease(name=name, holder=self.holder, expires_at=until))
            try:
                await db.commit()
            except IntegrityError:  # another process created it first
                await db.rollback()
                return False
            return True

    async def release(self, name: str) -> None:
        """Let the lease go (when the job is done), noting when it last ran."""
        now = utcnow()
        async with self.database.sessionmaker() as db:
            await db.execute(
                update(TaskLease)
                .where(TaskLease.name == name, TaskLease.holder == self.holder)
                .values(expires_at=now, last_run_at=now)
            )
            await db.commit()

    # -- running -------------------------------------------------------------------------------

    async def run_job(self, job: PeriodicJob) -> bool:
        """Run ``job`` once if this process may (its lease, when leased); whether it ran."""
        if job.leased and not await self.acquire(job.name, job.lease_seconds):
            return False
        try:
            await job.run()
        finally:
            if job.leased:
                await self.release(job.name)
        return True

    async def run_once(self) -> list[str]:
        """Run every job that is due now; the names of those that ran."""
        loop = asyncio.get_running_loop()
        ran: list[str] = []
        for job in self.jobs:
            if loop.time() < job.next_at:
                continue
            job.next_at = loop.time() + job.every
            try:
                if await self.run_job(job):
                    ran.append(job.name)
            except Exception:
                log.exception("periodic job %s failed", job.name)
        return ran

    def start(self) -> None:
        if self._task is None and self.jobs:
            self._stopping.clear()
            self._task = asyncio.get_running_loop().create_task(self._loop())

    async def _loop(self) -> None:
        tick = min(job.every for job in self.jobs)
        while not self._stopping.is_set():
            await self.run_once()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=tick)

    async def stop(self) -> None:
        """Stop the loop, then run every unleased job a last time (so this process's
        in-memory work, like view counts, is not lost on a clean shutdown)."""
        if self._task is not None:
            self._stopping.set()
            await self._task
            self._task = None
        for job in self.jobs:
            if not job.leased:
                try:
                    await job.run()
                except Exception:
                    log.exception("periodic job %s failed at shutdown", job.name)
