"""Behind https every cookie is also ``Secure`` (and the session's carries the ``__Secure-``
prefix), and pages send Strict-Transport-Security."""

from __future__ import annotations

import pytest

from tests.fixtures.world import World
from tests.security import stats
from tests.security.targets import Targets
from tests.security.test_attacks import cookies_set


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"base_url": "https://jobs.example.com", "trusted_origins": ["http://testserver"]}


async def test_every_cookie_is_secure_on_https(
    world: World, targets: Targets, dialect: str
) -> None:
    lines = await cookies_set(world, targets)
    assert any(line.startswith("__Secure-better-auth.session_token=") for line in lines)
    for line in lines:
        flags = {part.strip().lower() for part in line.split(";")[1:]}
        assert {"httponly", "secure"} <= flags, line
        assert "samesite=lax" in flags or "samesite=strict" in flags, line
    page = await world.browser("owner").get("/dashboard")
    assert "max-age=" in page.headers["strict-transport-security"]
    stats.record("attacks", kind="cookies-https", dialect=dialect, cookies=len(lines))
