"""The application factory: settings in, a configured ASGI app out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp

from wegotwork import __version__
from wegotwork.analytics.views import ViewCounter, is_bot
from wegotwork.auth.middleware import AuthCookieMiddleware
from wegotwork.auth.oauth import close_http_client
from wegotwork.auth.ratelimit import RateLimitMiddleware, store_for
from wegotwork.careers.http_cache import PublicPagesMiddleware
from wegotwork.db import Database, create_engine
from wegotwork.deps import Services
from wegotwork.logconf import configure as configure_logging
from wegotwork.mail.outbox import OutboxSender
from wegotwork.mail.transport import transport_for
from wegotwork.memory import return_large_allocations, tune_garbage_collector
from wegotwork.privacy import retention as privacy_retention
from wegotwork.routes import include_routers
from wegotwork.settings import Settings, load_settings
from wegotwork.storage import storage_from_settings
from wegotwork.tasks import Runner
from wegotwork.templating import STATIC_DIR, Templates
from wegotwork.web import errors
from wegotwork.web.middleware import (
    BodyLimitMiddleware,
    NulCharacterMiddleware,
    OriginCheckMiddleware,
    PrivateByDefaultMiddleware,
    RequestLogMiddleware,
    SecurityHeadersMiddleware,
)
from wegotwork.web.origins import TrustedOrigins
from wegotwork.web.static import CachedStaticFiles

JSON_BODY_LIMIT = 1024 * 1024
# Upload routes stream and enforce their own, exact limits; this is the outer bound.
# The HTML apply form's is wider, so that a candidate who picked a too-large résumé (without
# JavaScript to warn first) gets the job page back with the message and what they typed,
# instead of a bare refusal: the route stops storing at 5 MB and the rest is discarded.
UPLOAD_LIMITS = {
    r"^/api/v1/public/jobs/[^/]+/applications$": 6 * 1024 * 1024,
    r"^/careers/[^/]+/jobs/[^/]+/apply$": 32 * 1024 * 1024,
    r"^/jobs/[^/]+/apply$": 32 * 1024 * 1024,
    r"^/dashboard/[^/]+/settings(/logo)?$": 3 * 1024 * 1024,
    r"^/api/v1/organizations/[^/]+/logo$": 3 * 1024 * 1024,
}

DESCRIPTION = """The WeGotWork API.

* `/api/v1` — organizations, members, invitations, categories, jobs and applicants. Every
  response is an envelope with a boolean `error`; failures carry `message` (and `fieldErrors`
  for validation).
* `/api/auth` — authentication, wire-compatible with Better Auth 1.7.

Authenticate with the session cookie set by `/api/auth/sign-in/email`, or send
`Authorization: Bearer <session token>`.
"""


def build_services(settings: Settings, database: Database | None = None) -> Services:
    secret = settings.prepare()
    db = database or Database(
        create_engine(settings.effective_database_url, pool_size=settings.db_pool_size)
    )
    storage = storage_from_settings(settings)
    services = Services(
        settings=settings,
        secret=secret,
        db=db,
        storage=storage,
        templates=Templates(settings, secret),
        sender=OutboxSender(
            db,
            transport_for(settings.smtp_url),
            settings.mail_from,
            poll_seconds=settings.outbox_poll_seconds,
            retry_seconds=settings.outbox_retry_seconds,
            retry_max_seconds=settings.outbox_retry_max_seconds,
            lease_seconds=settings.outbox_lease_seconds,
        ),
    )
    services.tasks = Runner(db)
    # Privacy (issue 22): the retention run, in one process at a time (leased, and on
    # PostgreSQL also under an advisory lock).
    services.tasks.add(
        privacy_retention.LEASE,
        privacy_retention.EVERY_SECONDS,
        lambda: privacy_retention.run(db, services.storage),
        lease_seconds=privacy_retention.LEASE_SECONDS,
    )
    return services


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    background: bool = True,
) -> FastAPI:
    """Build the app. ``background=False`` keeps the outbox sender off (tests drive it)."""
    settings = settings or load_settings()
    services = build_services(settings, database)
    # This process's page-view counts, flushed by each process on its own (they live in its
    # memory): not leased.
    views = ViewCounter()
    services.tasks.add(
        "flush-page-views",
        settings.view_flush_seconds,
        lambda: views.flush(services.db),
        leased=False,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        return_large_allocations()
        tune_garbage_collector()
        if background:
            services.sender.start()
            services.tasks.start()
        try:
            yield
        finally:
            if background:
                await services.tasks.stop()
            await services.sender.stop()
            await close_http_client(services)
            if database is None:
                await services.db.dispose()

    app = FastAPI(
        title="WeGotWork",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.services = services
    app.state.views = views
    errors.install(app)
    include_routers(app)
    app.mount("/static", CachedStaticFiles(directory=STATIC_DIR), name="static")

    trusted = TrustedOrigins(settings)
    app.add_middleware(AuthCookieMiddleware)
    app.add_middleware(OriginCheckMiddleware, trusted=trusted, render=errors.render_error_bytes)
    app.add_middleware(NulCharacterMiddleware, render=errors.render_error_bytes)
    app.add_middleware(
        BodyLimitMiddleware,
        default_limit=JSON_BODY_LIMIT,
        limits=UPLOAD_LIMITS,
        render=errors.render_error_bytes,
        timeout=settings.request_body_timeout,
    )
    if settings.rate_limit_enabled:
        store = store_for(settings.rate_limit_storage, services.db, secret=services.secret)
        app.add_middleware(RateLimitMiddleware, store=store)
    app.add_middleware(GZipMiddleware, minimum_size=800, compresslevel=6)
    app.add_middleware(
        PublicPagesMiddleware,
        database=services.db,
        careers_domain=settings.careers_domain,
        on_view=views.record,
        is_bot=is_bot,
    )
    app.add_middleware(PrivateByDefaultMiddleware)
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.secure_cookies)
    app.add_middleware(RequestLogMiddleware)
    return app


def app_from_env() -> FastAPI:
    """The ASGI entry point for servers: ``uvicorn --factory wegotwork.app:app_from_env``."""
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings)


def proxied_app_from_env() -> ASGIApp:
    """``app_from_env`` behind granian: granian leaves proxy headers alone, so the app believes
    ``X-Forwarded-For``/``-Proto`` from ``WEGOTWORK_FORWARDED_ALLOW_IPS`` itself, with granian's
    own helper (uvicorn does the same with its ``forwarded_allow_ips``)."""
    from granian.utils.proxies import wrap_asgi_with_proxy_headers

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    hosts = [host.strip() for host in settings.forwarded_allow_ips.split(",") if host.strip()]
    wrapped: ASGIApp = wrap_asgi_with_proxy_headers(create_app(settings), hosts)
    return wrapped
