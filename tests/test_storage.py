"""Local file storage: atomic writes, safe keys, streaming reads."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from wegotwork.storage import LocalStorage, StorageError


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def failing_chunks() -> AsyncIterator[bytes]:
    yield b"partial"
    raise RuntimeError("client went away")


async def test_save_open_list_delete(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    size = await storage.save("resumes/abc.pdf", chunks(b"%PDF-", b"1.4"), "application/pdf")
    assert size == 8
    assert await storage.exists("resumes/abc.pdf")
    assert b"".join([part async for part in storage.open("resumes/abc.pdf")]) == b"%PDF-1.4"
    assert [item.key async for item in storage.list("resumes/")] == ["resumes/abc.pdf"]
    await storage.delete("resumes/abc.pdf")
    await storage.delete("resumes/abc.pdf")  # deleting twice is fine
    assert not await storage.exists("resumes/abc.pdf")


async def test_a_failed_upload_leaves_nothing(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    with pytest.raises(RuntimeError):
        await storage.save("resumes/broken.pdf", failing_chunks(), "application/pdf")
    assert [item async for item in storage.list()] == []
    assert list(tmp_path.rglob("*")) in ([], [tmp_path / "resumes"])


@pytest.mark.parametrize("key", ["../escape", "/etc/passwd", "a/../../b", "", ".hidden"])
async def test_keys_cannot_escape_the_root(tmp_path: Path, key: str) -> None:
    storage = LocalStorage(tmp_path / "root")
    with pytest.raises(StorageError):
        await storage.save(key, chunks(b"x"), "text/plain")


async def test_a_directory_that_is_not_one_is_a_storage_error(tmp_path: Path) -> None:
    (tmp_path / "resumes").write_text("a file where the directory should be")
    storage = LocalStorage(tmp_path)
    with pytest.raises(StorageError):
        await storage.save("resumes/cv.pdf", chunks(b"%PDF-1.4"), "application/pdf")
