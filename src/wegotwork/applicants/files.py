"""Résumé files: the type is decided by the bytes, the size limit is enforced as they arrive.

``ResumeInspector`` sits between the upload and the storage backend. It passes chunks through
unchanged while it counts them (413 the moment the limit is passed) and looks at the first
bytes (415 unless they are a PDF, a Word 97-2003 document or a zip). A zip is a DOCX only if
its central directory, read from the last bytes, lists ``word/document.xml``; that is known at
the end of the stream, and an exception there still aborts the storage write, so nothing of a
refused file is ever kept.
"""

from __future__ import annotations

import struct
from collections.abc import AsyncIterable, AsyncIterator

import filetype

from wegotwork.errors import Invalid, PayloadTooLarge, UnsupportedMediaType

MAX_RESUME_BYTES = 5 * 1024 * 1024
SNIFF_BYTES = 8 * 1024
ZIP_TAIL_BYTES = 64 * 1024

PDF = "application/pdf"
DOC = "application/msword"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
_ZIP_PENDING = "zip"
# Look-alikes that share a container with what we accept but are not résumés.
_LOOKALIKES = {
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/epub+zip",
}

TOO_LARGE = "The résumé must be at most 5 MB"
WRONG_TYPE = "The résumé must be a PDF, DOC or DOCX file"
EMPTY = "The résumé file is empty"


def resume_too_large() -> PayloadTooLarge:
    return PayloadTooLarge(TOO_LARGE, field_errors={"resume": [TOO_LARGE]})


def unsupported_resume() -> UnsupportedMediaType:
    return UnsupportedMediaType(WRONG_TYPE, field_errors={"resume": [WRONG_TYPE]})


class EmptyResume(Invalid):
    def __init__(self) -> None:
        super().__init__(EMPTY, field_errors={"resume": [EMPTY]})


def sniff(head: bytes) -> str:
    """PDF, DOC, or "zip" (to be confirmed as DOCX at the end) from a file's first bytes."""
    guess = filetype.guess(head)
    mime = guess.mime if guess is not None else None
    if mime in _LOOKALIKES:
        raise unsupported_resume()
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(OLE2_SIGNATURE):
        return DOC
    if head.startswith(ZIP_SIGNATURE):
        return _ZIP_PENDING
    raise unsupported_resume()


def zip_entry_names(tail: bytes, total_size: int) -> list[str] | None:
    """The names in a zip's central directory, read from its last bytes (``tail``).

    None when the directory is not wholly inside ``tail`` or is malformed (zip64 included:
    a résumé never needs it).
    """
    eocd = tail.rfind(b"PK\x05\x06")
    if eocd < 0 or len(tail) - eocd < 22:
        return None
    _sig, _disk, _cd_disk, _here, count, cd_size, cd_offset, _comment = struct.unpack(
        "<IHHHHIIH", tail[eocd : eocd + 22]
    )
    tail_offset = total_size - len(tail)
    position = cd_offset - tail_offset
    if position < 0 or cd_offset + cd_size > total_size:
        return None
    names: list[str] = []
    for _ in range(count):
        header = tail[position : position + 46]
        if len(header) < 46 or not header.startswith(b"PK\x01\x02"):
            return None
        name_length, extra_length, comment_length = struct.unpack("<HHH", header[28:34])
        names.append(
            tail[position + 46 : position + 46 + name_length].decode("utf-8", errors="replace")
        )
        position += 46 + name_length + extra_length + comment_length
    return names


class ResumeInspector:
    """Reads an upload's first bytes to decide its type, then passes every chunk on while
    counting them, so that the storage write can start only for a plausible résumé.

        inspector = ResumeInspector(part.chunks())
        content_type = await inspector.begin()      # 413, 415 or EmptyResume right away
        await storage.save(key, inspector.stream(), content_type)
        inspector.content_type                       # confirmed once the stream is done
    """

    def __init__(self, chunks: AsyncIterable[bytes], *, limit: int = MAX_RESUME_BYTES) -> None:
        self._chunks = aiter(chunks)
        self.limit = limit
        self.size = 0
        self.content_type: str | None = None
        self._kind: str | None = None
        self._head = b""
        self._exhausted = False

    async def _read(self) -> bytes | None:
        while True:
            try:
                chunk = await anext(self._chunks)
            except StopAsyncIteration:
                self._exhausted = True
                return None
            if chunk:
                self.size += len(chunk)
                if self.size > self.limit:
                    raise resume_too_large()
                return chunk

    async def begin(self) -> str:
        """Read the first bytes and decide the type: the content type to store it with."""
        head = bytearray()
        while len(head) < SNIFF_BYTES:
            chunk = await self._read()
            if chunk is None:
                break
            head += chunk
        if not head:
            raise EmptyResume()
        self._head = bytes(head)
        self._kind = sniff(self._head)
        return DOCX if self._kind == _ZIP_PENDING else self._kind

    async def stream(self) -> AsyncIterator[bytes]:
        """Every byte of the file, for the storage backend. Raises 413, or 415 at the end when
        a zip turns out not to be a Word document."""
        if self._kind is None:
            raise RuntimeError("begin() first")
        tail = bytearray()
        chunk: bytes | None = self._head
        self._head = b""
        while chunk is not None:
            if self._kind == _ZIP_PENDING:
                tail += chunk
                if len(tail) > 2 * ZIP_TAIL_BYTES:
                    del tail[:-ZIP_TAIL_BYTES]
            yield chunk
            chunk = None if self._exhausted else await self._read()
        kind = self._kind
        if kind == _ZIP_PENDING:
            names = zip_entry_names(bytes(tail[-ZIP_TAIL_BYTES:]), self.size)
            if names is None or "word/document.xml" not in names:
                raise unsupported_resume()
            kind = DOCX
        self.content_type = kind
