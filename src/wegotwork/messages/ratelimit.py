"""A per-IP limit on the public status pages: plenty for a candidate, a wall for guessing; and a
per-link limit on the mails a status page sends (the "delete my data" and "download my data"
links), so a leaked status link cannot flood the candidate's inbox. In memory per process; off
unless rate limits are enabled (they are in production)."""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerHour, RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from wegotwork.deps import Services
from wegotwork.errors import RateLimited

REQUESTS_PER_MINUTE = 30
MAILS_PER_HOUR = 5
TOO_MANY = "Too many requests in a short time. Please try again in a minute."
TOO_MANY_MAILS = (
    "We already emailed you several links in the last hour. Please use the newest one, or try "
    "again later."
)
_KEY = "messages.status_limiter"


class StatusRateLimiter:
    def __init__(self) -> None:
        self.item = RateLimitItemPerMinute(REQUESTS_PER_MINUTE)
        self.mail_item = RateLimitItemPerHour(MAILS_PER_HOUR)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    async def hit(self, ip: str) -> None:
        if await self.limiter.hit(self.item, "status", ip):
            return
        stats = await self.limiter.get_window_stats(self.item, "status", ip)
        raise RateLimited(max(1, math.ceil(stats.reset_time - time.time())), TOO_MANY)

    async def hit_mail(self, link: str) -> None:
        """Count one mail asked for through the status link whose digest is ``link``."""
        if await self.limiter.hit(self.mail_item, "status-mail", link):
            return
        stats = await self.limiter.get_window_stats(self.mail_item, "status-mail", link)
        raise RateLimited(max(1, math.ceil(stats.reset_time - time.time())), TOO_MANY_MAILS)


def status_limiter(services: Services) -> StatusRateLimiter | None:
    if not services.settings.rate_limit_enabled:
        return None
    limiter = services.extras.get(_KEY)
    if limiter is None:
        limiter = services.extras[_KEY] = StatusRateLimiter()
    assert isinstance(limiter, StatusRateLimiter)
    return limiter
