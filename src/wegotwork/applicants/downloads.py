"""Serving a résumé to a member who may see it (the caller has checked that already).

A download is an attachment with a safe name; with S3 it is a redirect to a presigned link
valid for five minutes. The in-page viewer gets the PDF inline, always through this server
(a page may only frame its own origin), under a CSP that sandboxes the document. Nothing is
ever served inline but a PDF, and ``nosniff`` stops a browser from guessing otherwise.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from fastapi.responses import RedirectResponse, Response, StreamingResponse

from wegotwork.deps import Services
from wegotwork.errors import Unavailable
from wegotwork.models import Applicant
from wegotwork.storage import StorageError, content_disposition

PRESIGNED_SECONDS = 300
UNREADABLE = "The résumé cannot be read right now. Please try again in a few minutes."
INLINE_CSP = (
    "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'"
)
PDF = "application/pdf"


@dataclass(frozen=True, slots=True)
class ResumeFile:
    """What serving a résumé needs, detached from the session (which may be closed first)."""

    key: str
    filename: str
    content_type: str
    size: int | None

    @classmethod
    def of(cls, applicant: Applicant) -> ResumeFile:
        assert applicant.resume_key is not None
        return cls(
            key=applicant.resume_key,
            filename=applicant.resume_filename or "resume",
            content_type=applicant.resume_content_type or "application/octet-stream",
            size=applicant.resume_size,
        )


async def resume_link(services: Services, applicant: Applicant) -> str | None:
    """What the API offers as ``resumeUrl``: a presigned link with S3, else our route."""
    if not applicant.resume_key:
        return None
    try:
        url = await services.storage.presigned_url(
            applicant.resume_key,
            filename=applicant.resume_filename or "resume",
            content_type=applicant.resume_content_type or "application/octet-stream",
            expires_in=PRESIGNED_SECONDS,
        )
    except StorageError:
        url = None
    return url or f"{services.settings.base_url}/api/v1/applicants/{applicant.id}/resume"


async def resume_response(
    services: Services, file: ResumeFile, *, inline: bool = False
) -> Response:
    """The résumé as an attachment (or a presigned redirect), or inline when it is a PDF."""
    content_type = file.content_type
    filename = file.filename
    inline = inline and content_type == PDF
    headers = {
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": content_disposition(filename, inline=inline),
    }
    if not inline:
        try:
            url = await services.storage.presigned_url(
                file.key,
                filename=filename,
                content_type=content_type,
                expires_in=PRESIGNED_SECONDS,
            )
        except StorageError as exc:
            raise Unavailable(UNREADABLE) from exc
        if url:
            return RedirectResponse(
                url,
                status_code=303,
                headers={"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"},
            )
    chunks = services.storage.open(file.key)
    # Read the first chunk before answering, so that an unreadable file is a clean 503
    # rather than a response that breaks off after its headers.
    try:
        first = await anext(chunks, b"")
    except StorageError as exc:
        raise Unavailable(UNREADABLE) from exc

    async def body() -> AsyncIterator[bytes]:
        try:
            if first:
                yield first
            async for chunk in chunks:
                yield chunk
        finally:
            await chunks.aclose()  # type: ignore[attr-defined]

    if file.size is not None:
        headers["Content-Length"] = str(file.size)
    if inline:
        headers["Content-Security-Policy"] = INLINE_CSP
        headers["X-Frame-Options"] = "SAMEORIGIN"
    return StreamingResponse(body(), media_type=content_type, headers=headers)
