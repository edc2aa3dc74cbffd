"""The one source of "now", so tests can move time (session expiry, invitation expiry, ...)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

_source: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return _source()


class FrozenClock:
    """A clock that stands still until moved; install it with :func:`use`."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


def use(source: Callable[[], datetime] | None) -> None:
    """Replace the time source (None restores the wall clock)."""
    global _source
    _source = source or (lambda: datetime.now(UTC))
