"""The per-IP limit on applications: generous for people, a wall for scripts.

A moving window (the ``limits`` library) kept in memory, or a window in Redis (the rate-limit
store of ``auth.ratelimit``, with its failover to memory while Redis is down) when the
rate-limit storage setting is a ``redis://`` URL, so that several processes share it. Off
unless rate limits are enabled (they are in production).
"""

from __future__ import annotations

import math
import time

from fastapi import Request
from limits import RateLimitItemPerHour
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from wegotwork.auth.ratelimit import RedisStore, Rule, redis_prefix
from wegotwork.deps import Services
from wegotwork.errors import RateLimited

APPLICATIONS_PER_HOUR = 30
TOO_MANY = "You have sent many applications in a short time. Please try again later."
_KEY = "applicants.rate_limiter"


class ApplyRateLimiter:
    """In memory, per process."""

    def __init__(self) -> None:
        self.item = RateLimitItemPerHour(APPLICATIONS_PER_HOUR)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    async def hit(self, ip: str) -> None:
        """Count one application attempt from ``ip``; RateLimited when over the limit."""
        if await self.limiter.hit(self.item, "apply", ip):
            return
        stats = await self.limiter.get_window_stats(self.item, "apply", ip)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        raise RateLimited(retry_after, TOO_MANY)


class SharedApplyRateLimiter(ApplyRateLimiter):
    """In Redis, shared by every process."""

    def __init__(self, store: RedisStore) -> None:
        super().__init__()
        self.store = store

    async def hit(self, ip: str) -> None:
        wait = await self.store.consume(f"apply|{ip}", Rule(3600, APPLICATIONS_PER_HOUR))
        if wait is not None:
            raise RateLimited(wait, TOO_MANY)


def limiter_for(services: Services) -> ApplyRateLimiter | None:
    """The app's limiter (made on first use), or None when rate limits are off."""
    if not services.settings.rate_limit_enabled:
        return None
    limiter = services.extras.get(_KEY)
    if limiter is None:
        where = services.settings.rate_limit_storage.strip()
        if where.startswith(("redis://", "rediss://", "unix://")):
            limiter = SharedApplyRateLimiter(
                RedisStore(where, prefix=redis_prefix(services.secret))
            )
        else:
            limiter = ApplyRateLimiter()
        services.extras[_KEY] = limiter
    assert isinstance(limiter, ApplyRateLimiter)
    return limiter


def client_ip(request: Request) -> str:
    """The caller's address (the server applies trusted ``X-Forwarded-For`` before this)."""
    return request.client.host if request.client else "unknown"
