"""Reading the original WeGotWork's PostgreSQL database: checked first, then read in one
read-only, repeatable-read transaction (every table from the same snapshot) through
server-side cursors, a batch at a time, so memory stays flat however large it is."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from types import TracebackType
from typing import Any

import asyncpg  # type: ignore[import-untyped]

# Every table and column the import reads: a database without them is not the original's, or
# is at a schema version this import does not know.
REQUIRED: Mapping[str, frozenset[str]] = {
    "user": frozenset(
        {"id", "name", "email", "emailVerified", "image", "createdAt", "updatedAt"}
        | {"currentOrganizationId"}
    ),
    "account": frozenset(
        {"id", "accountId", "providerId", "userId", "password", "accessToken", "refreshToken"}
        | {"idToken", "accessTokenExpiresAt", "refreshTokenExpiresAt", "scope", "createdAt"}
        | {"updatedAt"}
    ),
    "Organization": frozenset({"id", "name", "slug", "description", "website"}),
    "OrganizationUser": frozenset({"id", "userId", "role", "organizationId"}),
    "OrganizationInvite": frozenset({"id", "role", "email", "organizationId", "createdAt"}),
    "JobCategory": frozenset({"id", "name", "order", "organizationId"}),
    "Job": frozenset(
        {"id", "title", "type", "country", "city", "content", "remote", "createdAt"}
        | {"organizationId", "categoryId"}
    ),
    "Applicant": frozenset(
        {"id", "name", "motivation", "email", "linkedIn", "twitter", "github", "createdAt"}
        | {"status", "resumeKey", "jobId"}
    ),
}
# The enum values this import knows; any other means a newer schema.
ENUMS: Mapping[str, frozenset[str]] = {
    "Role": frozenset({"owner", "member"}),
    "Type": frozenset({"fulltime", "parttime", "internship", "contract"}),
    "Status": frozenset({"SUBMITTED", "UNDERREVIEW", "INTERVIEW", "OFFER", "REJECTED", "HIRED"}),
}

# What is read, in the order each table is read (rows of one group side by side).
QUERIES: Mapping[str, str] = {
    "user": 'SELECT id, name, email, "emailVerified", image, "createdAt", "updatedAt", '
    '"currentOrganizationId" FROM "user" ORDER BY id',
    "account": 'SELECT id, "accountId", "providerId", "userId", password, "accessToken", '
    '"refreshToken", "idToken", "accessTokenExpiresAt", "refreshTokenExpiresAt", scope, '
    '"createdAt", "updatedAt" FROM account ORDER BY id',
    "organization": 'SELECT id, name, slug, description, website FROM "Organization" ORDER BY id',
    "member": 'SELECT id, "userId", role::text AS role, "organizationId" FROM "OrganizationUser" '
    'ORDER BY "organizationId", "userId", (role::text = \'owner\') DESC, id',
    "invitation": 'SELECT id, role::text AS role, email, "organizationId", "createdAt" '
    'FROM "OrganizationInvite" ORDER BY "organizationId", lower(email), "createdAt" DESC, id',
    "category": 'SELECT id, name, "order", "organizationId" FROM "JobCategory" '
    'ORDER BY "organizationId", lower(name), id',
    "job": 'SELECT id, title, type::text AS type, country, city, content, remote, "createdAt", '
    '"organizationId", "categoryId" FROM "Job" ORDER BY id',
    "applicant": 'SELECT id, name, motivation, email, "linkedIn", twitter, github, "createdAt", '
    'status::text AS status, "resumeKey", "jobId" FROM "Applicant" '
    'ORDER BY "jobId", lower(email), "createdAt" DESC, id',
}
TABLES = {
    "user": "user",
    "account": "account",
    "organization": "Organization",
    "member": "OrganizationUser",
    "invitation": "OrganizationInvite",
    "category": "JobCategory",
    "job": "Job",
    "applicant": "Applicant",
}


class SourceError(Exception):
    """The source cannot be imported (unreachable, not the original's database, unknown
    schema version); raised before anything is written."""


def plain_url(url: str) -> str:
    """asyncpg takes ``postgresql://``; accept SQLAlchemy's spelling too."""
    for prefix in ("postgresql+asyncpg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url.removeprefix(prefix)
    return url


def schema_problems(columns: Mapping[str, set[str]], enums: Mapping[str, set[str]]) -> list[str]:
    """What is missing or unknown, given the source's tables → columns and enums → values."""
    missing_tables = [table for table in REQUIRED if table not in columns]
    if len(missing_tables) == len(REQUIRED) or {"Organization", "Applicant"} <= set(missing_tables):
        return ["it is not a WeGotWork database (no Organization or Applicant table)"]
    problems = [f"table {table!r} is missing" for table in missing_tables]
    for table, needed in REQUIRED.items():
        absent = sorted(needed - columns.get(table, needed))
        if absent:
            problems.append(f"table {table!r} lacks {', '.join(absent)}")
    for enum, known in ENUMS.items():
        unknown = sorted(enums.get(enum, set()) - known)
        if enum not in enums:
            problems.append(f"enum {enum!r} is missing")
        elif unknown:
            problems.append(f"enum {enum!r} has values this import does not know: {unknown}")
    return problems


class Source:
    """``async with Source(url) as source``: one snapshot of the original, read-only."""

    def __init__(self, url: str) -> None:
        self.url = plain_url(url)
        self._connection: asyncpg.Connection | None = None
        self._transaction: Any = None

    async def __aenter__(self) -> Source:
        if not self.url.startswith("postgresql://"):
            raise SourceError("--source must be a postgresql:// URL of the original's database")
        try:
            self._connection = await asyncpg.connect(self.url, timeout=10)
        except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
            raise SourceError(f"cannot connect to the source: {exc}") from exc
        self._transaction = self._connection.transaction(isolation="repeatable_read", readonly=True)
        await self._transaction.start()
        await self._check()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            await self._transaction.rollback()
        finally:
            await connection.close()

    @property
    def connection(self) -> asyncpg.Connection:
        if self._connection is None:
            raise RuntimeError("use Source as an async context manager")
        return self._connection

    async def _check(self) -> None:
        rows = await self.connection.fetch(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema()"
        )
        columns: dict[str, set[str]] = {}
        for row in rows:
            columns.setdefault(row["table_name"], set()).add(row["column_name"])
        enum_rows = await self.connection.fetch(
            "SELECT t.typname, e.enumlabel FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid "
            "JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = current_schema()"
        )
        enums: dict[str, set[str]] = {}
        for row in enum_rows:
            enums.setdefault(row["typname"], set()).add(row["enumlabel"])
        problems = schema_problems(columns, enums)
        if problems:
            raise SourceError("the source cannot be imported: " + "; ".join(problems))

    async def count(self, kind: str) -> int:
        # The table name is one of the fixed names above, never input.
        query = f'SELECT count(*) FROM "{TABLES[kind]}"'  # noqa: S608
        total: int = await self.connection.fetchval(query)
        return total

    async def batches(
        self, kind: str, size: int, key: Callable[[asyncpg.Record], object] | None = None
    ) -> AsyncGenerator[Sequence[asyncpg.Record], None]:
        """The rows of ``kind`` in batches of about ``size`` rows, through a server-side cursor.
        With ``key``, a batch ends only where the key changes: rows that share one (which the
        order keeps together) always arrive in the same batch."""
        batch: list[asyncpg.Record] = []
        async for record in self.connection.cursor(QUERIES[kind], prefetch=size):
            if len(batch) >= size and (key is None or key(record) != key(batch[-1])):
                yield batch
                batch = []
            batch.append(record)
        if batch:
            yield batch
