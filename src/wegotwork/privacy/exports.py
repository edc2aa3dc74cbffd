"""The export zip: ``applicant.json`` (everything held, by section) and ``files/...``."""

from __future__ import annotations

import io
import json
import zipfile

from wegotwork.privacy.actions import Export
from wegotwork.storage.base import Storage, StorageError

DOCUMENT = "applicant.json"


async def zip_bytes(export: Export, storage: Storage) -> bytes:
    """The zip of ``export``; a file storage no longer has is listed in ``missingFiles``."""
    buffer = io.BytesIO()
    missing: list[str] = []
    used: set[str] = set()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in export.files:
            name = file.name
            counter = 1
            while name in used:
                counter += 1
                name = f"{counter}-{file.name}"
            used.add(name)
            try:
                chunks = [chunk async for chunk in storage.open(file.key)]
            except StorageError:
                missing.append(name)
                continue
            archive.writestr(f"files/{name}", b"".join(chunks))
        document = dict(export.document)
        if missing:
            document["missingFiles"] = missing
        archive.writestr(DOCUMENT, json.dumps(document, ensure_ascii=False, indent=2, default=str))
    return buffer.getvalue()


def filename(export: Export) -> str:
    return f"applicant-{export.applicant_id}.zip"
