"""Where uploaded files live: a local directory by default, S3-compatible object storage in
production. Keys are fresh random names; the database row records which file is whose."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wegotwork.storage.base import Storage, StorageError, StoredObject
from wegotwork.storage.local import LocalStorage
from wegotwork.storage.names import content_disposition, safe_filename

if TYPE_CHECKING:
    from wegotwork.settings import Settings

__all__ = [
    "LocalStorage",
    "Storage",
    "StorageError",
    "StoredObject",
    "content_disposition",
    "safe_filename",
    "storage_for",
    "storage_from_settings",
]


def storage_for(url: str, **options: str) -> Storage:
    """The backend for ``file:///path`` or ``s3://bucket/prefix``."""
    if url.startswith("s3://"):
        from wegotwork.storage.s3 import S3Storage

        return S3Storage.from_url(url, **options)
    return LocalStorage(url.removeprefix("file://"))


def storage_from_settings(settings: Settings, url: str | None = None) -> Storage:
    """The configured storage (or the one at ``url``, e.g. another installation's bucket), with
    the S3 endpoint and credentials from the settings."""
    return storage_for(
        url or settings.effective_storage_url,
        endpoint_url=settings.s3_endpoint_url,
        region=settings.s3_region,
        access_key_id=settings.s3_access_key_id,
        secret_access_key=settings.s3_secret_access_key,
    )
