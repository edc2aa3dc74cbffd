"""Logos: uploaded images judged by their bytes, stored under fresh keys, served with caching."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.fixtures.world import World
from tests.organizations.helpers import GIF, JPEG, SVG, WEBP, one, png, upload
from wegotwork.deps import Services
from wegotwork.models import Organization
from wegotwork.organizations.rules import LOGO_MAX_BYTES


async def test_an_admin_uploads_a_logo_that_is_served_publicly_with_caching(
    db: AsyncSession, world: World, services: Services
) -> None:
    image = png()
    version = world.org.content_version
    response = await world.api("admin").put(
        f"/api/v1/organizations/{world.org.id}/logo", files=upload(image)
    )
    assert response.status_code == 200, response.text
    logo = response.json()["organization"]["logo"]
    assert logo.startswith(f"http://testserver/media/logos/{world.org.id}/")
    assert logo.endswith(".png")

    org = await one(db, select(Organization).where(Organization.id == world.org.id))
    assert org.logo is not None
    assert await services.storage.exists(org.logo)
    assert org.content_version == version + 1

    served = await world.anonymous.get(logo.removeprefix("http://testserver"))
    assert served.status_code == 200
    assert served.content == image
    assert served.headers["content-type"] == "image/png"
    assert "immutable" in served.headers["cache-control"]
    assert served.headers["x-content-type-options"] == "nosniff"


async def test_replacing_the_logo_removes_the_old_file(
    db: AsyncSession, world: World, services: Services
) -> None:
    url = f"/api/v1/organizations/{world.org.id}/logo"
    first = (await world.api("owner").put(url, files=upload(png()))).json()["organization"]["logo"]
    old_key = first.split("/media/")[1]
    second = await world.api("owner").put(url, files=upload(JPEG, "photo.jpg", "image/jpeg"))
    assert second.status_code == 200
    new_logo = second.json()["organization"]["logo"]
    assert new_logo.endswith(".jpg")
    assert not await services.storage.exists(old_key)
    assert await services.storage.exists(new_logo.split("/media/")[1])
    assert (await world.anonymous.get(first.removeprefix("http://testserver"))).status_code == 404

    webp = await world.api("owner").put(url, files=upload(WEBP, "x.webp", "image/webp"))
    assert webp.status_code == 200

    removed = await world.api("owner").delete(url)
    assert removed.status_code == 200
    assert removed.json()["organization"]["logo"] is None
    org = await one(db, select(Organization).where(Organization.id == world.org.id))
    assert org.logo is None
    assert [item async for item in services.storage.list(f"logos/{world.org.id}/")] == []


async def test_only_png_jpeg_and_webp_by_content_are_accepted(
    db: AsyncSession, world: World, services: Services
) -> None:
    url = f"/api/v1/organizations/{world.org.id}/logo"
    for content, name, declared in [
        (SVG, "logo.svg", "image/svg+xml"),
        (SVG, "logo.png", "image/png"),  # a lying file name and type change nothing
        (GIF, "logo.gif", "image/gif"),
        (b"<html><script>alert(1)</script>", "logo.png", "image/png"),
    ]:
        response = await world.api("admin").put(url, files=upload(content, name, declared))
        assert response.status_code == 415, name
        assert response.json()["error"] is True
        assert "PNG, JPEG or WebP" in response.json()["message"]
    empty = await world.api("admin").put(url, files=upload(b""))
    assert empty.status_code == 422
    assert "logo" in empty.json()["fieldErrors"]
    org = await one(db, select(Organization).where(Organization.id == world.org.id))
    assert org.logo is None
    assert [item async for item in services.storage.list("logos/")] == []


async def test_logos_over_two_megabytes_are_refused(db: AsyncSession, world: World) -> None:
    big = png() + b"\x00" * LOGO_MAX_BYTES
    response = await world.api("admin").put(
        f"/api/v1/organizations/{world.org.id}/logo", files=upload(big)
    )
    assert response.status_code == 413
    huge = png() + b"\x00" * (4 * 1024 * 1024)
    response = await world.api("admin").put(
        f"/api/v1/organizations/{world.org.id}/logo", files=upload(huge)
    )
    assert response.status_code == 413


async def test_members_cannot_change_the_logo(db: AsyncSession, world: World) -> None:
    response = await world.api("member").put(
        f"/api/v1/organizations/{world.org.id}/logo", files=upload(png())
    )
    assert response.status_code == 403


async def test_only_current_logos_are_served(
    db: AsyncSession, world: World, services: Services
) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        yield b"%PDF secret resume"

    await services.storage.save(f"logos/{world.org.id}/stray.png", chunks(), "image/png")
    await services.storage.save("resumes/x/cv.pdf", chunks(), "application/pdf")
    for path in [
        f"/media/logos/{world.org.id}/stray.png",
        f"/media/logos/{world.org.id}/..%2F..%2Fresumes%2Fx%2Fcv.pdf",
        "/media/logos/x/cv.pdf",
        "/media/logos/nope/nope.png",
    ]:
        assert (await world.anonymous.get(path)).status_code == 404, path
