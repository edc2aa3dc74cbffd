"""Rate limits with Better Auth's defaults: 100 requests per 10 s on every ``/api/auth`` path,
3 per 10 s on sign-in, sign-up and password changes, 3 per 60 s on mail-sending endpoints. The
sign-in pages' form posts share the strict rules. Counters are per client address and path.

Storage: in memory (one process), or shared by every process through Redis or the
``rate_limit`` table (Better Auth's own algorithm and row format, so it can share the table
with a Better Auth deployment).

Redis counts with one Lua script per request (``INCR``, and ``EXPIRE`` on the first hit of a
window), which Redis runs atomically, so any number of processes share each counter exactly.
When Redis cannot be reached, limits fail over to per-process memory: every process still
limits, on its own count, until Redis answers again (tried again every ``REDIS_RETRY_SECONDS``;
the outage is logged once). We chose that over failing open (no limits while Redis is down:
sign-in becomes a free password-guessing oracle) and over failing closed (every request to
``/api/auth`` refused: nobody can sign in because a counter store is down).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from limits import RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.aio.strategies import FixedWindowRateLimiter
from limits.storage import storage_from_string
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from starlette.types import ASGIApp, Receive, Scope, Send

from wegotwork.db import Database, utcnow
from wegotwork.models import RateLimit
from wegotwork.settings import ConfigError

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger("wegotwork.ratelimit")

TOO_MANY = "Too many requests. Please try again later."
REDIS_RETRY_SECONDS = 5.0
REDIS_TIMEOUT_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class Rule:
    window: int  # seconds
    max: int


DEFAULT = Rule(10, 100)
STRICT = Rule(10, 3)
MAIL = Rule(60, 3)

# First match wins, as in Better Auth.
_AUTH_RULES: tuple[tuple[tuple[str, ...], Rule], ...] = (
    (("/sign-in", "/sign-up", "/change-password", "/change-email"), STRICT),
    (("/request-password-reset", "/send-verification-email", "/forget-password"), MAIL),
)
# Form posts of the pages that do the same things.
_PAGE_RULES: dict[str, Rule] = {
    "/sign-in": STRICT,
    "/sign-up": STRICT,
    "/account/password": STRICT,
    "/reset-password": STRICT,
    "/forgot-password": MAIL,
    "/verify-email": MAIL,
}


def rule_for(method: str, path: str) -> Rule | None:
    if path.startswith("/api/auth/") or path == "/api/auth":
        sub = path[len("/api/auth") :]
        for prefixes, rule in _AUTH_RULES:
            if sub.startswith(prefixes):
                return rule
        return DEFAULT
    if method == "POST":
        return _PAGE_RULES.get(path)
    return None


def client_key(scope: Scope) -> str:
    """The client's address; IPv6 addresses count per /64 network."""
    client = scope.get("client")
    host = client[0] if client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "unknown"
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


class Store(Protocol):
    async def consume(self, key: str, rule: Rule) -> int | None:
        """Count one request; None when allowed, else the seconds to wait."""


class LimitsStore:
    """Memory or Redis through the ``limits`` library (fixed windows)."""

    def __init__(self, uri: str) -> None:
        self.limiter = FixedWindowRateLimiter(storage_from_string(uri))

    async def consume(self, key: str, rule: Rule) -> int | None:
        item = (
            RateLimitItemPerMinute(rule.max, rule.window // 60)
            if rule.window % 60 == 0
            else RateLimitItemPerSecond(rule.max, rule.window)
        )
        if await self.limiter.hit(item, key):
            return None
        stats = await self.limiter.get_window_stats(item, key)
        return max(1, math.ceil(stats.reset_time - time.time()))


class DatabaseStore:
    """Better Auth's algorithm on the ``rate_limit`` table: a window that restarts when a
    request comes ``window`` seconds after the last counted one. Updates are conditional, so
    concurrent processes never over-count past the limit."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def consume(self, key: str, rule: Rule) -> int | None:
        window_ms = rule.window * 1000
        async with self.database.sessionmaker() as db:
            for _ in range(5):
                now = int(utcnow().timestamp() * 1000)
                row = (
                    await db.execute(
                        select(RateLimit.count, RateLimit.last_request).where(RateLimit.key == key)
                    )
                ).first()
                if row is None:
                    try:
                        async with db.begin_nested():
                            db.add(RateLimit(key=key, count=1, last_request=now))
                            await db.flush()
                    except IntegrityError:
                        continue
                    await db.commit()
                    return None
                last = row[1]
                if now - last >= window_ms:
                    result = await db.execute(
                        update(RateLimit)
                        .where(RateLimit.key == key, RateLimit.last_request <= last)
                        .values(count=1, last_request=now)
                    )
                    if getattr(result, "rowcount", 0):
                        await db.execute(
                            delete(RateLimit).where(RateLimit.last_request < now - 60_000)
                        )
                        await db.commit()
                        return None
                    await db.rollback()
                    continue
                result = await db.execute(
                    update(RateLimit)
                    .where(
                        RateLimit.key == key,
                        RateLimit.last_request > now - window_ms,
                        RateLimit.count < rule.max,
                    )
                    .values(count=RateLimit.count + 1, last_request=now)
                )
                await db.commit()
                if getattr(result, "rowcount", 0):
                    return None
                fresh = (
                    await db.execute(select(RateLimit.last_request).where(RateLimit.key == key))
                ).scalar()
                if fresh is None or now - fresh >= window_ms:
                    continue
                return max(1, math.ceil((fresh + window_ms - now) / 1000))
        return None


# KEYS[1]: the counter; ARGV[1]: the window in seconds. Returns {count, seconds left}.
_COUNT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""


class RedisStore:
    """Fixed windows in Redis, shared by every process (see the module docstring for what
    happens while Redis is down)."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "wegotwork:rate:",
        retry_seconds: float = REDIS_RETRY_SECONDS,
    ) -> None:
        from redis.asyncio import Redis

        self.redis: Redis = Redis.from_url(
            url,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )
        self.script = self.redis.register_script(_COUNT)
        self.prefix = prefix
        self.retry_seconds = retry_seconds
        self.fallback = LimitsStore("async+memory://")
        self.down_until: float | None = None

    async def consume(self, key: str, rule: Rule) -> int | None:
        from redis.exceptions import RedisError

        if self.down_until is not None and time.monotonic() < self.down_until:
            return await self.fallback.consume(key, rule)
        try:
            count, ttl = await self.script(
                keys=[f"{self.prefix}{rule.window}:{key}"], args=[rule.window]
            )
        except (RedisError, OSError) as exc:
            if self.down_until is None:
                log.warning("rate limits: Redis unavailable, counting per process: %s", exc)
            self.down_until = time.monotonic() + self.retry_seconds
            return await self.fallback.consume(key, rule)
        if self.down_until is not None:
            log.warning("rate limits: Redis is back, counting across processes again")
            self.down_until = None
        if int(count) <= rule.max:
            return None
        return max(1, int(ttl))


def redis_prefix(secret: str) -> str:
    """Counters of one deployment (one secret) never mix with another's in a shared Redis."""
    return f"wegotwork:{hashlib.sha256(secret.encode()).hexdigest()[:12]}:rate:"


def store_for(setting: str, database: Database, *, secret: str = "") -> Store:
    """``memory``, ``database`` or a ``redis://`` URL."""
    value = setting.strip()
    if value in {"", "memory"}:
        return LimitsStore("async+memory://")
    if value == "database":
        return DatabaseStore(database)
    if value.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(value, prefix=redis_prefix(secret))
    raise ConfigError("WEGOTWORK_RATE_LIMIT_STORAGE must be memory, database or a redis:// URL")


class RateLimitMiddleware:
    """Answers 429 before routing, with ``Retry-After`` and Better Auth's ``X-Retry-After``."""

    def __init__(self, app: ASGIApp, *, store: Store) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        rule = rule_for(scope["method"], path)
        if rule is None:
            await self.app(scope, receive, send)
            return
        wait = await self.store.consume(f"{client_key(scope)}|{path}", rule)
        if wait is None:
            await self.app(scope, receive, send)
            return
        if path.startswith("/api/auth"):
            body = json.dumps({"message": TOO_MANY}).encode()
            content_type = b"application/json"
        elif path.startswith("/api/"):
            body = json.dumps({"error": True, "message": TOO_MANY}).encode()
            content_type = b"application/json"
        else:
            body = (
                "<!doctype html><html lang=en><meta charset=utf-8><title>Too many requests"
                "</title><link rel=stylesheet href=/static/css/app.css><main class='error-page'>"
                f"<h1>Too many attempts</h1><p>Please wait {wait} seconds and try again.</p>"
                "<p><a href=/>Back to the start page</a></p></main></html>"
            ).encode()
            content_type = b"text/html; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(wait).encode()),
                    (b"x-retry-after", str(wait).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
