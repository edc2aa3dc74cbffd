"""The privacy retention run over the 1 000 000 applicants of ``bench-big``: how long it takes,
and whether it blocks requests.

It works on a copy of the benchmark database (``<BENCH_DATABASE>_retention``, made with
``CREATE DATABASE … TEMPLATE``, dropped afterwards), so the generated data stays as generated.
The run goes as the server runs it: ``privacy.retention.run`` in the event loop of a process
that also serves requests. While it runs, the same loop serves a careers page on a
render-cache miss and the first page of the job with 100 000 applicants (in-process GETs, one
after the other), and a heartbeat measures how late the loop wakes it (the longest stall is
how long every request of that worker waits). The same probes run before it, as the baseline.

Three runs, one after the other:
1. nothing due (the data is at most a year old, the default retention is 24 months): the
   hourly cost of scanning the organization;
2. the first run after the retention period is shortened to 6 months:
   every rejected or hired applicant whose process ended before it is quarantined;
3. a run after the quarantine of some of them is over (500, or 50 with ``--quick``, moved
   back in time): they are erased, one short transaction each; the time per applicant gives
   the time to erase everyone quarantined in 2.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from bench.data import BIG_SLUG, Generated
from bench.inprocess import InProcess, app_on, drop_database, is_quick
from bench.profile import profile_calls
from bench.report import Figure, Report
from bench.scenarios import Config
from wegotwork import migrate

SECTION = "Retention run over 1 000 000 applicants (bench-big, PostgreSQL)"
NOTHING_DUE_TARGET_S = 10.0
STALL_TARGET_MS = 100.0
SLOWDOWN_TARGET = 2.0  # p99 of a request during a run / before it
HEARTBEAT_S = 0.01


@dataclass
class Probes:
    """Request latencies and event-loop stalls seen while something else ran."""

    careers: list[float] = field(default_factory=list)
    listing: list[float] = field(default_factory=list)
    stalls: list[float] = field(default_factory=list)

    @property
    def requests(self) -> list[float]:
        return self.careers + self.listing


def p99(samples: list[float]) -> float:
    if len(samples) < 2:
        return samples[0] if samples else 0.0
    return statistics.quantiles(samples, n=100)[98]


async def _probe(app: InProcess, data: Generated, headers: dict[str, str], probes: Probes) -> None:
    counter = iter(range(10**9))
    while True:
        started = time.perf_counter()
        response = await app.client.get(f"/careers/{data.careers_slug}?v={next(counter)}")
        response.raise_for_status()
        probes.careers.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        response = await app.client.get(
            f"/api/v1/jobs/{data.big_job_id}/applicants", headers=headers
        )
        response.raise_for_status()
        probes.listing.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.02)


async def _heartbeat(probes: Probes) -> None:
    loop = asyncio.get_running_loop()
    while True:
        started = loop.time()
        await asyncio.sleep(HEARTBEAT_S)
        probes.stalls.append((loop.time() - started - HEARTBEAT_S) * 1000)


async def _while_probed(
    app: InProcess,
    data: Generated,
    headers: dict[str, str],
    work: Callable[[], Awaitable[object]],
) -> tuple[object, float, Probes, BaseException | None]:
    """Run ``work`` with the probes beside it; (its result, seconds, probes, its error)."""
    probes = Probes()
    tasks = [
        asyncio.create_task(_probe(app, data, headers, probes)),
        asyncio.create_task(_heartbeat(probes)),
    ]
    started = time.perf_counter()
    result: object = None
    error: BaseException | None = None
    try:
        result = await work()
    except Exception as exc:  # reported, not raised: a failing run is a finding
        error = exc
    seconds = time.perf_counter() - started
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return result, seconds, probes, error


async def _clone(config: Config) -> tuple[str, str]:
    """A copy of the benchmark database; (its name, its SQLAlchemy URL)."""
    source = config.database.rpartition("/")[2]
    name = f"{source}_retention"
    admin = await asyncpg.connect(f"{config.postgres}/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for attempt in range(10):
            try:
                # A file copy: far less WAL to write than the default for a large database.
                await admin.execute(
                    f'CREATE DATABASE "{name}" TEMPLATE "{source}" STRATEGY FILE_COPY'
                )
                break
            except asyncpg.ObjectInUseError:  # a connection of an earlier step still closing
                if attempt == 9:
                    raise
                await asyncio.sleep(2)
    finally:
        await admin.close()
    return name, f"{config.database.rpartition('/')[0]}/{name}"


def bench(config: Config, data: Generated, report: Report) -> None:
    started = time.perf_counter()
    name, url = asyncio.run(_clone(config))
    report.note(
        SECTION,
        f"Copying the benchmark database for it took {time.perf_counter() - started:.0f} s.",
    )
    try:
        # The schema of this checkout (the data may have been generated by an older one).
        migrate.upgrade(url)
        asyncio.run(_measure(config, url, data, report))
    finally:
        asyncio.run(drop_database(config.postgres, name))


async def _sql(url: str, statement: str, *args: object) -> str:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return str(await connection.execute(statement, *args))
    finally:
        await connection.close()


async def _count(url: str, query: str) -> int:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return int(await connection.fetchval(query, BIG_SLUG))
    finally:
        await connection.close()


QUARANTINED = (
    "select count(*) from applicant a join organization o on o.id = a.organization_id"
    " where o.slug = $1 and a.quarantined_at is not null"
)


async def _measure(config: Config, url: str, data: Generated, report: Report) -> None:
    from wegotwork.privacy import retention
    from wegotwork.storage import LocalStorage

    quick = is_quick(config)
    months = 6
    to_erase = 50 if quick else 500
    baseline_seconds = 3.0 if quick else 10.0
    async with app_on(url) as app:
        headers = await app.bearer(data.owner_email)
        with tempfile.TemporaryDirectory() as files:
            storage = LocalStorage(files)

            async def idle() -> object:
                await asyncio.sleep(baseline_seconds)
                return None

            async def run() -> object:
                return await retention.run(app.database, storage)

            async def warm_up() -> object:
                await asyncio.sleep(2.0)
                return None

            await _while_probed(app, data, headers, warm_up)  # first requests, compiled queries
            _, _, before, _ = await _while_probed(app, data, headers, idle)
            report.add(
                SECTION,
                "requests before any run (baseline, same process)",
                **_request_figures(before),
            )
            cases = [
                ("nothing due (retention 24 months, data ≤ 1 year old)", None),
                (f"first run after the retention is shortened to {months} months", months),
                (f"erasing {to_erase:,} applicants whose quarantine is over", -1),
            ]
            quarantined = 0
            for label, change in cases:
                if change is not None and change > 0:
                    await _sql(
                        url,
                        "update organization set retention_months = $1 where slug = $2",
                        change,
                        BIG_SLUG,
                    )
                elif change == -1:
                    quarantined = await _count(url, QUARANTINED)
                    if not quarantined:
                        # The quarantine failed: quarantine some by hand, to time erasure.
                        await _sql(
                            url,
                            "update applicant set quarantined_at = now() where id in (select"
                            " a.id from applicant a join organization o on o.id ="
                            " a.organization_id where o.slug = $1 and a.status in"
                            " ('REJECTED', 'HIRED') limit $2)",
                            BIG_SLUG,
                            to_erase,
                        )
                    await _sql(
                        url,
                        "update applicant set quarantined_at = now() - interval '40 days'"
                        " where id in (select a.id from applicant a join organization o on"
                        " o.id = a.organization_id where o.slug = $1 and a.quarantined_at is"
                        " not null order by a.id limit $2)",
                        BIG_SLUG,
                        to_erase,
                    )
                erasures: list[float] = []
                with _timing_erasures(retention, erasures):
                    result, seconds, probes, error = await _while_probed(app, data, headers, run)
                figures = {"run": Figure([seconds], "s"), **_request_figures(probes)}
                if error is not None:
                    text = f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
                    report.add(SECTION, f"{label}: FAILED ({text})", **figures)
                    report.ratio(SECTION, f"{label}: the run completes", 0, 1)
                    continue
                assert isinstance(result, retention.RunReport)
                done = f"{result.quarantined:,} quarantined, {result.erased:,} erased"
                report.add(SECTION, f"{label}: {done}", **figures)
                if change is None:
                    report.ratio(
                        SECTION,
                        "retention run with nothing due over 1 000 000, s",
                        seconds,
                        NOTHING_DUE_TARGET_S,
                        at_most=True,
                    )
                if change == -1 and result.erased and erasures:
                    per = statistics.median(erasures)
                    total = await _count(url, QUARANTINED) + result.erased
                    report.add(
                        SECTION,
                        "erasing one applicant (every registered section's rows, in its "
                        "transaction, before the commit)",
                        time=Figure(erasures, "ms"),
                    )
                    report.note(
                        SECTION,
                        f"Erasing took {per:.0f} ms per applicant; the {total:,} quarantined "
                        f"in the run before would take {per * total / 1000 / 60:.0f} minutes "
                        "to erase at that rate.",
                    )
                report.ratio(
                    SECTION,
                    f"{label}: longest event-loop stall, ms",
                    max(probes.stalls, default=0.0),
                    STALL_TARGET_MS,
                    at_most=True,
                )
                if before.requests and probes.requests:
                    report.ratio(
                        SECTION,
                        f"{label}: p99 of a request during the run / before",
                        p99(probes.requests) / p99(before.requests),
                        SLOWDOWN_TARGET,
                        at_most=True,
                    )
            await _sql(
                url, "update organization set retention_months = 24 where slug = $1", BIG_SLUG
            )

            async def nothing_due() -> object:
                return await retention.run(app.database, storage, dry_run=True)

            found = await profile_calls(
                "retention run, nothing due, over 1 000 000 applicants (dry run)", nothing_due, 1
            )
            if found:
                report.profile(found)
    report.note(
        SECTION,
        f"Targets chosen for this path: a run with nothing due ≤ {NOTHING_DUE_TARGET_S:g} s; "
        f"while a run goes, no event-loop stall over {STALL_TARGET_MS:g} ms and the p99 of a "
        f"request at most {SLOWDOWN_TARGET:g}× what it is before. Requests: a careers page on "
        "a render-cache miss and the first page of the job of 100 000, alternately, in the "
        "process that runs it.",
    )


@contextmanager
def _timing_erasures(retention: Any, samples: list[float]) -> Iterator[None]:
    """While inside, every erasure the run makes (``retention.erase_one``) is timed into
    ``samples`` (ms)."""
    original = retention.erase_one

    async def timed_erase(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await original(*args, **kwargs)
        finally:
            samples.append((time.perf_counter() - started) * 1000)

    retention.erase_one = timed_erase
    try:
        yield
    finally:
        retention.erase_one = original


def _request_figures(probes: Probes) -> dict[str, Figure]:
    figures: dict[str, Figure] = {}
    if probes.careers:
        figures["careers p50"] = Figure([statistics.median(probes.careers)], "ms")
    if probes.listing:
        figures["list p50"] = Figure([statistics.median(probes.listing)], "ms")
    if probes.requests:
        figures["requests p99"] = Figure([p99(probes.requests)], "ms")
        figures["requests max"] = Figure([max(probes.requests)], "ms")
        figures["requests"] = Figure([float(len(probes.requests))], "")
    if probes.stalls:
        figures["longest stall"] = Figure([max(probes.stalls)], "ms")
    return figures
