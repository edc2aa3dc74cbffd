"""File names made safe for headers and file systems."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from wegotwork.storage import LocalStorage, content_disposition, safe_filename


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("cv.pdf", "cv.pdf"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ("..\\windows\\cv.doc", "_windows_cv.doc"),
        ('my "best" cv.pdf', "my _best_ cv.pdf"),
        ("line\r\nbreak\x00.pdf", "line break .pdf"),
        ("   ", "file"),
        ("...", "file"),
        ("Zoë Müller – CV.docx", "Zoë Müller – CV.docx"),
        ("right\u202eto-left.pdf", "right to-left.pdf"),
    ],
)
def test_unsafe_characters_are_removed(given: str, expected: str) -> None:
    assert safe_filename(given) == expected


def test_long_names_keep_their_extension() -> None:
    name = safe_filename("a" * 400 + ".pdf")
    assert len(name) <= 150
    assert name.endswith(".pdf")


def test_content_disposition_has_an_ascii_fallback_and_utf8_name() -> None:
    header = content_disposition('Zoë "CV"\r\n.pdf')
    assert header == (
        "attachment; filename=\"Zoe _CV_ .pdf\"; filename*=UTF-8''Zo%C3%AB%20_CV_%20.pdf"
    )
    assert content_disposition("cv.pdf", inline=True).startswith("inline; ")
    assert "\r" not in header
    assert "\n" not in header


async def test_local_storage_removes_stale_temporary_files(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    (tmp_path / "resumes").mkdir()
    stale = tmp_path / "resumes" / ".abc.part"
    fresh = tmp_path / "resumes" / ".def.part"
    kept = tmp_path / "resumes" / "ghi"
    for path in (stale, fresh, kept):
        path.write_bytes(b"x")
    old = time.time() - 7200
    os.utime(stale, (old, old))
    os.utime(kept, (old, old))
    cutoff = datetime.fromtimestamp(time.time() - 3600, UTC)
    assert await storage.cleanup_incomplete(cutoff) == 1
    assert not stale.exists()
    assert fresh.exists()
    assert kept.exists()
