"""What the database and the storage say after the load: every acknowledged application has its
row and its file, no row lacks its file, and what the outbox holds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import asyncpg


@dataclass
class Applications:
    acknowledged: int
    verified: int
    missing_rows: list[str]
    missing_files: list[str]  # acknowledged rows whose file is absent or of the wrong size
    rows_without_file: int  # any applicant row of any run whose file is absent
    orphan_files: int  # stored résumés no row refers to
    partial_files: int  # unfinished uploads (.part)

    @property
    def lost(self) -> int:
        return len(self.missing_rows) + len(self.missing_files)


async def applications(url: str, files: Path, acknowledged: list[str]) -> Applications:
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "select email, resume_key, resume_size from applicant where email = any($1::text[])",
            acknowledged,
        )
        every = await connection.fetch(
            "select resume_key, resume_size from applicant where resume_key is not null"
        )
    finally:
        await connection.close()
    found = {row["email"]: row for row in rows}
    missing_rows = [email for email in acknowledged if email not in found]
    missing_files = [
        row["email"] for row in rows if not _has_file(files, row["resume_key"], row["resume_size"])
    ]
    rows_without_file = sum(
        1 for row in every if not _has_file(files, row["resume_key"], row["resume_size"])
    )
    referenced = {row["resume_key"] for row in every}
    stored, partial = _stored(files / "resumes")
    return Applications(
        acknowledged=len(acknowledged),
        verified=len(acknowledged) - len(missing_rows) - len(missing_files),
        missing_rows=missing_rows,
        missing_files=missing_files,
        rows_without_file=rows_without_file,
        orphan_files=len(stored - referenced),
        partial_files=partial,
    )


def _has_file(files: Path, key: str | None, size: int | None) -> bool:
    if not key:
        return False
    path = files / key
    return path.is_file() and (size is None or path.stat().st_size == size)


def _stored(directory: Path) -> tuple[set[str], int]:
    keys: set[str] = set()
    partial = 0
    if directory.is_dir():
        for path in directory.iterdir():
            if path.name.startswith("."):
                partial += path.name.endswith(".part")
            else:
                keys.add(f"resumes/{path.name}")
    return keys, partial


@dataclass
class Outbox:
    total: int
    sent: int
    pending: int
    retried: int  # messages that needed more than one attempt
    ids_sent: set[str]


async def outbox(url: str) -> Outbox:
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch("select id, attempts, sent_at from outbox")
    finally:
        await connection.close()
    sent = [row for row in rows if row["sent_at"] is not None]
    return Outbox(
        total=len(rows),
        sent=len(sent),
        pending=len(rows) - len(sent),
        retried=sum(1 for row in rows if row["attempts"] > 1),
        ids_sent={row["id"] for row in sent},
    )
