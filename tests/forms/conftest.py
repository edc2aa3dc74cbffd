"""Fixtures for application forms: a published job of organization A, and the file root."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.world import World
from wegotwork.models import Job
from wegotwork.settings import Settings


@pytest.fixture
def files_root(settings: Settings) -> Path:
    return settings.data_dir / "files"


@pytest.fixture
async def job(db: AsyncSession, world: World) -> Job:
    created = await factories.make_job(db, world.org, title="Python Engineer")
    await db.commit()
    return created
