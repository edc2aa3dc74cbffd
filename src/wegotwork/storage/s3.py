"""S3-compatible object storage (AWS S3, MinIO, Ceph, R2...) through boto3, run in threads.

Uploads stream through a multipart upload, so a file is never held whole in memory; a failed
upload is aborted and leaves nothing behind.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterable, AsyncIterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import anyio
import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from wegotwork.storage.base import StorageError, StoredObject

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

PART_SIZE = 5 * 1024 * 1024  # S3's minimum multipart part size
READ_CHUNK = 64 * 1024


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
        parts = urlsplit(url)
        client = boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region,
            aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_access_key or None,
            config=Config(
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=5,
                read_timeout=30,
                s3={"addressing_style": "path"} if endpoint_url else {},
            ),
        )
        return cls(client, parts.netloc, parts.path)

    def _key(self, key: str) -> str:
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
        buffer = bytearray()
        size = 0

        async def flush() -> None:
            number = len(parts) + 1
            body = bytes(buffer)
            buffer.clear()
            result = await self._call(
                "upload_part",
                Bucket=self.bucket,
                Key=full,
                UploadId=upload_id,
                PartNumber=number,
                Body=body,
            )
            parts.append({"ETag": result["ETag"], "PartNumber": number})

        try:
            async for chunk in chunks:
                size += len(chunk)
                buffer.extend(chunk)
                if len(buffer) >= PART_SIZE:
                    await flush()
            if buffer or not parts:
                await flush()
            await self._call(
                "complete_multipart_upload",
                Bucket=self.bucket,
                Key=full,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
        except BaseException:
            with anyio.CancelScope(shield=True):
                with contextlib.suppress(StorageError):
                    await self._call(
                        "abort_multipart_upload", Bucket=self.bucket, Key=full, UploadId=upload_id
                    )
            raise
        return size

    async def open(self, key: str) -> AsyncIterator[bytes]:
        result = await self._call("get_object", Bucket=self.bucket, Key=self._key(key))
        body = result["Body"]
        try:
            while True:
                chunk = await anyio.to_thread.run_sync(body.read, READ_CHUNK)
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
            cause = exc.__cause__
            if isinstance(cause, ClientError) and cause.response.get("Error", {}).get("Code") in {
                "404",
                "NoSuchKey",
                "NotFound",
            }:
                return False
            raise
        return True

    async def list(self, prefix: str = "") -> AsyncIterator[StoredObject]:
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": self._key(prefix)}
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
        self, key: str, *, filename: str, content_type: str, expires_in: int
    ) -> str | None:
        disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
        url: str = await self._call(
            "generate_presigned_url",
            ClientMethod="get_object",
            Params={
                "Bucket": self.bucket,
                "Key": self._key(key),
                "ResponseContentDisposition": disposition,
                "ResponseContentType": content_type,
            },
            ExpiresIn=expires_in,
        )
        return url
