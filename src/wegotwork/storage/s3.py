"""S3-compatible object storage (AWS S3, MinIO, Ceph, R2...) through boto3, run in threads.

Uploads stream through a multipart upload. S3 wants parts of at least 5 MiB, so each part is
gathered in a spooled temporary file (a little memory, then disk) rather than in memory: a
file is never held whole in memory. A failed upload is aborted and leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import anyio
import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from wegotwork.storage.base import StorageError, StoredObject
from wegotwork.storage.names import content_disposition

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

PART_SIZE = 5 * 1024 * 1024  # S3's minimum size for every part but the last
SPOOL_IN_MEMORY = 256 * 1024
READ_CHUNK = 64 * 1024
_MISSING = {"404", "NoSuchKey", "NotFound"}


class S3Storage:
    def __init__(self, client: S3Client, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        endpoint_url: str = "",
        region: str = "us-east-1",
        access_key_id: str = "",
        secret_access_key: str = "",
    ) -> S3Storage:
        """``s3://bucket/prefix``; credentials fall back to boto3's usual chain when empty."""
        parts = urlsplit(url)
        if not parts.netloc:
            raise StorageError("the storage URL must name a bucket: s3://bucket/prefix")
        client = boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region or None,
            aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_access_key or None,
            config=Config(
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=5,
                read_timeout=30,
                signature_version="s3v4",
                s3={"addressing_style": "path"} if endpoint_url else {},
            ),
        )
        return cls(client, parts.netloc, unquote(parts.path))

    def _key(self, key: str) -> str:
        if not key or key.startswith("/") or ".." in key.split("/"):
            raise StorageError(f"invalid storage key {key!r}")
        return self.prefix + key

    async def _call(self, method: str, **kwargs: Any) -> Any:
        try:
            return await anyio.to_thread.run_sync(lambda: getattr(self.client, method)(**kwargs))
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"S3 {method} failed: {exc}") from exc

    async def save(self, key: str, chunks: AsyncIterable[bytes], content_type: str) -> int:
        full = self._key(key)
        upload = await self._call(
            "create_multipart_upload", Bucket=self.bucket, Key=full, ContentType=content_type
        )
        upload_id = upload["UploadId"]
        parts: list[dict[str, Any]] = []
        size = 0
        spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
        buffered = 0

        async def send_part() -> None:
            nonlocal spool, buffered
            number = len(parts) + 1
            spool.seek(0)
            body = spool
            result = await self._call(
                "upload_part",
                Bucket=self.bucket,
                Key=full,
                UploadId=upload_id,
                PartNumber=number,
                Body=body,
                ContentLength=buffered,
            )
            parts.append({"ETag": result["ETag"], "PartNumber": number})
            body.close()
            spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
            buffered = 0

        try:
            async for chunk in chunks:
                if not chunk:
                    continue
                size += len(chunk)
                if buffered + len(chunk) > SPOOL_IN_MEMORY:
                    await anyio.to_thread.run_sync(spool.write, chunk)
                else:
                    spool.write(chunk)
                buffered += len(chunk)
                if buffered >= PART_SIZE:
                    await send_part()
            if buffered or not parts:
                await send_part()
            await self._call(
                "complete_multipart_upload",
                Bucket=self.bucket,
                Key=full,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
        except BaseException:
            with anyio.CancelScope(shield=True), contextlib.suppress(StorageError):
                await self._call(
                    "abort_multipart_upload", Bucket=self.bucket, Key=full, UploadId=upload_id
                )
            raise
        finally:
            spool.close()
        return size

    async def open(self, key: str) -> AsyncIterator[bytes]:
        try:
            result = await self._call("get_object", Bucket=self.bucket, Key=self._key(key))
        except StorageError as exc:
            if _is_missing(exc):
                raise StorageError(f"cannot read {key}: it does not exist") from exc
            raise
        body = result["Body"]
        try:
            while True:
                try:
                    chunk = await anyio.to_thread.run_sync(body.read, READ_CHUNK)
                except (BotoCoreError, OSError) as exc:
                    raise StorageError(f"cannot read {key}: {exc}") from exc
                if not chunk:
                    break
                yield chunk
        finally:
            body.close()

    async def delete(self, key: str) -> None:
        await self._call("delete_object", Bucket=self.bucket, Key=self._key(key))

    async def exists(self, key: str) -> bool:
        try:
            await self._call("head_object", Bucket=self.bucket, Key=self._key(key))
        except StorageError as exc:
            if _is_missing(exc):
                return False
            raise
        return True

    async def list(self, prefix: str = "") -> AsyncIterator[StoredObject]:
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": self.prefix + prefix}
            if token:
                kwargs["ContinuationToken"] = token
            page = await self._call("list_objects_v2", **kwargs)
            for item in page.get("Contents", []):
                yield StoredObject(
                    item["Key"][len(self.prefix) :], item["Size"], item["LastModified"]
                )
            if not page.get("IsTruncated"):
                break
            token = page.get("NextContinuationToken")

    async def presigned_url(
        self,
        key: str,
        *,
        filename: str,
        content_type: str,
        expires_in: int,
        inline: bool = False,
    ) -> str | None:
        url: str = await self._call(
            "generate_presigned_url",
            ClientMethod="get_object",
            Params={
                "Bucket": self.bucket,
                "Key": self._key(key),
                "ResponseContentDisposition": content_disposition(filename, inline=inline),
                "ResponseContentType": content_type,
            },
            ExpiresIn=expires_in,
        )
        return url

    async def cleanup_incomplete(self, older_than: datetime) -> int:
        """Abort multipart uploads begun before ``older_than`` (a process died mid-upload)."""
        removed = 0
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": self.prefix}
        while True:
            page = await self._call("list_multipart_uploads", **kwargs)
            for upload in page.get("Uploads", []):
                if upload["Initiated"] < older_than:
                    with contextlib.suppress(StorageError):
                        await self._call(
                            "abort_multipart_upload",
                            Bucket=self.bucket,
                            Key=upload["Key"],
                            UploadId=upload["UploadId"],
                        )
                        removed += 1
            if not page.get("IsTruncated"):
                break
            kwargs["KeyMarker"] = page.get("NextKeyMarker")
            kwargs["UploadIdMarker"] = page.get("NextUploadIdMarker")
        return removed


def _is_missing(exc: StorageError) -> bool:
    cause = exc.__cause__
    if not isinstance(cause, ClientError):
        return False
    return cause.response.get("Error", {}).get("Code") in _MISSING
