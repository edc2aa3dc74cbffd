"""Public organization media: logos at /media/logos/{orgId}/{name}.

Each upload gets a fresh random name, so a logo URL never changes content and browsers and
proxies may keep it for a year. Only the file the organization currently uses is served: a
replaced logo, or any other stored file, is a 404.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import select

from wegotwork.deps import DbSession, ServicesDep
from wegotwork.errors import NotFound
from wegotwork.models import Organization
from wegotwork.organizations import rules
from wegotwork.storage import StorageError

router = APIRouter(include_in_schema=False)

IMMUTABLE = "public, max-age=31536000, immutable"


@router.get("/media/logos/{orgId}/{name}")
async def logo(orgId: str, name: str, db: DbSession, services: ServicesDep) -> Response:
    key = f"{rules.LOGO_PREFIX}{orgId}/{name}"
    extension = name.rpartition(".")[2]
    content_type = rules.LOGO_EXTENSIONS.get(extension)
    current = await db.scalar(select(Organization.logo).where(Organization.id == orgId))
    if content_type is None or current != key:
        raise NotFound("Logo does not exist")
    try:
        content = b"".join([chunk async for chunk in services.storage.open(key)])
    except StorageError as exc:
        raise NotFound("Logo does not exist") from exc
    return Response(
        content,
        media_type=content_type,
        headers={"cache-control": IMMUTABLE, "etag": f'"{name}"'},
    )
