"""The applicants list's bulk bar, without JavaScript: select applicants (or every one of the
page), then move them to a stage, reject them with a reason and a template, or message them —
all or nothing, with the reason for a refusal shown on the list and nothing changed. And the
way there from closing a job whose applicants still wait for an answer."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import unquote

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.world import World
from wegotwork.clock import FrozenClock
from wegotwork.models import (
    ActivityKind,
    Applicant,
    ApplicantActivity,
    ApplicantStatus,
    Job,
    JobStatus,
    MailSend,
    Message,
    MessageTemplate,
    OutboxMessage,
    PipelineStage,
    RejectionReason,
    TemplateKind,
)

pytestmark = pytest.mark.usefixtures("dialect")


def flash_of(response: httpx.Response) -> str:
    return unquote(response.cookies.get("wegotwork.flash") or "")


def text_of(response: httpx.Response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


async def _count(db: AsyncSession, model: type, *where: object) -> int:
    query = select(func.count()).select_from(model)
    for condition in where:
        query = query.where(condition)  # type: ignore[arg-type]
    return int(await db.scalar(query) or 0)


async def _statuses(db: AsyncSession, applicants: list[Applicant]) -> list[str]:
    rows = dict(
        (
            await db.execute(
                select(Applicant.id, Applicant.status).where(
                    Applicant.id.in_([a.id for a in applicants])
                )
            )
        ).all()
    )
    return [str(rows[applicant.id]) for applicant in applicants]


async def _rejection(db: AsyncSession, world: World) -> tuple[str, str]:
    """A reason and the rejection template of organization A (a new organization has both)."""
    reason = await db.scalar(
        select(RejectionReason.id).where(
            RejectionReason.organization_id == world.org.id,
            RejectionReason.name == "Skills do not match",
        )
    )
    template = await db.scalar(
        select(MessageTemplate.id).where(
            MessageTemplate.organization_id == world.org.id,
            MessageTemplate.kind == TemplateKind.REJECTION,
        )
    )
    assert reason
    assert template
    return str(reason), str(template)


async def _stage(db: AsyncSession, job: Job, status: ApplicantStatus) -> PipelineStage:
    stage = (
        await db.scalars(
            select(PipelineStage).where(
                PipelineStage.pipeline_id == job.pipeline_id, PipelineStage.status == status
            )
        )
    ).first()
    assert stage is not None
    return stage


async def _applicants(db: AsyncSession, job: Job, *names: str) -> list[Applicant]:
    made = [
        await factories.make_applicant(db, job, name=name, email=f"{name.lower()}@example.com")
        for name in names
    ]
    await db.commit()
    return made


async def test_the_list_offers_the_bulk_bar_with_the_jobs_stages_reasons_and_templates(
    db: AsyncSession, world: World, job: Job
) -> None:
    await _applicants(db, job, "Ada", "Grace")
    page = await world.browser("member").get(
        f"/dashboard/{world.org.slug}/jobs/{job.id}/applicants"
    )
    assert page.status_code == 200
    html = page.text
    assert 'action="/dashboard/' + world.org.slug + '/applicants/bulk"' in html
    assert 'aria-label="Select Ada"' in html
    assert 'aria-label="Select Grace"' in html
    assert "Select all on this page" in html
    interview = await _stage(db, job, ApplicantStatus.INTERVIEW)
    assert f'<option value="{interview.id}">{interview.name}</option>' in html
    assert "Skills do not match" in html
    assert 'name="action" value="reject"' in html
    assert 'name="action" value="message"' in html
    # The same list across all jobs offers the stages grouped by pipeline.
    everyone = await world.browser("member").get(f"/dashboard/{world.org.slug}/applicants")
    assert "<optgroup" in everyone.text
    assert interview.id in everyone.text


async def test_bulk_reject_of_the_selected_with_a_template_mails_them_the_next_morning(
    db: AsyncSession, world: World, job: Job, frozen_clock: FrozenClock
) -> None:
    ada, grace, linus = await _applicants(db, job, "Ada", "Grace", "Linus")
    reason_id, template_id = await _rejection(db, world)
    outbox_before = await _count(db, OutboxMessage)
    response = await world.browser("member").post(
        f"/dashboard/{world.org.slug}/applicants/bulk",
        data={
            "applicantIds": [ada.id, grace.id],
            "pageIds": [ada.id, grace.id, linus.id],
            "back": "status=SUBMITTED&q=a",
            "fixedJob": "",
            "action": "reject",
            "reasonId": reason_id,
            "rejectTemplateId": template_id,
            "when": "morning",
            "stageId": "",
            "subject": "",
            "body": "",
        },
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == (
        f"/dashboard/{world.org.slug}/applicants?q=a&status=SUBMITTED"
    )
    assert "2 applicants rejected. Their mail goes out the next morning." in flash_of(response)
    assert await _statuses(db, [ada, grace, linus]) == ["REJECTED", "REJECTED", "SUBMITTED"]
    assert await _count(db, OutboxMessage) == outbox_before + 2
    mails = list(
        await db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "candidate_rejection"))
    )
    assert sorted(mail.to_address for mail in mails) == ["ada@example.com", "grace@example.com"]
    assert all(mail.next_attempt_at > frozen_clock.current for mail in mails)
    assert await _count(db, Message, Message.template_id == template_id) == 2
    assert (
        await _count(
            db,
            ApplicantActivity,
            ApplicantActivity.kind == ActivityKind.REJECTED,
            ApplicantActivity.applicant_id.in_([ada.id, grace.id]),
        )
        == 2
    )


async def test_bulk_reject_without_a_template_sends_nothing_and_select_all_takes_the_page(
    db: AsyncSession, world: World, job: Job
) -> None:
    ada, grace = await _applicants(db, job, "Ada", "Grace")
    reason_id, _template = await _rejection(db, world)
    outbox_before = await _count(db, OutboxMessage)
    response = await world.browser("member").post(
        f"/dashboard/{world.org.slug}/applicants/bulk",
        data={
            "selectAll": "1",
            "pageIds": [ada.id, grace.id],
            "back": "",
            "fixedJob": job.id,
            "action": "reject",
            "reasonId": reason_id,
            "rejectTemplateId": "",
            "when": "now",
        },
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/dashboard/{world.org.slug}/jobs/{job.id}/applicants"
    assert "2 applicants rejected." in flash_of(response)
    assert await _statuses(db, [ada, grace]) == ["REJECTED", "REJECTED"]
    assert await _count(db, OutboxMessage) == outbox_before


async def test_bulk_move_to_a_stage_of_the_jobs_pipeline(
    db: AsyncSession, world: World, job: Job
) -> None:
    ada, grace, linus = await _applicants(db, job, "Ada", "Grace", "Linus")
    interview = await _stage(db, job, ApplicantStatus.INTERVIEW)
    response = await world.browser("member").post(
        f"/dashboard/{world.org.slug}/applicants/bulk",
        data={
            "applicantIds": [ada.id, linus.id],
            "back": "",
            "fixedJob": job.id,
            "action": "move",
            "stageId": interview.id,
        },
    )
    assert response.status_code == 303, response.text
    assert f"2 applicants moved to {interview.name}." in flash_of(response)
    assert await _statuses(db, [ada, grace, linus]) == ["INTERVIEW", "SUBMITTED", "INTERVIEW"]
    moved = await db.get(Applicant, ada.id, populate_existing=True)
    assert moved is not None
    assert moved.stage_id == interview.id


async def test_bulk_message_with_a_subject_and_body_or_a_template(
    db: AsyncSession, world: World, job: Job
) -> None:
    ada, grace = await _applicants(db, job, "Ada", "Grace")
    outbox_before = await _count(db, OutboxMessage)
    written = await world.browser("member").post(
        f"/dashboard/{world.org.slug}/applicants/bulk",
        data={
            "applicantIds": [ada.id, grace.id],
            "action": "message",
            "messageTemplateId": "",
            "subject": "About {{job.title}}",
            "body": "Hello {{candidate.firstName}}, we will be in touch this week.",
        },
    )
    assert written.status_code == 303, written.text
    assert "Message sent to 2 applicants." in flash_of(written)
    subjects = sorted(await db.scalars(select(Message.subject)))
    assert subjects == ["About Analytical Engineer", "About Analytical Engineer"]
    bodies = sorted(await db.scalars(select(Message.body)))
    assert bodies[0].startswith("Hello Ada,")
    assert await _count(db, OutboxMessage) == outbox_before + 2
    assert await _statuses(db, [ada, grace]) == ["SUBMITTED", "SUBMITTED"]

    interview_template = await db.scalar(
        select(MessageTemplate.id).where(
            MessageTemplate.organization_id == world.org.id,
            MessageTemplate.kind == TemplateKind.INTERVIEW,
        )
    )
    templated = await world.browser("member").post(
        f"/dashboard/{world.org.slug}/applicants/bulk",
        data={
            "applicantIds": [ada.id],
            "action": "message",
            "messageTemplateId": interview_template,
        },
    )
    assert templated.status_code == 303, templated.text
    assert "Message sent to 1 applicant." in flash_of(templated)
    assert await _count(db, Message, Message.template_id == interview_template) == 1


async def test_a_refused_bulk_change_is_explained_on_the_list_and_changes_nothing(
    db: AsyncSession, world: World, job: Job
) -> None:
    ada, grace = await _applicants(db, job, "Ada", "Grace")
    stranger = await factories.make_applicant(
        db, await factories.make_job(db, world.other_org), name="Stranger"
    )
    await db.commit()
    reason_id, template_id = await _rejection(db, world)
    url = f"/dashboard/{world.org.slug}/applicants/bulk"
    browser = world.browser("member")
    outbox_before = await _count(db, OutboxMessage)
    messages_before = await _count(db, Message)

    nothing = await browser.post(
        url, data={"action": "reject", "reasonId": reason_id, "back": "q=Ada"}
    )
    assert nothing.status_code == 422
    assert "Nothing changed. Select at least one applicant." in text_of(nothing)
    assert 'role="alert"' in nothing.text
    # The same list (its filters kept) with the choices made.
    assert 'value="Ada"' in nothing.text
    assert "Grace" not in nothing.text
    assert f'<option value="{reason_id}" selected>' in nothing.text

    no_reason = await browser.post(
        url,
        data={
            "applicantIds": [ada.id, grace.id],
            "action": "reject",
            "reasonId": "",
            "rejectTemplateId": template_id,
        },
    )
    assert no_reason.status_code == 422
    assert "Choose a rejection reason" in text_of(no_reason)
    assert 'id="bulk-reason-error"' in no_reason.text
    assert re.search(
        r'<details class="bulk-action" open>\s*<summary>Reject selected', no_reason.text
    )
    # The selection is kept, ready to try again.
    assert no_reason.text.count('name="applicantIds"') == 2
    assert no_reason.text.count("checked>") >= 2

    foreign = await browser.post(
        url,
        data={
            "applicantIds": [ada.id, stranger.id],
            "action": "reject",
            "reasonId": reason_id,
            "rejectTemplateId": template_id,
        },
    )
    assert foreign.status_code == 422
    assert "1 of the applicants cannot be acted on" in text_of(foreign)
    assert "Stranger" not in foreign.text

    unwritten = await browser.post(
        url, data={"applicantIds": [ada.id], "action": "message", "subject": "Hello"}
    )
    assert unwritten.status_code == 422
    assert "Write the message, or choose a template." in text_of(unwritten)
    assert 'value="Hello"' in unwritten.text

    other_stage = await _stage(
        db, await factories.make_job(db, world.other_org), ApplicantStatus.INTERVIEW
    )
    await db.commit()
    elsewhere = await browser.post(
        url, data={"applicantIds": [ada.id], "action": "move", "stageId": other_stage.id}
    )
    assert elsewhere.status_code == 422
    assert "Stage does not exist" in text_of(elsewhere)

    no_action = await browser.post(url, data={"applicantIds": [ada.id]})
    assert no_action.status_code == 422
    assert "Choose what to do with the selected applicants." in text_of(no_action)

    assert await _statuses(db, [ada, grace, stranger]) == ["SUBMITTED"] * 3
    assert await _count(db, OutboxMessage) == outbox_before
    assert await _count(db, Message) == messages_before
    assert await _count(db, ApplicantActivity, ApplicantActivity.kind == ActivityKind.REJECTED) == 0


async def test_a_bulk_message_over_the_hourly_budget_is_refused_in_place(
    db: AsyncSession, world: World, job: Job
) -> None:
    (ada,) = await _applicants(db, job, "Ada")
    member = world.users["member"]
    db.add_all(
        MailSend(user_id=member.id, organization_id=world.org.id, kind="candidate")
        for _ in range(500)
    )
    await db.commit()
    before = await _count(db, Message)
    response = await world.browser("member").post(
        f"/dashboard/{world.org.slug}/applicants/bulk",
        data={"applicantIds": [ada.id], "action": "message", "subject": "Hi", "body": "Hello"},
    )
    assert response.status_code == 429
    assert "at most 500 messages an hour" in text_of(response)
    assert int(response.headers["retry-after"]) > 0
    assert await _count(db, Message) == before


async def test_only_the_organizations_team_may_act_in_bulk(
    db: AsyncSession, world: World, job: Job
) -> None:
    (ada,) = await _applicants(db, job, "Ada")
    reason_id, _template = await _rejection(db, world)
    data = {"applicantIds": [ada.id], "action": "reject", "reasonId": reason_id}
    signed_out = await world.browser("anonymous").post(
        f"/dashboard/{world.org.slug}/applicants/bulk", data=data
    )
    assert signed_out.status_code == 303
    assert "/sign-in" in signed_out.headers["location"] or "login" in signed_out.headers["location"]
    outsider = await world.browser("outsider").post(
        f"/dashboard/{world.org.slug}/applicants/bulk", data=data
    )
    assert outsider.status_code == 404
    # An outsider acting in their own organization cannot reach organization A's applicants.
    own = await world.browser("outsider").post(
        f"/dashboard/{world.other_org.slug}/applicants/bulk", data=data
    )
    assert own.status_code == 422
    assert await _statuses(db, [ada]) == ["SUBMITTED"]
    assert await _count(db, ApplicantActivity, ApplicantActivity.kind == ActivityKind.REJECTED) == 0


async def test_closing_a_job_with_waiting_applicants_leads_to_its_list_to_reject_them(
    db: AsyncSession, world: World, job: Job
) -> None:
    ada, grace = await _applicants(db, job, "Ada", "Grace")
    browser = world.browser("member")
    editor = f"/dashboard/{world.org.slug}/jobs/{job.id}"
    form = {"title": job.title, "type": "fulltime", "status": "closed", "description": ""}
    refused = await browser.post(editor, data=form)
    assert refused.status_code == 422
    assert "2 applicants are still waiting for an answer." in text_of(refused)
    list_url = f"/dashboard/{world.org.slug}/jobs/{job.id}/applicants"
    assert f'href="{list_url}"' in refused.text
    assert (await db.get(Job, job.id, populate_existing=True)).status == JobStatus.PUBLISHED  # type: ignore[union-attr]

    listed = await browser.get(list_url)
    assert 'name="action" value="reject"' in listed.text
    reason_id, template_id = await _rejection(db, world)
    rejected = await browser.post(
        f"/dashboard/{world.org.slug}/applicants/bulk",
        data={
            "selectAll": "1",
            "pageIds": [ada.id, grace.id],
            "fixedJob": job.id,
            "action": "reject",
            "reasonId": reason_id,
            "rejectTemplateId": template_id,
        },
    )
    assert rejected.status_code == 303
    closed = await browser.post(editor, data=form)
    assert closed.status_code == 303, closed.text
    assert (await db.get(Job, job.id, populate_existing=True)).status == JobStatus.CLOSED  # type: ignore[union-attr]
