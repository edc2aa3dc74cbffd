"""Stored files and the transaction that refers to them: write first, commit, and on failure
take the files back; after a deletion has committed, remove the files it orphaned.

A file is never removed before the commit that stops referring to it (a rollback would leave
rows pointing at nothing). A file that cannot be removed stays unreferenced, and
``wegotwork storage gc`` removes it later.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.storage.base import Storage

log = logging.getLogger("wegotwork.storage")


async def discard_files(storage: Storage, keys: Iterable[str | None]) -> None:
    """Delete stored files no row refers to any more; failures are logged, never raised, and a
    cancelled request still finishes the deletions."""
    with anyio.CancelScope(shield=True):
        for key in keys:
            if not key:
                continue
            try:
                await storage.delete(key)
            except Exception as exc:
                log.warning("could not delete stored file %s: %s", key, exc)


async def commit_or_discard(
    db: AsyncSession, storage: Storage, written: Iterable[str | None]
) -> None:
    """Commit the request's transaction; when the commit fails, delete the files this request
    wrote (``written``) before the error goes on."""
    try:
        await db.commit()
    except BaseException:
        await discard_files(storage, written)
        raise
