"""The per-IP limit on applications: generous for people, a wall for scripts.

A moving window (the ``limits`` library) kept in memory, or in Redis when the rate-limit
storage setting is a ``redis://`` URL so that several processes share it. Off unless rate
limits are enabled (they are in production).
"""

from __future__ import annotations

import math
import time

from fastapi import Request
from limits import RateLimitItem, RateLimitItemPerHour
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from wegotwork.deps import Services
from wegotwork.errors import RateLimited

APPLICATIONS_PER_HOUR = 30
TOO_MANY = "You have sent many applications in a short time. Please try again later."
_KEY = "applicants.rate_limiter"


class ApplyRateLimiter:
    def __init__(self, storage: Storage, item: RateLimitItem) -> None:
        self.item = item
        self.limiter = MovingWindowRateLimiter(storage)

    async def hit(self, ip: str) -> None:
        """Count one application attempt from ``ip``; RateLimited when over the limit."""
        if await self.limiter.hit(self.item, "apply", ip):
            return
        stats = await self.limiter.get_window_stats(self.item, "apply", ip)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        raise RateLimited(retry_after, TOO_MANY)


def limiter_for(services: Services) -> ApplyRateLimiter | None:
    """The app's limiter (made on first use), or None when rate limits are off."""
    if not services.settings.rate_limit_enabled:
        return None
    limiter = services.extras.get(_KEY)
    if limiter is None:
        where = services.settings.rate_limit_storage
        storage: Storage
        if where.startswith("redis"):
            shared = storage_from_string(f"async+{where}")
            assert isinstance(shared, Storage)
            storage = shared
        else:
            storage = MemoryStorage()
        limiter = ApplyRateLimiter(storage, RateLimitItemPerHour(APPLICATIONS_PER_HOUR))
        services.extras[_KEY] = limiter
    assert isinstance(limiter, ApplyRateLimiter)
    return limiter


def client_ip(request: Request) -> str:
    """The caller's address (the server applies trusted ``X-Forwarded-For`` before this)."""
    return request.client.host if request.client else "unknown"
