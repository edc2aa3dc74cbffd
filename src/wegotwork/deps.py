"""The services one app instance runs with, and the dependencies routes use to reach them."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.db import Database, first_line, is_unavailable
from wegotwork.settings import Settings

log = logging.getLogger("wegotwork.db")

if TYPE_CHECKING:
    from wegotwork.mail.outbox import OutboxSender
    from wegotwork.storage import Storage
    from wegotwork.tasks import Runner
    from wegotwork.templating import Templates


@dataclass
class Services:
    """Everything a request may need beyond its own input; one per app instance."""

    settings: Settings
    secret: str
    db: Database
    storage: Storage
    templates: Templates
    sender: OutboxSender
    extras: dict[str, Any] = field(default_factory=dict)
    # Set by the app factory: this process's periodic runner.
    tasks: Runner = field(init=False)


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def get_db(request: Request) -> AsyncIterator[AsyncSession]:
    """A session per request. Routes commit once; anything not committed is rolled back.

    The session is closed after the response has gone out: if the database connection was
    lost meanwhile (a restart), closing it fails, and there is no one left to tell. The
    connection is discarded and the response stands."""
    services = get_services(request)
    session = services.db.sessionmaker()
    try:
        yield session
    finally:
        try:
            await session.close()
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            log.warning("database connection lost before the session closed: %s", first_line(exc))


async def _services(request: Request) -> Services:
    # An async dependency: FastAPI runs plain ``def`` dependencies in a thread pool, which
    # would cost a thread hand-off on every request.
    return get_services(request)


ServicesDep = Annotated[Services, Depends(_services)]
DbSession = Annotated[AsyncSession, Depends(get_db)]


def get_settings(request: Request) -> Settings:
    return get_services(request).settings


async def _settings(request: Request) -> Settings:
    return get_services(request).settings


SettingsDep = Annotated[Settings, Depends(_settings)]
