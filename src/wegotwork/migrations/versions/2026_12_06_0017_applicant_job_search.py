"""A text search inside one job reads only that job's part of an index, on PostgreSQL.

The trigram index of 0002 keys each trigram alone, so a search inside one job still reads
every posting of every trigram of the term across the whole organization (and across every
organization), and filters by job afterwards. This index keys each three-character window of
the searched text together with the first eight characters of the applicant's job id: a
term's keys inside one job lead only to that job's applicants (and, rarely, to those of a job
whose id begins alike; the LIKE recheck drops them).

Revision ID: 0017_applicant_job_search
Revises: 0017_applicant_email_index
Create Date: 2026-12-06 23:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017_applicant_job_search"
down_revision: str | None = "0017_applicant_email_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCH = "lower((((name || ' ') || email) || ' ') || coalesce(motivation, ''))"

# Every three-character window of ``search``, each prefixed with the first eight characters of
# ``job``. A literal substring's windows are windows of every text containing it, so an index
# on the row's keys answers "contains" with ``@>`` (and LIKE rechecks).
KEYS_FUNCTION = """
CREATE FUNCTION applicant_search_keys(job text, search text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT left(job, 8) || substr(search, i, 3)), '{}')
  FROM generate_series(1, length(search) - 2) AS i
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(KEYS_FUNCTION)
        op.execute(
            "CREATE INDEX ix_applicant_job_search_keys ON applicant "
            f"USING gin (applicant_search_keys(job_id, {SEARCH}))"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_applicant_job_search_keys")
        op.execute("DROP FUNCTION IF EXISTS applicant_search_keys(text, text)")
