"""Building blocks for applicant tests: real documents made on the spot, hand-made multipart
bodies (so that tests control every byte, down to a broken filename or a truncated body), and
a look at what is stored."""

from __future__ import annotations

import io
import os
import secrets
import zipfile
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx

from wegotwork.seed import tiny_pdf
from wegotwork.storage import Storage

MB5 = 5 * 1024 * 1024
PDF = "application/pdf"


def pdf_bytes(title: str = "Ada Lovelace") -> bytes:
    return tiny_pdf(title)


def docx_bytes() -> bytes:
    """A minimal Word document: a zip with [Content_Types].xml and word/document.xml."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"/>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Ada Lovelace</w:t></w:r></w:p>'
            "</w:body></w:document>",
        )
    return buffer.getvalue()


def big_docx_bytes(media: int = 1_500_000) -> bytes:
    """A Word document with a large picture stored first, so its directory is far from the
    start and the upload arrives in many chunks."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/media/image1.png", os.urandom(media))
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def plain_zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "not a word document")
    return buffer.getvalue()


def doc_bytes() -> bytes:
    """A Word 97-2003 file as far as its container goes: the OLE2 compound-file header."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    header[0x18:0x1A] = b"\x3e\x00"  # minor version
    header[0x1A:0x1C] = b"\x03\x00"  # major version 3
    header[0x1C:0x1E] = b"\xfe\xff"  # little-endian
    header[0x1E:0x20] = b"\x09\x00"  # 512-byte sectors
    return bytes(header) + b"\x00" * 1536


def png_bytes() -> bytes:
    return (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
        b"\x00\x1f\x15\xc4\x89\x00\x00\x00\nIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01\r\n-\xb4"
        b"\x00\x00\x00\x00IEND\xaeB`\x82"
    )


def html_bytes() -> bytes:
    return b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


@dataclass
class Upload:
    filename: str
    content: bytes
    content_type: str = "application/pdf"


def candidate(**overrides: str) -> dict[str, str]:
    fields = {
        "name": "Ada Lovelace",
        "email": f"ada.{secrets.token_hex(3)}@example.com",
        "motivation": "I love engines, analytical ones most of all.",
        "linkedIn": "https://www.linkedin.com/in/ada-lovelace",
        "twitter": "https://x.com/ada",
        "github": "https://github.com/ada",
    }
    fields.update(overrides)
    return {key: value for key, value in fields.items() if value is not None}


def multipart(
    fields: Mapping[str, str], files: Mapping[str, Upload] | None = None
) -> tuple[bytes, str]:
    """A multipart/form-data body written byte by byte: (body, content type)."""
    boundary = "----wegotwork" + secrets.token_hex(8)
    out = bytearray()
    for name, value in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        out += value.encode() + b"\r\n"
    for name, upload in (files or {}).items():
        out += (
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="{name}"; filename="{upload.filename}"\r\n'
            f"Content-Type: {upload.content_type}\r\n\r\n"
        ).encode()
        out += upload.content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def apply_url(job_id: str) -> str:
    return f"/api/v1/public/jobs/{job_id}/applications"


async def apply(
    client: httpx.AsyncClient,
    job_id: str,
    fields: Mapping[str, str] | None = None,
    resume: Upload | None = None,
    *,
    url: str | None = None,
) -> httpx.Response:
    if resume is None:
        resume = Upload("Ada Lovelace CV.pdf", pdf_bytes())
    fields = dict(candidate() if fields is None else fields)
    if url is not None and "/api/" not in url:
        # The HTML form carries its signed render time; a person sends it seconds later.
        fields.setdefault(FORM_TOKEN_FIELD, human_form_token())
    body, content_type = multipart(fields, {"resume": resume} if resume.filename else {})
    return await client.post(
        url or apply_url(job_id), content=body, headers={"content-type": content_type}
    )


FORM_TOKEN_FIELD = "renderedAt"


def human_form_token(seconds_ago: int = 30) -> str:
    """The render token of an HTML apply form served ``seconds_ago`` (by the test clock)."""
    from tests.fixtures.app import TEST_SECRET
    from wegotwork import clock
    from wegotwork.forms.spam import render_token

    return render_token(TEST_SECRET, clock.now() - timedelta(seconds=seconds_ago))


def stored_files(root: Path) -> list[Path]:
    """Every file under the storage root, temporary ones included."""
    if not root.exists():
        return []
    return sorted(path for path in root.rglob("*") if path.is_file())


async def body_stream(parts: Iterable[bytes], pulled: list[int]) -> AsyncIterator[bytes]:
    """Yield ``parts``, recording in ``pulled`` how many bytes the server asked for."""
    for part in parts:
        pulled.append(len(part))
        yield part


def random_bytes(size: int) -> bytes:
    return os.urandom(size)


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def store_resume(storage: Storage, content: bytes, content_type: str = PDF) -> str:
    """Put a résumé into the app's storage directly; returns its key."""
    key = f"resumes/{secrets.token_hex(12)}"
    await storage.save(key, _one(content), content_type)
    return key
