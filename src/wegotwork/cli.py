"""The ``wegotwork`` command: serve, migrate, seed, and maintenance tasks."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from wegotwork import migrate
from wegotwork.importer import MAX_WRITERS as MAX_IMPORT_WRITERS
from wegotwork.importer import WRITERS as IMPORT_WRITERS
from wegotwork.settings import (
    ConfigError,
    Settings,
    base_url_for_listening,
    load_settings,
    redact_url,
)

app = typer.Typer(
    help="WeGotWork: a hiring platform small companies run themselves.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
storage_app = typer.Typer(help="Uploaded files (résumés, logos).", no_args_is_help=True)
app.add_typer(storage_app, name="storage")
analytics_app = typer.Typer(help="The hiring funnel's counters.", no_args_is_help=True)
app.add_typer(analytics_app, name="analytics")
import_app = typer.Typer(help="Bring in data from another installation.", no_args_is_help=True)
app.add_typer(import_app, name="import")
privacy_app = typer.Typer(help="Candidate data retention and erasure.", no_args_is_help=True)
app.add_typer(privacy_app, name="privacy")
console = Console(stderr=True, soft_wrap=True)


def fail(message: str) -> NoReturn:
    console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code=2)


def settings_or_fail() -> tuple[Settings, str]:
    try:
        settings = load_settings()
        secret = settings.prepare()
    except ConfigError as exc:
        fail(str(exc))
    return settings, secret


def describe_db_error(exc: BaseException, url: str) -> str:
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] if str(exc) else ""
    if isinstance(exc, OSError) and exc.strerror:
        reason = exc.strerror
    return f"cannot use the database at {redact_url(url)}: {reason or type(exc).__name__}"


def run_migrations(settings: Settings, revision: str = "head") -> None:
    url = settings.effective_database_url
    try:
        migrate.upgrade(url, revision)
    except Exception as exc:
        fail(describe_db_error(exc, url))


def check_database(settings: Settings) -> None:
    from sqlalchemy import text

    from wegotwork.db import READ_ONLY, create_engine

    async def probe() -> None:
        engine = create_engine(settings.effective_database_url, pool_size=1)
        try:
            async with engine.connect() as connection:
                # A read (on SQLite a plain BEGIN): it does not wait for another writer's turn.
                await connection.execution_options(**{READ_ONLY: True})
                await connection.execute(text("SELECT 1"))
        finally:
            await engine.dispose()

    try:
        asyncio.run(probe())
    except Exception as exc:
        fail(describe_db_error(exc, settings.effective_database_url))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Number of worker processes.")] = 1,
    reload: Annotated[
        bool, typer.Option(help="Restart when the code changes (development).")
    ] = False,
    no_migrate: Annotated[
        bool, typer.Option("--no-migrate", help="Do not apply pending migrations first.")
    ] = False,
    server: Annotated[
        str, typer.Option(help="HTTP server: uvicorn (uvloop + httptools) or granian.")
    ] = "uvicorn",
) -> None:
    """Run the web server (applying database migrations first)."""
    if server not in {"uvicorn", "granian"}:
        fail("--server must be uvicorn or granian")

    settings, _secret = settings_or_fail()
    derived, warning = base_url_for_listening(settings, host, port)
    if derived:  # workers read the environment: they see the same base URL
        os.environ["WEGOTWORK_BASE_URL"] = derived
    if warning:
        console.print(f"[bold yellow]warning:[/] {warning}", highlight=False)
    if no_migrate:
        check_database(settings)
    else:
        console.print("Applying database migrations…", highlight=False)
        run_migrations(settings)
    console.print(
        f"WeGotWork is running on [bold]http://{host}:{port}[/] "
        f"(database: {redact_url(settings.effective_database_url)})",
        highlight=False,
    )
    from wegotwork.logconf import configure

    configure(settings.log_level, settings.log_format)
    if server == "granian":
        from granian.constants import Interfaces
        from granian.server import Server as Granian

        Granian(
            "wegotwork.app:proxied_app_from_env",
            address=host,
            port=port,
            workers=workers,
            interface=Interfaces.ASGI,
            factory=True,
            reload=reload,
            log_enabled=False,
            respawn_failed_workers=True,
            workers_kill_timeout=20,
        ).serve()
        return
    import uvicorn

    uvicorn.run(
        "wegotwork.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=None if reload else workers,
        reload=reload,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        server_header=False,
        timeout_graceful_shutdown=20,
    )


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    settings, _ = settings_or_fail()
    run_migrations(settings, revision)
    console.print(
        f"Database is at revision {migrate.current_revision(settings.effective_database_url)}"
    )


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision, e.g. -1 or base.")] = "-1",
) -> None:
    """Revert migrations down to REVISION (default: one step)."""
    settings, _ = settings_or_fail()
    url = settings.effective_database_url
    try:
        migrate.downgrade(url, revision)
    except Exception as exc:
        fail(describe_db_error(exc, url))
    console.print(f"Database is at revision {migrate.current_revision(url)}")


@db_app.command("current")
def db_current() -> None:
    """Show the database's revision and the latest one available."""
    settings, _ = settings_or_fail()
    url = settings.effective_database_url
    try:
        current = migrate.current_revision(url)
    except Exception as exc:
        fail(describe_db_error(exc, url))
    head = migrate.head_revision()
    state = "up to date" if current == head else f"behind (latest is {head})"
    print(f"{current or 'empty'} — {state}")


@app.command()
def seed(
    demo: Annotated[
        bool, typer.Option("--demo", help="Create the demo organization 'acme' with data.")
    ] = False,
) -> None:
    """Fill the database with demo data so the product can be explored at once."""
    if not demo:
        fail("say what to seed: wegotwork seed --demo")
    from wegotwork.seed import seed_demo

    settings, _ = settings_or_fail()
    run_migrations(settings)
    try:
        asyncio.run(seed_demo(settings, console))
    except ConfigError as exc:
        fail(str(exc))


@storage_app.command("gc")
def storage_gc(
    grace_hours: Annotated[
        float, typer.Option(help="Only remove files older than this many hours.", min=0)
    ] = 24,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would be removed; remove nothing.")
    ] = False,
) -> None:
    """Remove stored files that no applicant or organization refers to any more."""
    from wegotwork.storage.cli import run_gc

    settings, _ = settings_or_fail()
    check_database(settings)
    try:
        asyncio.run(run_gc(settings, console, grace_hours=grace_hours, dry_run=dry_run))
    except Exception as exc:
        fail(f"storage gc failed: {exc}")


@analytics_app.command("backfill")
def analytics_backfill() -> None:
    """Count the applicants who applied before the funnel counters existed (once, after
    upgrading; organizations that already have counts are left alone)."""
    from wegotwork.analytics.backfill import backfill
    from wegotwork.db import Database, create_engine

    settings, _ = settings_or_fail()
    check_database(settings)

    async def run() -> list[str]:
        database = Database(create_engine(settings.effective_database_url, pool_size=1))
        try:
            async with database.sessionmaker() as db:
                filled = await backfill(db)
                await db.commit()
                return filled
        finally:
            await database.dispose()

    filled = asyncio.run(run())
    console.print(f"Counted the applicants of {len(filled)} organization(s).")


@import_app.command("wegotwork")
def import_wegotwork(
    source: Annotated[
        str,
        typer.Option(help="The original WeGotWork's PostgreSQL database: postgresql://..."),
    ],
    resumes_dir: Annotated[
        Path | None,
        typer.Option("--resumes-dir", help="A directory holding the original's résumé files."),
    ] = None,
    resumes: Annotated[
        str | None,
        typer.Option(
            "--resumes",
            help="s3://bucket/prefix holding the original's résumé files "
            "(endpoint and credentials from the WEGOTWORK_S3_* settings).",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Write nothing; print the same report.")
    ] = False,
    send_invitations: Annotated[
        bool,
        typer.Option("--send-invitations", help="Mail the imported pending invitations."),
    ] = False,
    writers: Annotated[
        int,
        typer.Option(
            "--writers",
            min=1,
            max=MAX_IMPORT_WRITERS,
            help="Connections writing applicants side by side (PostgreSQL; a dry run and "
            "SQLite use one).",
        ),
    ] = IMPORT_WRITERS,
) -> None:
    """Import users (with their passwords), workspaces, members, invitations, categories, jobs,
    applicants and résumés from the original TypeScript WeGotWork. Running it again updates
    what changed and adds what is new."""
    from wegotwork.importer.cli import resume_source, run
    from wegotwork.importer.run import ImportOptions
    from wegotwork.importer.source import SourceError
    from wegotwork.storage import StorageError

    if resumes_dir is not None and resumes is not None:
        fail("give --resumes-dir or --resumes, not both")
    settings, secret = settings_or_fail()
    if dry_run:
        check_database(settings)
        url = settings.effective_database_url
        if migrate.current_revision(url) != migrate.head_revision():
            fail("the database schema is not the latest: run `wegotwork db upgrade` first")
    else:
        run_migrations(settings)
    try:
        options = ImportOptions(
            source_url=source,
            resumes=resume_source(settings, resumes_dir, resumes),
            dry_run=dry_run,
            send_invitations=send_invitations,
            base_url=settings.base_url,
            secret=secret,
            writers=writers,
        )
        asyncio.run(run(settings, console, options))
    except (SourceError, StorageError) as exc:
        fail(str(exc))


@privacy_app.command("run")
def privacy_run(
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Show what would be quarantined or erased; change nothing."),
    ] = False,
) -> None:
    """Quarantine candidates kept past their organization's retention period, erase those whose
    quarantine is over (never one under legal hold), and delete files earlier erasures left."""
    import wegotwork.routes  # noqa: F401  (each domain registers its privacy section on import)
    from wegotwork.privacy.cli import run_privacy

    settings, _ = settings_or_fail()
    check_database(settings)
    try:
        code = asyncio.run(run_privacy(settings, console, dry_run=dry_run))
    except Exception as exc:
        fail(f"privacy run failed: {exc}")
    if code:
        raise typer.Exit(code)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
