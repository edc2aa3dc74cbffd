"""``wegotwork import wegotwork``: progress bars per table while it runs, then the report."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from wegotwork.db import Database, create_engine
from wegotwork.importer.report import KINDS, OUTCOMES, Report
from wegotwork.importer.run import ImportOptions, run_import
from wegotwork.settings import Settings
from wegotwork.storage import LocalStorage, Storage, StorageError, storage_from_settings


def resume_source(
    settings: Settings, resumes_dir: Path | None, resumes: str | None
) -> Storage | None:
    """Where the original's résumé files are read from: a directory, or an S3 bucket reached
    with the same endpoint and credentials settings as our own storage."""
    if resumes_dir is not None:
        if not resumes_dir.is_dir():
            raise StorageError(f"--resumes-dir {resumes_dir} is not a directory")
        return LocalStorage(str(resumes_dir))
    if resumes is not None:
        if not resumes.startswith("s3://"):
            raise StorageError("--resumes takes s3://bucket/prefix")
        return storage_from_settings(settings, resumes)
    return None


async def run(settings: Settings, console: Console, options: ImportOptions) -> Report:
    database = Database(create_engine(settings.effective_database_url, pool_size=2))
    storage = storage_from_settings(settings)
    try:
        with Progress(
            TextColumn("{task.description:<12}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
        ) as progress:
            tasks: dict[str, TaskID] = {}

            def advance(kind: str, done: int, total: int) -> None:
                if kind not in tasks:
                    tasks[kind] = progress.add_task(kind, total=total)
                progress.update(tasks[kind], completed=done, total=total)

            report = await run_import(database, storage, options, advance)
    finally:
        await database.dispose()
    print_report(console, report)
    return report


def print_report(console: Console, report: Report) -> None:
    title = "Import (dry run: nothing was written)" if report.dry_run else "Import"
    table = Table(title=title, title_justify="left")
    table.add_column("table")
    for outcome in OUTCOMES:
        table.add_column(outcome, justify="right")
    for kind in KINDS:
        table.add_row(kind, *(str(report.counts[kind][outcome]) for outcome in OUTCOMES))
    console.print(table)
    if report.resumes_copied:
        verb = "would be copied" if report.dry_run else "copied"
        console.print(f"{report.resumes_copied} résumé file(s) {verb}.", highlight=False)
    for outcome, heading in (
        ("skipped", "Not imported"),
        ("merged", "Merged into another row"),
        ("repaired", "Imported with a change"),
    ):
        notes = [note for note in report.notes if note.outcome == outcome]
        if notes:
            console.print(f"[bold]{heading}[/] ({len(notes)}):")
            for note in notes:
                console.print(f"  {note.kind} {note.source_id}: {note.reason}", highlight=False)
