"""``wegotwork privacy run [--dry-run]``: one retention run, for cron users, under the same
lease (and PostgreSQL advisory lock) as the server's periodic run."""

from __future__ import annotations

from rich.console import Console

from wegotwork.db import Database, create_engine
from wegotwork.privacy import retention
from wegotwork.settings import Settings
from wegotwork.storage import storage_from_settings
from wegotwork.tasks import Runner

BUSY = 3


async def run_privacy(settings: Settings, console: Console, *, dry_run: bool) -> int:
    """Run once; the exit code (0, or BUSY when another process is running it)."""
    database = Database(create_engine(settings.effective_database_url, pool_size=2))
    storage = storage_from_settings(settings)
    runner = Runner(database)
    try:
        if not dry_run and not await runner.acquire(retention.LEASE, retention.LEASE_SECONDS):
            console.print("Another process is running the privacy run; nothing done.")
            return BUSY
        try:
            report = await retention.run(database, storage, dry_run=dry_run)
        finally:
            if not dry_run:
                await runner.release(retention.LEASE)
    finally:
        await database.dispose()
    if report.busy:
        console.print("Another process is running the privacy run; nothing done.")
        return BUSY
    verb = ("Would quarantine", "would erase") if dry_run else ("Quarantined", "erased")
    for run in report.organizations:
        console.print(
            f"  organization {run.organization_id}: {verb[0].lower()} {len(run.quarantined)}, "
            f"{verb[1]} {len(run.erased)}",
            highlight=False,
        )
    console.print(
        f"{verb[0]} {report.quarantined} and {verb[1]} {report.erased} candidate(s)"
        + (f"; deleted {report.files_deleted} file(s)" if report.files_deleted else "")
        + (f"; {report.files_failed} file(s) could not be deleted" if report.files_failed else "")
        + ".",
        highlight=False,
    )
    return 0
