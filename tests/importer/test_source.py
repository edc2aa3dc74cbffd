"""The command line and sources that cannot be imported: one clear error before any write."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.fixtures.app import Deployment
from tests.importer.conftest import Original
from wegotwork.db import Database
from wegotwork.deps import Services
from wegotwork.importer.run import ImportOptions, run_import
from wegotwork.importer.source import ENUMS, REQUIRED, SourceError, schema_problems
from wegotwork.models import Applicant, ImportMapping, User


def wegotwork(
    *args: str, data_dir: Path, database_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("WEGOTWORK_")
    }
    environment["WEGOTWORK_DATA_DIR"] = str(data_dir)
    if database_url is not None:
        environment["WEGOTWORK_DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "wegotwork", *args],
        env=environment,
        cwd=data_dir.parent,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_schema_check_names_what_is_missing_or_unknown() -> None:
    columns = {table: set(names) for table, names in REQUIRED.items()}
    enums = {name: set(values) for name, values in ENUMS.items()}
    assert schema_problems(columns, enums) == []
    assert schema_problems({"users": {"id"}}, {}) == [
        "it is not a WeGotWork database (no Organization or Applicant table)"
    ]
    newer = {**columns, "Job": columns["Job"] - {"remote"}}
    assert schema_problems(newer, enums) == ["table 'Job' lacks remote"]
    more = {**enums, "Status": enums["Status"] | {"ARCHIVED"}}
    assert schema_problems(columns, more) == [
        "enum 'Status' has values this import does not know: ['ARCHIVED']"
    ]


async def test_an_unknown_schema_version_stops_before_writing(
    database: Database, services: Services, original: Original, db: AsyncSession
) -> None:
    await original.execute("ALTER TYPE \"Status\" ADD VALUE 'ARCHIVED'")

    with pytest.raises(SourceError, match="ARCHIVED"):
        await run_import(database, services.storage, ImportOptions(source_url=original.url))

    assert await db.scalar(select(func.count()).select_from(User)) == 0
    assert await db.scalar(select(func.count()).select_from(ImportMapping)) == 0


@pytest.mark.slow
def test_the_command_imports_reports_and_refuses_what_is_not_the_original(
    original: Original, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    dry = wegotwork("import", "wegotwork", "--source", original.url, "--dry-run", data_dir=data)
    assert dry.returncode == 2
    assert "wegotwork db upgrade" in dry.stderr

    done = wegotwork(
        "import",
        "wegotwork",
        "--source",
        original.url,
        "--resumes-dir",
        str(original.resumes_dir),
        data_dir=data,
    )
    assert done.returncode == 0, done.stderr
    assert "Not imported (4)" in done.stderr
    assert "applicant c-a7: its job c-job-deleted is gone" in done.stderr
    assert "1 résumé file(s) copied." in done.stderr

    again = wegotwork("import", "wegotwork", "--source", original.url, "--dry-run", data_dir=data)
    assert again.returncode == 0, again.stderr
    assert "dry run: nothing was written" in again.stderr

    server = original.url.rpartition("/")[0] + "/postgres"
    refused = wegotwork("import", "wegotwork", "--source", server, data_dir=data)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines()[-1].startswith("error: the source cannot be")
    assert "not a WeGotWork database" in refused.stderr
    assert "Traceback" not in refused.stderr


@pytest.mark.slow
@pytest.mark.parametrize("writers", ["0", "9", "two"])
def test_the_command_refuses_a_number_of_writers_out_of_one_to_eight(
    original: Original, tmp_path: Path, writers: str
) -> None:
    data = tmp_path / "data"
    refused = wegotwork(
        "import", "wegotwork", "--source", original.url, "--writers", writers, data_dir=data
    )
    assert refused.returncode == 2
    assert "--writers" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not data.exists()  # refused before anything was made


@pytest.mark.slow
async def test_the_command_imports_with_the_writers_it_is_given(
    original: Original, deployment: Deployment
) -> None:
    done = wegotwork(
        "import",
        "wegotwork",
        "--source",
        original.url,
        "--writers",
        "3",
        data_dir=deployment.tmp / "data",
        database_url=deployment.url,
    )
    assert done.returncode == 0, done.stderr
    async with deployment.sessions() as db:
        assert await db.scalar(select(func.count()).select_from(Applicant)) == 5


def test_the_options_refuse_a_number_of_writers_out_of_one_to_eight() -> None:
    for writers in (0, 9):
        with pytest.raises(ValueError, match="writers"):
            ImportOptions(source_url="postgresql://original", writers=writers)
    assert ImportOptions(source_url="postgresql://original", writers=8).writers == 8
