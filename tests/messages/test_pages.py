"""The communication page of the dashboard: members read the organization's mail templates,
rejection reasons and reply promise; admins create, edit, preview and delete templates, add
reasons and change the reply promise, with errors shown next to the fields and what was typed
kept. The overview counts the candidates waiting longer than promised."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta
from typing import TypeVar
from urllib.parse import unquote

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tests.fixtures.world import World
from tests.messages.helpers import arrange
from wegotwork.clock import FrozenClock
from wegotwork.deps import Services
from wegotwork.models import (
    Applicant,
    CommunicationSettings,
    MessageTemplate,
    RejectionReason,
    TemplateKind,
)

pytestmark = pytest.mark.usefixtures("dialect")

T = TypeVar("T")


def _flash(response: httpx.Response) -> str:
    """The flash messages the redirect leaves for the next page, as one text."""
    raw = unquote(response.cookies.get("wegotwork.flash") or "")
    if not raw:
        return ""
    return " ".join(item["message"] for item in json.loads(raw.rsplit(".", 1)[0]))


def _page(world: World) -> str:
    return f"/dashboard/{world.org.slug}/communication"


async def _fresh(db: AsyncSession, model: type[T], row_id: str) -> T | None:
    """The row as the database holds it now (None once deleted)."""
    return await db.get(model, row_id, populate_existing=True)


async def _templates(db: AsyncSession, org_id: str) -> list[MessageTemplate]:
    return list(
        await db.scalars(
            select(MessageTemplate)
            .where(MessageTemplate.organization_id == org_id)
            .execution_options(populate_existing=True)
        )
    )


def _error_of(page: str, field_id: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field_id}-error">([^<]*)</p>', page)
    assert found, f"no error shown under {field_id}"
    return html.unescape(found.group(1))


async def test_a_member_reads_templates_reasons_and_the_reply_promise(
    db: AsyncSession, world: World
) -> None:
    page = await world.browser("member").get(_page(world))
    assert page.status_code == 200, page.text
    text = html.unescape(page.text)
    for template in await _templates(db, world.org.id):
        assert template.name in text
        assert f"{_page(world)}/templates/{template.id}" in text
    assert "Position filled" in text
    assert "14 days" in text
    # Reading only: no form that writes.
    assert f'action="{_page(world)}/templates"' not in text
    assert f'action="{_page(world)}/reasons"' not in text
    assert f'action="{_page(world)}/settings"' not in text
    # The page is in the navigation, for members too.
    overview = await world.browser("member").get(f"/dashboard/{world.org.slug}")
    assert f'href="{_page(world)}"' in overview.text


async def test_a_manager_creates_edits_and_deletes_a_template(
    db: AsyncSession, world: World
) -> None:
    browser = world.browser("admin")
    page = await browser.get(_page(world))
    assert "{{candidate.firstName}}" in html.unescape(page.text)  # placeholders as help text
    created = await browser.post(
        f"{_page(world)}/templates",
        data={
            "name": "Second round",
            "kind": "interview",
            "subject": "Next step at {{organization.name}}",
            "body": "Hello {{candidate.firstName}}, shall we talk about {{job.title}}?",
        },
    )
    assert created.status_code == 303, created.text
    template = next(
        item for item in await _templates(db, world.org.id) if item.name == "Second round"
    )
    assert template.kind == TemplateKind.INTERVIEW
    assert created.headers["location"] == f"{_page(world)}/templates/{template.id}"
    assert "Created the template" in _flash(created)

    edit_url = f"{_page(world)}/templates/{template.id}"
    edit_page = await browser.get(edit_url)
    assert edit_page.status_code == 200
    assert "data-confirm=" in edit_page.text  # delete asks in the confirmation dialog
    saved = await browser.post(
        edit_url,
        data={
            "name": "Second interview",
            "kind": "other",
            "subject": "Next step",
            "body": "Hello {{candidate.name}}",
        },
    )
    assert saved.status_code == 303, saved.text
    row = await _fresh(db, MessageTemplate, template.id)
    assert row is not None
    assert (row.name, row.kind, row.subject, row.body) == (
        "Second interview",
        TemplateKind.OTHER,
        "Next step",
        "Hello {{candidate.name}}",
    )

    deleted = await browser.post(f"{edit_url}/delete")
    assert deleted.status_code == 303
    assert deleted.headers["location"] == _page(world)
    assert "Deleted the template “Second interview”" in _flash(deleted)
    assert await _fresh(db, MessageTemplate, template.id) is None
    assert (await browser.get(edit_url)).status_code == 404


async def test_the_last_confirmation_template_is_kept_with_a_message(
    db: AsyncSession, world: World
) -> None:
    confirmation = next(
        item
        for item in await _templates(db, world.org.id)
        if item.kind == TemplateKind.CONFIRMATION
    )
    url = f"{_page(world)}/templates/{confirmation.id}"
    refused = await world.browser("owner").post(f"{url}/delete")
    assert refused.status_code == 303
    assert refused.headers["location"] == url
    assert "edit it instead" in _flash(refused)
    assert await _fresh(db, MessageTemplate, confirmation.id) is not None


async def test_a_bad_placeholder_is_shown_in_place_and_what_was_typed_kept(
    db: AsyncSession, world: World
) -> None:
    browser = world.browser("admin")
    before = len(await _templates(db, world.org.id))
    typed = {
        "name": "Odd one",
        "kind": "offer",
        "subject": "Hi {{ candidate.email }}",
        "body": "Dear {{candidate.firstName}}, {% for x in job %}{{ x }}{% endfor %}",
    }
    refused = await browser.post(f"{_page(world)}/templates", data=typed)
    assert refused.status_code == 422
    page = html.unescape(refused.text)
    assert "unknown placeholder {{candidate.email}}" in _error_of(refused.text, "template-subject")
    assert "{% for %} is not allowed" in _error_of(refused.text, "template-body")
    assert 'value="Odd one"' in page
    assert 'value="Hi {{ candidate.email }}"' in page
    assert typed["body"] + "</textarea>" in page
    assert '<option value="offer" selected>' in page
    assert len(await _templates(db, world.org.id)) == before

    # The same on a template's own page: the stored template is unchanged.
    template = (await _templates(db, world.org.id))[0]
    url = f"{_page(world)}/templates/{template.id}"
    bad = await browser.post(
        url, data={"name": "", "kind": "other", "subject": "Fine", "body": "Hi {{ secret }}"}
    )
    assert bad.status_code == 422
    assert _error_of(bad.text, "edit-name") == "This field is required"
    assert "unknown placeholder {{secret}}" in _error_of(bad.text, "edit-body")
    assert "Hi {{ secret }}</textarea>" in html.unescape(bad.text)
    stored = await _fresh(db, MessageTemplate, template.id)
    assert stored is not None
    assert stored.name == template.name
    assert stored.body == template.body


async def test_the_preview_shows_the_template_filled_in_for_an_applicant(
    db: AsyncSession, world: World, services: Services
) -> None:
    template = next(
        item
        for item in await _templates(db, world.org.id)
        if item.kind == TemplateKind.CONFIRMATION
    )
    url = f"{_page(world)}/templates/{template.id}"
    # Without applicants: sample data.
    sample = await world.browser("member").get(url)
    assert sample.status_code == 200
    assert "Alex" in sample.text
    assert "No applicants yet" in sample.text

    place = await arrange(db, world, services.secret, count=2)
    # The newest applicant by default; any of the recent ones on request.
    default = await world.browser("member").get(url)
    assert default.status_code == 200
    chosen = place.applicant_ids[1]
    page = await world.browser("member").get(url, params={"applicantId": chosen})
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert f'<option value="{chosen}" selected>' in text
    preview = text.split('class="preview-box template-preview"', 1)[1]
    assert "Ada" in preview
    assert "Analytical Engineer" in preview
    assert place.tokens[1] in preview  # the applicant's own status link
    assert "{{" not in preview
    # A member reads the template but has no form to change it.
    assert f'action="{url}/delete"' not in text
    # An applicant of another organization fills nothing in.
    gone = await world.browser("member").get(url, params={"applicantId": "no-such-applicant"})
    assert gone.status_code == 200
    assert "does not exist" in gone.text
    assert "Alex" in gone.text


async def test_a_manager_adds_a_rejection_reason(db: AsyncSession, world: World) -> None:
    browser = world.browser("admin")
    added = await browser.post(f"{_page(world)}/reasons", data={"name": "Notice period too long"})
    assert added.status_code == 303, added.text
    names = list(
        await db.scalars(
            select(RejectionReason.name).where(RejectionReason.organization_id == world.org.id)
        )
    )
    assert "Notice period too long" in names
    assert "Notice period too long" in (await browser.get(_page(world))).text
    again = await browser.post(f"{_page(world)}/reasons", data={"name": "notice PERIOD too long"})
    assert again.status_code == 409
    assert "already in the list" in _error_of(again.text, "reason-name")
    assert 'value="notice PERIOD too long"' in again.text
    empty = await browser.post(f"{_page(world)}/reasons", data={"name": "  "})
    assert empty.status_code == 422
    assert _error_of(empty.text, "reason-name") == "This field is required"
    assert (
        await db.scalar(
            select(func.count())
            .select_from(RejectionReason)
            .where(RejectionReason.organization_id == world.org.id)
        )
    ) == len(names)


async def test_reply_settings_are_saved_and_bad_values_refused_in_place(
    db: AsyncSession, world: World
) -> None:
    browser = world.browser("admin")
    url = f"{_page(world)}/settings"
    saved = await browser.post(
        url,
        data={
            "replyWithinDays": "10",
            "replyTo": "jobs@alpha.example",
            "timezone": "Europe/Berlin",
            "privacyNoticeUrl": "https://alpha.example/privacy",
        },
    )
    assert saved.status_code == 303, saved.text
    row = await _fresh(db, CommunicationSettings, world.org.id)
    assert row is not None
    assert (row.reply_within_days, row.reply_to, row.timezone, row.privacy_notice_url) == (
        10,
        "jobs@alpha.example",
        "Europe/Berlin",
        "https://alpha.example/privacy",
    )
    page = await browser.get(_page(world))
    assert 'value="jobs@alpha.example"' in page.text

    for typed, field, complaint in (
        ({"replyWithinDays": "0"}, "replyWithinDays", "from 1 to 365"),
        ({"replyWithinDays": "soon"}, "replyWithinDays", "from 1 to 365"),
        ({"replyTo": "not an address"}, "replyTo", "email address"),
        ({"privacyNoticeUrl": "javascript:alert(1)"}, "privacyNoticeUrl", "https://"),
        ({"timezone": "Mars/Olympus"}, "timezone", "Europe/Berlin"),
        ({"timezone": ""}, "timezone", "required"),
    ):
        data = {
            "replyWithinDays": "12",
            "replyTo": "",
            "timezone": "UTC",
            "privacyNoticeUrl": "",
            **typed,
        }
        refused = await browser.post(url, data=data)
        assert refused.status_code == 422, (typed, refused.status_code)
        assert complaint in _error_of(refused.text, f"reply-{field}"), typed
        value = next(iter(typed.values()))
        if value:
            assert f'value="{html.escape(value)}"' in refused.text
    row = await _fresh(db, CommunicationSettings, world.org.id)
    assert row is not None
    assert (row.reply_within_days, row.timezone) == (10, "Europe/Berlin")

    # Emptied addresses are removed.
    cleared = await browser.post(
        url, data={"replyWithinDays": "7", "replyTo": "", "timezone": "UTC", "privacyNoticeUrl": ""}
    )
    assert cleared.status_code == 303
    row = await _fresh(db, CommunicationSettings, world.org.id)
    assert row is not None
    assert (row.reply_within_days, row.reply_to, row.privacy_notice_url) == (7, None, None)


async def test_a_member_cannot_change_and_an_outsider_sees_nothing(
    db: AsyncSession, world: World
) -> None:
    template = (await _templates(db, world.org.id))[0]
    edit = f"{_page(world)}/templates/{template.id}"
    writes = [
        (
            f"{_page(world)}/templates",
            {"name": "Mine", "kind": "other", "subject": "Hi", "body": "Hi"},
        ),
        (edit, {"name": "Mine", "kind": "other", "subject": "Hi", "body": "Hi"}),
        (f"{edit}/delete", {}),
        (f"{_page(world)}/reasons", {"name": "Mine"}),
        (f"{_page(world)}/settings", {"replyWithinDays": "3", "timezone": "UTC"}),
    ]
    for url, data in writes:
        assert (await world.browser("member").post(url, data=data)).status_code == 403, url
        assert (await world.browser("outsider").post(url, data=data)).status_code == 404, url
    for url in (_page(world), edit):
        assert (await world.browser("outsider").get(url)).status_code == 404
    # Another organization's template is not found under this organization's address.
    other = (
        await db.scalars(
            select(MessageTemplate).where(MessageTemplate.organization_id == world.other_org.id)
        )
    ).first()
    assert other is not None
    assert (
        await world.browser("admin").get(f"{_page(world)}/templates/{other.id}")
    ).status_code == 404
    assert (
        await world.browser("admin").post(f"{_page(world)}/templates/{other.id}/delete")
    ).status_code == 404
    stored = await _fresh(db, MessageTemplate, template.id)
    assert stored is not None
    assert stored.name == template.name
    assert await _fresh(db, MessageTemplate, other.id) is not None
    assert await _fresh(db, CommunicationSettings, world.org.id) is None


async def test_the_overview_counts_candidates_waiting_longer_than_promised(
    db: AsyncSession, world: World, services: Services, frozen_clock: FrozenClock
) -> None:
    place = await arrange(db, world, services.secret, count=3)
    overview = f"/dashboard/{world.org.slug}"
    calm = await world.browser("member").get(overview)
    assert calm.status_code == 200
    assert "waiting longer than you promised" not in calm.text
    await db.execute(
        update(Applicant)
        .where(Applicant.id.in_(place.applicant_ids[:2]))
        .values(updated_at=frozen_clock.current - timedelta(days=15))
    )
    await db.commit()
    page = await world.browser("member").get(overview)
    assert "2 candidates waiting longer than you promised" in page.text
    assert f'href="/dashboard/{world.org.slug}/overdue"' in page.text
