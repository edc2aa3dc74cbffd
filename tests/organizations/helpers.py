"""Helpers shared by the organization and invitation tests."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any, TypeVar

import httpx
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.app import ClientMaker
from wegotwork.models import (
    Applicant,
    Invitation,
    Job,
    JobCategory,
    Member,
    Organization,
    OutboxMessage,
    Session,
    User,
)

T = TypeVar("T")


async def fresh(db: AsyncSession, query: Select[Any]) -> list[Any]:
    """Run ``query`` seeing what the app committed (not the test session's cached objects)."""
    result = await db.execute(query.execution_options(populate_existing=True))
    return list(result.scalars().all())


async def one(db: AsyncSession, query: Select[Any]) -> Any:
    result = await db.execute(query.execution_options(populate_existing=True))
    return result.scalar_one_or_none()


async def reload(db: AsyncSession, obj: T) -> T:
    await db.refresh(obj)
    return obj


async def signed_in(
    db: AsyncSession, clients: ClientMaker, *, email: str | None = None, name: str | None = None
) -> tuple[User, httpx.AsyncClient, Session]:
    """A new user with a session, and a browser client signed in as them."""
    user = await factories.make_user(db, email=email, name=name)
    session = await factories.make_session(db, user)
    await db.commit()
    return user, clients.browser(session.token), session


async def snapshot(db: AsyncSession, organization_id: str) -> dict[str, Any]:
    """Everything about one organization that an outsider must not be able to change."""
    org = await one(db, select(Organization).where(Organization.id == organization_id))

    async def rows(model: Any, *columns: Any) -> list[tuple[Any, ...]]:
        result = await db.execute(
            select(*columns).where(model.organization_id == organization_id).order_by(*columns)
        )
        return [tuple(row) for row in result]

    return {
        "organization": (
            org.name,
            org.slug,
            org.description,
            org.website,
            org.logo,
            org.content_version,
        ),
        "members": await rows(Member, Member.id, Member.user_id, Member.role),
        "invitations": await rows(
            Invitation, Invitation.id, Invitation.email, Invitation.status, Invitation.expires_at
        ),
        "categories": await rows(JobCategory, JobCategory.id, JobCategory.name),
        "jobs": await rows(Job, Job.id, Job.title, Job.status),
        "applicants": await rows(Applicant, Applicant.id, Applicant.status),
    }


async def outbox_to(db: AsyncSession, address: str) -> list[OutboxMessage]:
    return await fresh(
        db,
        select(OutboxMessage)
        .where(func.lower(OutboxMessage.to_address) == address.lower())
        .order_by(OutboxMessage.created_at),
    )


def png(width: int = 4, height: int = 4) -> bytes:
    """A real, tiny PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00" + b"\x00" * 32
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04" + b"\x00" * 20
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)


def upload(content: bytes, filename: str = "logo.png", content_type: str = "image/png") -> Any:
    return {"logo": (filename, io.BytesIO(content), content_type)}
