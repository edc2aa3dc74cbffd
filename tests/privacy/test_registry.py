"""Every table of the schema is either erased and exported through the privacy registry or
listed as holding no candidate's data: a new table that could hold a candidate's data and is in
neither place fails here."""

from __future__ import annotations

from wegotwork import models  # noqa: F401  (every table in the metadata)
from wegotwork.models import Base
from wegotwork.privacy import (
    registry,
    retention,  # noqa: F401  (imports every registering domain)
)


def test_every_table_is_covered_or_declared_free_of_applicant_data() -> None:
    tables = {table.name: table for table in Base.metadata.sorted_tables}
    covered = registry.covered_tables()
    declared = set(registry.NOT_APPLICANT_DATA)
    assert not covered & declared, "a table cannot be both erased and free of applicant data"
    unknown = sorted(set(tables) - covered - declared)
    assert unknown == [], (
        "Register these tables' erasure and export with wegotwork.privacy.registry.register, "
        "or add them to NOT_APPLICANT_DATA with the reason"
    )
    assert sorted((covered | declared) - set(tables)) == []


def test_tables_that_reference_applicants_are_erased() -> None:
    """A table with an applicant column, or a foreign key to the applicant, is registered
    (only the audit trail keeps a bare id, by design)."""
    covered = registry.covered_tables()
    for table in Base.metadata.sorted_tables:
        points_at_applicant = (
            any(key.column.table.name == "applicant" for key in table.foreign_keys)
            or "applicant_id" in table.c
        )
        if points_at_applicant and table.name != "privacy_audit":
            assert table.name in covered, table.name


def test_sections_erase_what_points_at_the_applicant_before_the_applicant() -> None:
    order = [section.name for section in registry.sections()]
    assert order[-1] == "application"
    assert order.index("review") < order.index("application")
    assert order.index("activity") < order.index("application")
