"""What an import did: counts per table, and every row that was not imported as it was."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

# The original's tables, in the order they are imported.
KINDS = (
    "user",
    "account",
    "organization",
    "member",
    "invitation",
    "category",
    "job",
    "applicant",
)
OUTCOMES = ("imported", "updated", "unchanged", "merged", "skipped")


@dataclass(frozen=True, slots=True)
class Note:
    kind: str
    source_id: str
    outcome: str  # "skipped", "merged" or "repaired" (imported with a change)
    reason: str


@dataclass
class Report:
    dry_run: bool = False
    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {kind: dict.fromkeys(OUTCOMES, 0) for kind in KINDS}
    )
    notes: list[Note] = field(default_factory=list)
    resumes_copied: int = 0
    # Seconds spent in each step of the applicant phase.
    timings: dict[str, float] = field(default_factory=dict)

    def count(self, kind: str, outcome: str, number: int = 1) -> None:
        self.counts[kind][outcome] += number

    def skip(self, kind: str, source_id: str, reason: str) -> None:
        self.count(kind, "skipped")
        self.notes.append(Note(kind, source_id, "skipped", reason))

    def merge(self, kind: str, source_id: str, reason: str) -> None:
        self.count(kind, "merged")
        self.notes.append(Note(kind, source_id, "merged", reason))

    def repair(self, kind: str, source_id: str, reason: str) -> None:
        """The row was imported, but not exactly as it was (the reason says how)."""
        self.notes.append(Note(kind, source_id, "repaired", reason))

    def total(self, outcome: str) -> int:
        return sum(counts[outcome] for counts in self.counts.values())


# (kind, rows done, rows in the source) after each batch.
Progress = Callable[[str, int, int], None]


def no_progress(kind: str, done: int, total: int) -> None:
    """A progress callback that shows nothing."""
