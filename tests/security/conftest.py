"""Fixtures of the security suite."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.fixtures.world import World
from tests.security.targets import Targets, make_targets
from wegotwork.deps import Services


@pytest.fixture
async def targets(db: AsyncSession, world: World, services: Services) -> Targets:
    """Organization A's rows that the requests aim at."""
    return await make_targets(db, world, services)
