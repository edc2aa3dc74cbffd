"""One validation style on every page: the browser never shows its own pop-ups, the server
answers a refused form in place.

A form whose fields carry browser constraints (``required``, ``pattern``, ``min``/``max``, a
typed ``email``/``url``/``number`` input) must say ``novalidate``, so the server's message shows
beside the field, in the product's words and in the same place on every page. And the forms
that gained ``novalidate`` answer an empty submission with that message, never a 500."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import wegotwork
from tests import factories
from tests.fixtures.world import World
from wegotwork.models import Pipeline, PipelineStage

TEMPLATES = Path(wegotwork.__file__).parent / "templates"
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
CONSTRAINED = re.compile(r"\brequired\b|\bpattern=|\bmin=|\bmax=|\btype=\"(?:email|url|number)\"")


def constrained_forms_without_novalidate() -> list[str]:
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        for match in FORM.finditer(text):
            attributes, body = match.groups()
            if CONSTRAINED.search(body) and "novalidate" not in attributes:
                line = text[: match.start()].count("\n") + 1
                found.append(f"{path.relative_to(TEMPLATES)}:{line}")
    return found


def test_every_form_with_constraints_leaves_validation_to_the_server() -> None:
    assert constrained_forms_without_novalidate() == []


def test_the_check_sees_a_constrained_form() -> None:
    sample = '<form method="post"><input name="name" required></form>'
    match = FORM.search(sample)
    assert match is not None
    assert CONSTRAINED.search(match.group(2))


@pytest.mark.usefixtures("dialect")
async def test_empty_submissions_are_answered_in_place(db: AsyncSession, world: World) -> None:
    slug = world.org.slug
    job = await factories.make_job(db, world.org)
    applicant = await factories.make_applicant(db, job)
    pipeline = await db.scalar(
        select(Pipeline).where(Pipeline.organization_id == world.org.id, Pipeline.is_default)
    )
    assert pipeline is not None
    stage = await db.scalar(
        select(PipelineStage)
        .where(PipelineStage.pipeline_id == pipeline.id)
        .order_by(PipelineStage.position)
    )
    assert stage is not None
    await db.commit()
    base = f"/dashboard/{slug}"
    person = f"{base}/applicants/{applicant.id}"
    owner = world.browser("owner")
    cases = [
        (f"{base}/analytics/sources", {"name": ""}),
        (f"{base}/privacy-notice", {"privacyNoticeUrl": "not an address"}),
        (f"{person}/reject", {"reasonId": ""}),
        (f"{base}/overdue/answer", {}),
        (f"{base}/pipelines", {"name": "", "template": "standard"}),
        (f"{base}/pipelines/{pipeline.id}", {"action": "add", "name": "", "status": "INTERVIEW"}),
        (f"{base}/pipelines/{pipeline.id}", {"action": "rename", "name": ""}),
        (f"{person}/notes", {"body": ""}),
        (f"{person}/scorecards/{stage.id}", {}),
    ]
    for url, data in cases:
        response = await owner.post(url, data=data)
        if response.status_code == 303:
            # Pages that answer by redirecting show the message on the page they lead to.
            response = await owner.get(response.headers["location"])
            assert response.status_code == 200, url
        else:
            assert response.status_code in (400, 409, 422), (url, response.status_code)
        assert re.search(r'class="(?:field-error|form-error|flash flash-error)', response.text), url
