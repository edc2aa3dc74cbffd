"""The test harness: databases (SQLite and PostgreSQL), the app over httpx, factories, a live
server, a real SMTP sink and a real browser. See tests/README.md for how to use them."""

from __future__ import annotations

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.app",
    "tests.fixtures.world",
    "tests.fixtures.mail",
    "tests.fixtures.live",
    "tests.fixtures.browser",
    "tests.fixtures.redis",
]
