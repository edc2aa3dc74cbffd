"""The S3 backend against a real S3-protocol server (moto) on loopback: streaming multipart
uploads, nothing left behind on failure, presigned links, and clear errors when S3 is down."""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.fixtures.mail import free_port
from tests.s3server import make_bucket, s3_storage
from wegotwork.storage import StorageError, storage_for
from wegotwork.storage.s3 import PART_SIZE, S3Storage


async def chunks(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def failing_after(data: bytes) -> AsyncIterator[bytes]:
    yield data
    raise RuntimeError("the client went away")


@pytest.fixture
def storage(moto_endpoint: str) -> S3Storage:
    return s3_storage(moto_endpoint, make_bucket(moto_endpoint))


async def read_all(storage: S3Storage, key: str) -> bytes:
    return b"".join([chunk async for chunk in storage.open(key)])


async def test_save_open_list_and_delete_under_the_prefix(storage: S3Storage) -> None:
    size = await storage.save("resumes/abc", chunks(b"%PDF-1.4 hello"), "application/pdf")
    assert size == 14
    assert await storage.exists("resumes/abc")
    assert await read_all(storage, "resumes/abc") == b"%PDF-1.4 hello"
    listed = [item async for item in storage.list("resumes/")]
    assert [item.key for item in listed] == ["resumes/abc"]
    assert listed[0].size == 14
    assert listed[0].modified.tzinfo is not None
    # The object really lives under the configured prefix.
    raw = storage.client.list_objects_v2(Bucket=storage.bucket)
    assert [item["Key"] for item in raw["Contents"]] == ["uploads/resumes/abc"]
    await storage.delete("resumes/abc")
    await storage.delete("resumes/abc")  # deleting twice is fine
    assert not await storage.exists("resumes/abc")
    assert [item async for item in storage.list()] == []


async def test_a_file_larger_than_one_part_streams_in_several_parts(storage: S3Storage) -> None:
    data = os.urandom(PART_SIZE * 2 + 12345)
    assert await storage.save("big", chunks(data), "application/octet-stream") == len(data)
    stored = await read_all(storage, "big")
    assert hashlib.sha256(stored).digest() == hashlib.sha256(data).digest()
    head = storage.client.head_object(Bucket=storage.bucket, Key="uploads/big", PartNumber=1)
    assert head["PartsCount"] == 3


async def test_an_empty_file_can_be_stored(storage: S3Storage) -> None:
    assert await storage.save("empty", chunks(b""), "application/pdf") == 0
    assert await read_all(storage, "empty") == b""


async def test_a_failed_upload_leaves_no_object_and_no_unfinished_upload(
    storage: S3Storage,
) -> None:
    with pytest.raises(RuntimeError):
        await storage.save("broken", failing_after(b"partial"), "application/pdf")
    assert not await storage.exists("broken")
    uploads = storage.client.list_multipart_uploads(Bucket=storage.bucket)
    assert uploads.get("Uploads", []) == []


async def test_a_presigned_link_downloads_the_file_with_a_safe_name(storage: S3Storage) -> None:
    await storage.save("resumes/cv", chunks(b"%PDF-1.7 body"), "application/pdf")
    url = await storage.presigned_url(
        "resumes/cv", filename='Zoë "CV"/../x.pdf', content_type="application/pdf", expires_in=300
    )
    assert url is not None
    assert "X-Amz-Expires=300" in url
    async with httpx.AsyncClient() as http:
        response = await http.get(url)
    assert response.status_code == 200
    assert response.content == b"%PDF-1.7 body"
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Zo%C3%AB%20_CV__.._x.pdf" in disposition
    assert "/" not in disposition.split("filename=")[1].split(";")[0]


async def test_a_presigned_link_for_another_key_does_not_work(storage: S3Storage) -> None:
    await storage.save("resumes/a", chunks(b"secret a"), "application/pdf")
    url = await storage.presigned_url(
        "resumes/a", filename="a.pdf", content_type="application/pdf", expires_in=300
    )
    assert url is not None
    async with httpx.AsyncClient() as http:
        response = await http.get(url.replace("resumes/a", "resumes/b"))
    assert response.status_code == 403


async def test_reading_a_missing_file_is_a_storage_error(storage: S3Storage) -> None:
    with pytest.raises(StorageError, match="does not exist"):
        await read_all(storage, "nothing-here")


async def test_an_unreachable_server_is_a_storage_error() -> None:
    down = storage_for(
        "s3://bucket/prefix",
        endpoint_url=f"http://127.0.0.1:{free_port()}",
        access_key_id="x",
        secret_access_key="y",
    )
    with pytest.raises(StorageError):
        await down.save("k", chunks(b"data"), "application/pdf")
    with pytest.raises(StorageError):
        await down.exists("k")


async def test_unfinished_uploads_of_a_crashed_process_are_cleaned_up(storage: S3Storage) -> None:
    storage.client.create_multipart_upload(Bucket=storage.bucket, Key="uploads/orphan")
    # moto reports every upload as initiated in 2010, so "recent" here means after 2000.
    assert await storage.cleanup_incomplete(datetime(2000, 1, 1, tzinfo=UTC)) == 0
    assert await storage.cleanup_incomplete(datetime.now(UTC) + timedelta(minutes=1)) == 1
    uploads = storage.client.list_multipart_uploads(Bucket=storage.bucket)
    assert uploads.get("Uploads", []) == []


@pytest.mark.parametrize("key", ["../escape", "/absolute", "a/../../b", ""])
async def test_keys_cannot_escape_the_prefix(storage: S3Storage, key: str) -> None:
    with pytest.raises(StorageError):
        await storage.save(key, chunks(b"x"), "text/plain")
