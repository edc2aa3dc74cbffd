"""Files to remove once a deletion has committed (never before: a rollback would leave rows
pointing at nothing)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from wegotwork.storage import Storage

log = logging.getLogger("wegotwork.jobs")


async def remove_files(storage: Storage, keys: Iterable[str]) -> None:
    """Delete each stored file; a failure is logged and left for ``storage gc``."""
    for key in keys:
        try:
            await storage.delete(key)
        except Exception:
            log.warning("could not remove a stored file after deleting its job", exc_info=True)
