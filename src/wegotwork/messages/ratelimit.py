"""A per-IP limit on the public status pages: plenty for a candidate, a wall for guessing.
In memory per process; off unless rate limits are enabled (they are in production)."""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from wegotwork.deps import Services
from wegotwork.errors import RateLimited

REQUESTS_PER_MINUTE = 30
TOO_MANY = "Too many requests in a short time. Please try again in a minute."
_KEY = "messages.status_limiter"


class StatusRateLimiter:
    def __init__(self) -> None:
        self.item = RateLimitItemPerMinute(REQUESTS_PER_MINUTE)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    async def hit(self, ip: str) -> None:
        if await self.limiter.hit(self.item, "status", ip):
            return
        stats = await self.limiter.get_window_stats(self.item, "status", ip)
        raise RateLimited(max(1, math.ceil(stats.reset_time - time.time())), TOO_MANY)


def status_limiter(services: Services) -> StatusRateLimiter | None:
    if not services.settings.rate_limit_enabled:
        return None
    limiter = services.extras.get(_KEY)
    if limiter is None:
        limiter = services.extras[_KEY] = StatusRateLimiter()
    assert isinstance(limiter, StatusRateLimiter)
    return limiter
