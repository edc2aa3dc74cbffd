"""B8, B9, B10 and the import throughput in the one report, through the entry points of their
own modules (each creates its own database; here it is named after the main benchmark
database, ``<BENCH_DATABASE>_board`` and so on, and dropped afterwards), and the profiles of the
careers page, the applicant list and the analytics report for "Where the time goes"."""

from __future__ import annotations

import asyncio
import re
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from bench import applicant_review, bulk_reject, importer, pipeline_board, postings
from bench.data import BIG_SLUG, Generated
from bench.inprocess import app_on, database_named, drop_database, is_quick
from bench.profile import profile_calls
from bench.report import Figure, Report
from bench.scenarios import Config

# ---------------------------------------------------------------------------------------------
# B8 and B9: a module whose ``run()`` gives median milliseconds by key, against its TARGETS_MS


def _timed_calls(
    config: Config,
    report: Report,
    module: Any,
    database: str,
    section: str,
    labels: dict[str, str],
    calls: str,
) -> None:
    """Run ``module`` in its own database ``database`` (dropped afterwards) and report each of
    its figures against the module's target; ``calls`` says how they were timed."""
    if is_quick(config):
        module.CALLS = 10
    with database_named(database) as name:
        try:
            figures = asyncio.run(module.run())
        finally:
            asyncio.run(drop_database(config.postgres, name))
    for key, value in figures.items():
        report.add(
            section,
            labels[key],
            time=Figure([value], "ms"),
            note=f"median of {module.CALLS} {calls}",
        )
        report.ratio(section, f"{labels[key]}, ms", value, module.TARGETS_MS[key], at_most=True)


# B8: the pipeline board


def b8(config: Config, data: Generated, report: Report) -> None:
    section = f"B8 pipeline board ({pipeline_board.APPLICANTS:,} applicants, 7 stages, PostgreSQL)"
    labels = {
        "board": "board first paint (7 counts + 25 cards per stage)",
        "move": "move a card (with its log entry, committed)",
        "counts": "the job's stage counts (GET /api/v1/jobs/{id}/pipeline)",
    }
    _timed_calls(config, report, pipeline_board, "board", section, labels, "server-side calls")


# B9: reviewing one applicant


def b9(config: Config, data: Generated, report: Report) -> None:
    module = applicant_review
    section = f"B9 applicant review (a job of {module.APPLICANTS:,} applicants, PostgreSQL)"
    labels = {
        "page": f"applicant page with {module.NOTES} notes and {module.SCORECARDS} scorecards",
        "page-cold": "the same page, no note rendered before (first visit after a start)",
        "neighbours": "previous / next in the job (two keyset lookups)",
    }
    _timed_calls(config, report, module, "review", section, labels, "in-process calls")


# ---------------------------------------------------------------------------------------------
# B10: rejecting 500 applicants at once


def b10(config: Config, data: Generated, report: Report) -> None:
    module = bulk_reject
    section = f"B10 bulk reject of {module.BATCH} with a template"
    if is_quick(config):
        module.REPETITIONS = 1
    with database_named("bulk") as name:
        try:
            results = asyncio.run(module.run())
        finally:
            asyncio.run(drop_database(config.postgres, name))
    for row in results:
        label = row["label"]
        report.add(
            section,
            f"POST /api/v1/applicants/bulk, reject {module.BATCH} ({label})",
            time=Figure([row["min"], row["median"], row["max"]], "ms"),
            statements=Figure([float(row["statements"])], ""),
            commits=Figure([float(row["commits"])], ""),
            note=f"{module.REPETITIONS} repetition(s) after a warm-up",
        )
        report.add(
            section,
            f"the outbox sender drains the {module.BATCH} mails into a local SMTP server ({label})",
            time=Figure([row["drain_seconds"]], "s"),
            rate=Figure([row["per_second"]], "messages/s"),
        )
        report.ratio(
            section,
            f"bulk reject of {module.BATCH}, ms ({label})",
            row["median"],
            module.TARGET_MS,
            at_most=True,
        )
        report.ratio(
            section, f"commits per bulk request ({label})", row["commits"], 1, at_most=True
        )


# ---------------------------------------------------------------------------------------------
# Importing an original WeGotWork


IMPORT_TARGET = 5000.0
_RATE = re.compile(r"applicants: (\d+) in ([\d.]+) s = \*\*([\d,]+) applicants/s")
_FLOOR = re.compile(r"inserts ([\d,]+) applicant rows/s")
_MEMORY = re.compile(r"([\d.]+) MiB at 10 %, ([\d.]+) MiB at most, ([\d.]+) MiB at the end")


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def importer_bench(config: Config, data: Generated, report: Report) -> None:
    sizes = (100, 2_000, 20_000) if is_quick(config) else (1_000, 20_000, 500_000)
    section = (
        f"Import of an original WeGotWork ({sizes[0]:,} organizations, {sizes[1]:,} jobs, "
        f"{sizes[2]:,} applicants)"
    )
    text = asyncio.run(importer.run(*sizes, write=False))
    rate, floor, memory = _RATE.search(text), _FLOOR.search(text), _MEMORY.search(text)
    if rate is None:
        report.note(section, "The import's output was not understood:\n\n" + text)
        return
    applicants_per_second = _number(rate.group(3))
    figures = {
        "time": Figure([float(rate.group(2))], "s"),
        "rate": Figure([applicants_per_second], "applicants/s"),
    }
    if floor:
        figures["floor"] = Figure([_number(floor.group(1))], "rows/s")
    report.add(section, "applicant phase of `wegotwork import wegotwork`", **figures)
    if memory:
        at_tenth, most, end = (_number(value) for value in memory.groups())
        report.add(
            section,
            "resident memory during the applicants",
            **{
                "rss at 10 %": Figure([at_tenth], "MiB"),
                "rss at most": Figure([most], "MiB"),
                "rss at the end": Figure([end], "MiB"),
            },
        )
    report.ratio(section, "applicants imported per second", applicants_per_second, IMPORT_TARGET)
    if floor:
        report.ratio(
            section,
            "import / PostgreSQL's own insert rate into the same table",
            applicants_per_second / _number(floor.group(1)),
        )
    if memory:
        low, _most, end = (_number(value) for value in memory.groups())
        report.ratio(
            section, "memory growth from 10 % to the end, MiB", end - low, 50, at_most=True
        )


# ---------------------------------------------------------------------------------------------
# Profiles of the careers page, the applicant lists and the analytics report


def profiles(config: Config, data: Generated, report: Report) -> None:
    asyncio.run(_profiles(config, data, report))


async def _profiles(config: Config, data: Generated, report: Report) -> None:
    from wegotwork.analytics.actions import analytics, period_of
    from wegotwork.applicants.actions import list_applicants
    from wegotwork.applicants.schemas import ApplicantFilters
    from wegotwork.models import User
    from wegotwork.tenancy.guard import resolve

    calls = 20 if is_quick(config) else 200
    await postings.prepare_funnel(config.database)  # the counters the report reads (as B7)
    async with app_on(config.database) as app:
        counter = iter(range(10**9))

        async def careers_miss() -> object:
            response = await app.client.get(f"/careers/{data.careers_slug}?v={next(counter)}")
            response.raise_for_status()
            return response

        found = await profile_calls(
            "careers page of 50 jobs, render-cache miss (in-process GET)", careers_miss, calls
        )
        if found:
            report.profile(found)
        async with app.database.sessionmaker() as db:
            owner = (
                await db.execute(select(User).where(User.email == data.owner_email))
            ).scalar_one()
            ctx = await resolve(db, owner, slug=BIG_SLUG)
            for label, filters in (
                (
                    "applicant list: first page of the job of 100 000 (list action)",
                    ApplicantFilters(job_id=data.big_job_id),
                ),
                (
                    "applicant list: search 'priya' in the job of 100 000 (list action)",
                    ApplicantFilters(job_id=data.big_job_id, q="priya"),
                ),
            ):

                async def listing(filters: ApplicantFilters = filters) -> object:
                    return await list_applicants(db, ctx, filters)

                found = await profile_calls(label, listing, calls)
                if found:
                    report.profile(found)
            today = date.today()
            period = period_of(today - timedelta(days=400), today, None)

            async def report_action() -> object:
                return await analytics(db, ctx, period)

            found = await profile_calls(
                "analytics report, whole year over 1 000 000 applicants (report action)",
                report_action,
                max(5, calls // 10),
            )
            if found:
                report.profile(found)
    if not report.profiles:
        report.note(
            "Where the time goes", "pyinstrument is not installed: `scripts/setup --dev` adds it."
        )
