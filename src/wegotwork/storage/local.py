"""Files in a local directory, written atomically (temporary file, then rename)."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import AsyncIterable, AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import anyio

from wegotwork.storage.base import StorageError, StoredObject

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-./]{0,254}$")
CHUNK = 64 * 1024
WRITE_BATCH = 256 * 1024


def _create(temporary: Path) -> BinaryIO:
    temporary.parent.mkdir(parents=True, exist_ok=True)
    return temporary.open("wb")


def _finish(handle: BinaryIO, pending: list[bytes], temporary: Path, path: Path) -> None:
    with handle:
        handle.writelines(pending)
    temporary.rename(path)


def _abandon(handle: BinaryIO | None, temporary: Path) -> None:
    """Remove what a failed save left; what cannot be removed is left to ``storage gc``."""
    with contextlib.suppress(OSError):
        if handle is not None:
            handle.close()
        temporary.unlink(missing_ok=True)


async def _clean_up(handle: BinaryIO | None, temporary: Path) -> None:
    """Remove an unfinished file if it can be, even while the request is being cancelled; when
    the directory itself is gone or unusable there is nothing to remove, and the original
    failure is what the caller must see."""
    with anyio.CancelScope(shield=True):
        await anyio.to_thread.run_sync(_abandon, handle, temporary)


class LocalStorage:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not _KEY.match(key) or ".." in key.split("/"):
            raise StorageError(f"invalid storage key {key!r}")
        return self.root / key

    async def save(self, key: str, chunks: AsyncIterable[bytes], content_type: str) -> int:
        path = self._path(key)
        temporary = path.with_name(f".{path.name}.part")
        size = 0
        handle: BinaryIO | None = None
        # Chunks are gathered up to WRITE_BATCH and written in one trip to a worker thread:
        # a résumé of a few hundred KB costs two trips (open; write, close and rename), and
        # memory per upload stays bounded whatever the file's size.
        pending: list[bytes] = []
        pending_size = 0
        try:
            handle = await anyio.to_thread.run_sync(_create, temporary)
            async for chunk in chunks:
                size += len(chunk)
                pending.append(chunk)
                pending_size += len(chunk)
                if pending_size >= WRITE_BATCH:
                    await anyio.to_thread.run_sync(handle.writelines, pending)
                    pending, pending_size = [], 0
            await anyio.to_thread.run_sync(_finish, handle, pending, temporary, path)
        except OSError as exc:
            await _clean_up(handle, temporary)
            raise StorageError(f"cannot write {key}: {exc.strerror or exc}") from exc
        except BaseException:
            await _clean_up(handle, temporary)
            raise
        return size

    async def open(self, key: str) -> AsyncIterator[bytes]:
        path = self._path(key)
        try:
            handle = await anyio.open_file(path, "rb")
        except OSError as exc:
            raise StorageError(f"cannot read {key}: {exc.strerror or exc}") from exc
        async with handle:
            while chunk := await handle.read(CHUNK):
                yield chunk

    async def delete(self, key: str) -> None:
        try:
            await anyio.Path(self._path(key)).unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot delete {key}: {exc.strerror or exc}") from exc

    async def exists(self, key: str) -> bool:
        return await anyio.Path(self._path(key)).is_file()

    async def list(self, prefix: str = "") -> AsyncIterator[StoredObject]:
        def scan() -> list[StoredObject]:
            found: list[StoredObject] = []
            if not self.root.is_dir():
                return found
            for directory, _dirs, files in os.walk(self.root):
                for name in files:
                    if name.startswith("."):
                        continue
                    path = Path(directory) / name
                    key = path.relative_to(self.root).as_posix()
                    if key.startswith(prefix):
                        stat = path.stat()
                        found.append(
                            StoredObject(
                                key, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC)
                            )
                        )
            return found

        for item in await anyio.to_thread.run_sync(scan):
            yield item

    async def presigned_url(
        self,
        key: str,
        *,
        filename: str,
        content_type: str,
        expires_in: int,
        inline: bool = False,
    ) -> str | None:
        return None

    async def cleanup_incomplete(self, older_than: datetime) -> int:
        """Temporary ``.<name>.part`` files left by a process that died while writing."""

        def scan() -> int:
            removed = 0
            if not self.root.is_dir():
                return removed
            limit = older_than.timestamp()
            for directory, _dirs, files in os.walk(self.root):
                for name in files:
                    if not (name.startswith(".") and name.endswith(".part")):
                        continue
                    path = Path(directory) / name
                    try:
                        if path.stat().st_mtime < limit:
                            path.unlink()
                            removed += 1
                    except FileNotFoundError:
                        continue
            return removed

        try:
            return await anyio.to_thread.run_sync(scan)
        except OSError as exc:
            raise StorageError(f"cannot clean up: {exc.strerror or exc}") from exc
