"""The careers page's list items are rendered once and kept: a kept item is used only for the
same job values, link prefix and tracking parameters, and a change to any of them shows at once."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.app import make_settings
from tests.fixtures.world import World
from wegotwork.careers.fragments import JobItems
from wegotwork.careers.queries import ListedJob
from wegotwork.models import JobType
from wegotwork.templating import Templates

pytestmark = pytest.mark.usefixtures("dialect")

ITEM = re.compile(r"<li><a href=\"[^\"]*\">.*?</a></li>")


def items_of(html: str) -> list[str]:
    return ITEM.findall(html)


async def test_each_link_prefix_and_tracking_link_gets_its_own_items(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    job = await factories.make_job(db, world.org, title="Backend Engineer")
    await db.commit()
    page = f"/careers/{world.org.slug}"

    tracked = items_of((await client.get(f"{page}?src=newsletter")).text)
    plain = items_of((await client.get(page)).text)
    other = items_of((await client.get(f"{page}?utm_source=a%22b&q=backend")).text)

    assert tracked == [
        f'<li><a href="/careers/{world.org.slug}/jobs/{job.id}?src=newsletter">'
        '<span class="job-title">Backend Engineer</span><span class="job-meta">'
        "Berlin, Germany · Full-time · Mid level</span></a></li>"
    ]
    assert plain == [tracked[0].replace("?src=newsletter", "")]
    assert other == [tracked[0].replace("?src=newsletter", "?utm_source=a%22b")]


async def test_a_changed_job_gets_a_new_item_and_the_others_stay(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    changed = await factories.make_job(db, world.org, title="Backend Engineer")
    await factories.make_job(db, world.org, title="Data <Analyst> & Co")
    await db.commit()
    page = f"/careers/{world.org.slug}"
    before = items_of((await client.get(page)).text)

    response = await world.api("member").patch(
        f"/api/v1/jobs/{changed.id}",
        json={
            "city": "Lisbon",
            "country": "PT",
            "workMode": "hybrid",
            "experienceLevel": "senior",
            "salaryMin": 50000,
            "salaryMax": 70000,
            "salaryCurrency": "EUR",
            "showSalary": True,
        },
    )
    assert response.status_code == 200, response.text
    after = items_of((await client.get(page)).text)

    assert len(before) == len(after) == 2
    unchanged = [item for item in before if "Data &lt;Analyst&gt; &amp; Co" in item]
    assert unchanged
    assert unchanged[0] in after
    [updated] = [item for item in after if changed.id in item]
    assert "Lisbon, Portugal · Hybrid · Full-time · Senior · " in updated
    assert "€" in updated
    assert updated not in before


def listed(number: int) -> ListedJob:
    published = datetime(2026, 1, 1, tzinfo=UTC)
    values = (f"job{number}", f"Job {number}", "fulltime", None, None, False, None, published)
    return ListedJob(
        f"job{number}",
        f"Job {number}",
        JobType.FULLTIME,
        None,
        None,
        False,
        None,
        published,
        row=values,
    )


def test_kept_items_are_bounded_least_recently_used_first(tmp_path: Path) -> None:
    env = Templates(make_settings(tmp_path), "secret").env
    items = JobItems(max_entries=2)
    render = items.renderer(env, "/careers/acme", "")

    first = render(listed(1))
    render(listed(2))
    assert render(listed(1)) is first  # kept, and now the most recently used
    render(listed(3))  # the least recently used (job 2) leaves

    assert len(items) == 2
    assert render(listed(1)) is first
    assert str(first) == (
        '<li><a href="/careers/acme/jobs/job1"><span class="job-title">Job 1</span>'
        '<span class="job-meta">Full-time · Mid level</span></a></li>'
    )
