"""Retention settings: defaults, bounds (1-120 months, at least 7 days), admins only; the
privacy page shows the errors next to the fields and keeps what was typed."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.fixtures.world import World

pytestmark = pytest.mark.usefixtures("dialect")


async def test_defaults_and_changes(db: AsyncSession, world: World) -> None:
    url = f"/api/v1/organizations/{world.org.id}/privacy"
    admin = world.api("admin")
    assert (await admin.get(url)).json() == {
        "settings": {"retentionMonths": 24, "quarantineDays": 30}
    }
    changed = await admin.patch(url, json={"retentionMonths": 6, "quarantineDays": 7})
    assert changed.status_code == 200
    assert changed.json()["settings"] == {"retentionMonths": 6, "quarantineDays": 7}
    assert (await world.api("member").get(url)).status_code == 403
    assert (await world.api("member").patch(url, json={"retentionMonths": 3})).status_code == 403
    assert (await world.api("outsider").get(url)).status_code == 404
    audit = (await admin.get(f"{url}/audit")).json()["entries"]
    assert audit[0]["action"] == "settings"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"retentionMonths": 0}, "retentionMonths"),
        ({"retentionMonths": 121}, "retentionMonths"),
        ({"quarantineDays": 6}, "quarantineDays"),
        ({"quarantineDays": -1}, "quarantineDays"),
        ({"retentionMonths": "soon"}, "retentionMonths"),
    ],
)
async def test_bad_settings_are_refused_with_the_field(
    db: AsyncSession, world: World, body: dict[str, object], field: str
) -> None:
    url = f"/api/v1/organizations/{world.org.id}/privacy"
    refused = await world.api("owner").patch(url, json=body)
    assert refused.status_code == 422
    payload = refused.json()
    assert payload["error"] is True
    assert field in payload["fieldErrors"]
    assert (await world.api("owner").get(url)).json()["settings"] == {
        "retentionMonths": 24,
        "quarantineDays": 30,
    }


async def test_the_page_saves_and_shows_errors(db: AsyncSession, world: World) -> None:
    browser = world.browser("admin")
    page_url = f"/dashboard/{world.org.slug}/privacy"
    page = await browser.get(page_url)
    assert page.status_code == 200
    assert "Retention" in page.text
    bad = await browser.post(page_url, data={"retentionMonths": "200", "quarantineDays": "3"})
    assert bad.status_code == 422
    assert 'aria-invalid="true"' in bad.text
    assert 'value="200"' in bad.text
    good = await browser.post(page_url, data={"retentionMonths": "12", "quarantineDays": "14"})
    assert good.status_code == 303
    assert (await browser.get(page_url)).text.count('value="12"') == 1
    member_page = await world.browser("member").get(page_url)
    assert member_page.status_code == 403
    overview = await world.browser("member").get(f"/dashboard/{world.org.slug}")
    assert f"/dashboard/{world.org.slug}/privacy" not in overview.text
    admin_overview = await browser.get(f"/dashboard/{world.org.slug}")
    assert f"/dashboard/{world.org.slug}/privacy" in admin_overview.text
