"""``wegotwork storage gc`` with a progress bar and a summary."""

from __future__ import annotations

from datetime import timedelta

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from wegotwork.db import Database, create_engine, utcnow
from wegotwork.settings import Settings
from wegotwork.storage import storage_from_settings
from wegotwork.storage.gc import collect_garbage


async def run_gc(
    settings: Settings, console: Console, *, grace_hours: float, dry_run: bool
) -> None:
    database = Database(create_engine(settings.effective_database_url, pool_size=2))
    storage = storage_from_settings(settings)
    try:
        with Progress(
            TextColumn("Checking stored files"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("gc", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            report = await collect_garbage(
                database,
                storage,
                now=utcnow(),
                grace=timedelta(hours=grace_hours),
                dry_run=dry_run,
                progress=advance,
            )
    finally:
        await database.dispose()
    verb = "Would remove" if dry_run else "Removed"
    for key in report.removed:
        console.print(f"  {verb.lower()} {key}", highlight=False)
    console.print(
        f"{report.scanned} stored files: {report.referenced} in use, "
        f"{report.recent} newer than {grace_hours:g} h, "
        f"{verb.lower()} {len(report.removed)} unreferenced"
        + (f", {len(report.failed)} could not be removed" if report.failed else "")
        + (f", {report.incomplete} unfinished uploads cleaned up" if report.incomplete else "")
        + ".",
        highlight=False,
    )
    if report.failed:
        raise RuntimeError(f"{len(report.failed)} files could not be removed; run it again later")
