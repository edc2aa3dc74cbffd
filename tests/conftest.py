"""The test harness: databases (SQLite and PostgreSQL), the app over httpx, factories, a live
server, a real SMTP sink and a real browser. See tests/README.md for how to use them."""

from __future__ import annotations

import pytest

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.app",
    "tests.fixtures.world",
    "tests.fixtures.mail",
    "tests.fixtures.live",
    "tests.fixtures.browser",
    "tests.fixtures.redis",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long tests (marked ``slow`` or ``browser``) first, in their order, then the rest:
    the two test processes share the long ones from the start instead of one of them running
    the last long test alone while the other waits."""
    items.sort(
        key=lambda item: (
            0 if item.get_closest_marker("slow") or item.get_closest_marker("browser") else 1
        )
    )
