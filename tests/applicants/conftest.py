"""Fixtures for applicant tests: a published job in the world's organization, and where the
app keeps its files."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.world import World
from tests.s3server import moto_endpoint
from wegotwork.models import Job
from wegotwork.settings import Settings

__all__ = ["moto_endpoint"]


@pytest.fixture
def files_root(settings: Settings) -> Path:
    """The directory the app's local storage writes to."""
    return settings.data_dir / "files"


@pytest.fixture
async def job(db: AsyncSession, world: World) -> Job:
    """A published job of organization A."""
    created = await factories.make_job(db, world.org, title="Analytical Engineer")
    await db.commit()
    return created
