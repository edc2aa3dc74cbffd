"""The storage interface every backend implements."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class StorageError(Exception):
    """The storage backend failed (unreachable, full, refused); the caller answers 503."""


@dataclass(frozen=True, slots=True)
class StoredObject:
    key: str
    size: int
    modified: datetime


class Storage(Protocol):
    async def save(self, key: str, chunks: AsyncIterable[bytes], content_type: str) -> int:
        """Write ``chunks`` under ``key`` and return the size; nothing remains on failure."""
        ...

    def open(self, key: str) -> AsyncIterator[bytes]:
        """Stream the file's bytes (raises StorageError if it does not exist)."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the file; a missing file is not an error."""
        ...

    async def exists(self, key: str) -> bool: ...

    def list(self, prefix: str = "") -> AsyncIterator[StoredObject]:
        """Every stored object whose key starts with ``prefix``."""
        ...

    async def presigned_url(
        self,
        key: str,
        *,
        filename: str,
        content_type: str,
        expires_in: int,
        inline: bool = False,
    ) -> str | None:
        """A short-lived direct download link, or None when the backend serves files itself."""
        ...

    async def cleanup_incomplete(self, older_than: datetime) -> int:
        """Remove uploads that a crashed process began before ``older_than`` and never finished
        (temporary files, unfinished multipart uploads); return how many were removed."""
        ...
