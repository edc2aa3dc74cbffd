"""Where uploaded files live: a local directory by default, S3-compatible object storage in
production. Keys are fresh random names; the database row records which file is whose."""

from __future__ import annotations

from wegotwork.storage.base import Storage, StorageError, StoredObject
from wegotwork.storage.local import LocalStorage
from wegotwork.storage.names import content_disposition, safe_filename

__all__ = [
    "LocalStorage",
    "Storage",
    "StorageError",
    "StoredObject",
    "content_disposition",
    "safe_filename",
    "storage_for",
]


def storage_for(url: str, **options: str) -> Storage:
    """The backend for ``file:///path`` or ``s3://bucket/prefix``."""
    if url.startswith("s3://"):
        from wegotwork.storage.s3 import S3Storage

        return S3Storage.from_url(url, **options)
    return LocalStorage(url.removeprefix("file://"))
