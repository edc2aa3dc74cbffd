"""Candidate communication through the JSON API: templates (placeholders only, made inert in
HTML), messages now or later and cancelled, decisions with a reason, bulk actions all or
nothing, the overdue list, and erasure of everything sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.mail import SmtpSink
from tests.fixtures.world import World
from tests.messages.helpers import arrange, drain
from wegotwork.clock import FrozenClock
from wegotwork.db import Database
from wegotwork.deps import Services
from wegotwork.models import (
    ActivityKind,
    Applicant,
    ApplicantActivity,
    ApplicantStatus,
    CandidateLink,
    Message,
    MessageTemplate,
    OutboxMessage,
    RejectionReason,
)

pytestmark = pytest.mark.usefixtures("dialect")

XSS = (
    "<script>alert(1)</script> <img src=x onerror=alert(2)> "
    '<a href="javascript:alert(3)">x</a> "><svg onload=alert(4)>'
)


PHASE = '<strong class="status-phase">{}</strong>'


@pytest.fixture
def settings_overrides(smtp_sink: SmtpSink) -> dict[str, object]:
    return {"smtp_url": smtp_sink.url}


async def _count(db: AsyncSession, model: type, *where: object) -> int:
    db.expire_all()
    query = select(func.count()).select_from(model)
    for condition in where:
        query = query.where(condition)  # type: ignore[arg-type]
    return int(await db.scalar(query) or 0)


async def test_a_new_organization_has_a_template_of_each_kind_and_reasons(
    db: AsyncSession, world: World
) -> None:
    listed = await world.api("member").get(f"/api/v1/organizations/{world.org.id}/email-templates")
    assert listed.status_code == 200, listed.text
    kinds = sorted(item["kind"] for item in listed.json()["templates"])
    assert kinds == ["confirmation", "interview", "offer", "rejection"]
    assert "{{statusUrl}}" in next(
        item["body"] for item in listed.json()["templates"] if item["kind"] == "confirmation"
    )
    reasons = await world.api("member").get(
        f"/api/v1/organizations/{world.org.id}/rejection-reasons"
    )
    assert "Position filled" in [item["name"] for item in reasons.json()["reasons"]]
    outsider = await world.api("outsider").get(
        f"/api/v1/organizations/{world.org.id}/email-templates"
    )
    assert outsider.status_code == 404


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ("Hello {{candidate.email}}", "unknown placeholder {{candidate.email}}"),
        ("Hello {{ secret }}", "unknown placeholder {{secret}}"),
        ("{% for x in job %}{{ x }}{% endfor %}", "{% for %} is not allowed"),
        ("{{ job.title | upper }}", "only placeholders"),
        ("{{ job.__class__.__mro__ }}", "unknown placeholder"),
        ("{% include 'base.html' %}", "{% include %} is not allowed"),
        ("Hello {{ candidate.name", "Line 1"),
    ],
)
async def test_a_template_with_anything_but_placeholders_is_refused(
    db: AsyncSession, world: World, body: str, complaint: str
) -> None:
    org_id = world.org.id
    before = await _count(db, MessageTemplate)
    response = await world.api("admin").post(
        f"/api/v1/organizations/{org_id}/email-templates",
        json={"name": "Odd", "subject": "Hi", "body": body, "kind": "other"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"] is True
    assert complaint in " ".join(response.json()["fieldErrors"]["body"])
    assert await _count(db, MessageTemplate) == before


async def test_only_admins_write_templates_and_reasons(db: AsyncSession, world: World) -> None:
    payload = {"name": "Hold", "subject": "About {{job.title}}", "body": "Hi {{candidate.name}}"}
    url = f"/api/v1/organizations/{world.org.id}/email-templates"
    assert (await world.api("member").post(url, json=payload)).status_code == 403
    created = await world.api("admin").post(url, json=payload)
    assert created.status_code == 201, created.text
    template_id = created.json()["template"]["id"]
    patched = await world.api("member").patch(
        f"/api/v1/email-templates/{template_id}", json={"name": "x"}
    )
    assert patched.status_code == 403
    bad = await world.api("admin").patch(
        f"/api/v1/email-templates/{template_id}", json={"subject": "{{ nope }}"}
    )
    assert bad.status_code == 422
    assert "subject" in bad.json()["fieldErrors"]
    reason = await world.api("admin").post(
        f"/api/v1/organizations/{world.org.id}/rejection-reasons", json={"name": "Timing"}
    )
    assert reason.status_code == 201
    again = await world.api("admin").post(
        f"/api/v1/organizations/{world.org.id}/rejection-reasons", json={"name": "timing"}
    )
    assert again.status_code == 409
    gone = await world.api("admin").delete(f"/api/v1/email-templates/{template_id}")
    assert gone.status_code == 200


async def test_a_message_goes_now_with_reply_to_a_stable_id_and_inert_html(
    db: AsyncSession,
    world: World,
    services: Services,
    database: Database,
    smtp_sink: SmtpSink,
) -> None:
    place = await arrange(db, world, services.secret)
    sent = await world.api("member").post(
        f"/api/v1/applicants/{place.applicant_ids[0]}/messages",
        json={
            "subject": "About {{job.title}}",
            "body": f"Hello {{{{candidate.firstName}}}}, {XSS}\n\nSee {{{{statusUrl}}}}",
        },
    )
    assert sent.status_code == 201, sent.text
    message = sent.json()["message"]
    assert message["status"] == "queued"
    assert message["subject"] == "About Analytical Engineer"
    assert message["sender"]["name"] == place.names["member"]
    assert await drain(database, smtp_sink) == 1
    [received] = smtp_sink.to(place.emails[0])
    assert received.message["Reply-To"] == place.user_emails["member"]
    assert received.message["Message-ID"].endswith("@wegotwork.outbox>")
    assert "Hello Ada, <script>alert(1)</script>" in received.text
    assert f"/status/{place.tokens[0]}" in received.text
    html = received.html
    for inert in ("<script", "<img", "<svg", '<a href="javascript'):
        assert inert not in html
    assert "&lt;script&gt;" in html
    listed = await world.api("member").get(f"/api/v1/applicants/{place.applicant_ids[0]}/messages")
    assert [item["status"] for item in listed.json()["messages"]] == ["sent"]
    timeline = await world.api("member").get(
        f"/api/v1/applicants/{place.applicant_ids[0]}/activity"
    )
    assert timeline.json()["activity"][0]["kind"] == "message_sent"


async def test_a_scheduled_message_waits_and_can_be_cancelled(
    db: AsyncSession,
    world: World,
    services: Services,
    database: Database,
    smtp_sink: SmtpSink,
    frozen_clock: FrozenClock,
) -> None:
    place = await arrange(db, world, services.secret)
    later = (frozen_clock.current + timedelta(days=2)).isoformat()
    url = f"/api/v1/applicants/{place.applicant_ids[0]}/messages"
    first = await world.api("member").post(
        url, json={"templateId": place.templates["interview"], "sendAt": later}
    )
    second = await world.api("member").post(
        url, json={"subject": "Second", "body": "Hi {{candidate.name}}", "sendAt": later}
    )
    assert first.status_code == 201, first.text
    assert first.json()["message"]["status"] == "scheduled"
    assert await drain(database, smtp_sink) == 0
    cancelled = await world.api("member").post(
        f"/api/v1/messages/{first.json()['message']['id']}/cancel"
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["message"]["status"] == "cancelled"
    again = await world.api("member").post(
        f"/api/v1/messages/{first.json()['message']['id']}/cancel"
    )
    assert again.status_code == 409
    frozen_clock.advance(timedelta(days=2, minutes=1))
    assert await drain(database, smtp_sink) == 1
    [received] = smtp_sink.to(place.emails[0])
    assert received.subject == "Second"
    sent_cancel = await world.api("member").post(
        f"/api/v1/messages/{second.json()['message']['id']}/cancel"
    )
    assert sent_cancel.status_code == 409
    outsider = await world.api("outsider").post(
        f"/api/v1/messages/{second.json()['message']['id']}/cancel"
    )
    assert outsider.status_code == 404


@pytest.mark.parametrize(
    "when",
    [timedelta(hours=-1), timedelta(days=91)],
    ids=["past", "beyond-90-days"],
)
async def test_send_at_in_the_past_or_beyond_90_days_is_refused(
    db: AsyncSession, world: World, services: Services, when: timedelta
) -> None:
    place = await arrange(db, world, services.secret)
    before = await _count(db, OutboxMessage)
    response = await world.api("member").post(
        f"/api/v1/applicants/{place.applicant_ids[0]}/messages",
        json={
            "subject": "Hi",
            "body": "Hi",
            "sendAt": (datetime.now(UTC) + when).isoformat(),
        },
    )
    assert response.status_code == 422, response.text
    assert "sendAt" in response.json()["fieldErrors"]
    assert await _count(db, OutboxMessage) == before
    assert await _count(db, Message) == 0


async def test_a_rejection_goes_the_next_morning_and_records_its_reason(
    db: AsyncSession,
    world: World,
    services: Services,
    database: Database,
    smtp_sink: SmtpSink,
    frozen_clock: FrozenClock,
) -> None:
    frozen_clock.current = frozen_clock.current.replace(hour=15, minute=0, second=0)
    tomorrow = (frozen_clock.current + timedelta(days=1)).date().isoformat()
    place = await arrange(db, world, services.secret)
    applicant_id = place.applicant_ids[0]
    rejected = await world.api("member").post(
        f"/api/v1/applicants/{applicant_id}/reject",
        json={
            "reasonId": place.reasons["Position filled"],
            "templateId": place.templates["rejection"],
        },
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "REJECTED"
    [message] = (
        await world.api("member").get(f"/api/v1/applicants/{applicant_id}/messages")
    ).json()["messages"]
    assert message["status"] == "scheduled"
    assert message["sendAt"].startswith(f"{tomorrow}T08:00:00")
    reasons = [
        entry.data
        for entry in await db.scalars(
            select(ApplicantActivity).where(
                ApplicantActivity.applicant_id == applicant_id,
                ApplicantActivity.kind == ActivityKind.REJECTED,
            )
        )
    ]
    assert reasons == [{"reasonId": place.reasons["Position filled"], "reason": "Position filled"}]
    page = await world.api("anonymous").get(f"/status/{place.tokens[0]}")
    assert PHASE.format("In review") in page.text, "the page does not tell before the mail"
    assert await drain(database, smtp_sink) == 0
    frozen_clock.advance(timedelta(hours=17, minutes=1))
    assert await drain(database, smtp_sink) == 1
    [received] = smtp_sink.to(place.emails[0])
    assert received.subject == "Your application for Analytical Engineer at " + place.org_name
    page = await world.api("anonymous").get(f"/status/{place.tokens[0]}")
    assert PHASE.format("Decision made") in page.text
    assert received.subject in page.text

    unknown = await world.api("member").post(
        f"/api/v1/applicants/{applicant_id}/reject", json={"reasonId": "nope"}
    )
    assert unknown.status_code == 422
    assert "reasonId" in unknown.json()["fieldErrors"]


async def test_bulk_reject_of_500_is_all_or_nothing(
    db: AsyncSession, world: World, services: Services
) -> None:
    place = await arrange(db, world, services.secret, count=500)
    foreign_job = await factories.make_job(db, world.other_org)
    foreign = await factories.make_applicant(db, foreign_job)
    foreign_id = foreign.id
    await db.commit()
    outbox_before = await _count(db, OutboxMessage)
    body = {
        "applicantIds": [*place.applicant_ids[:499], foreign_id],
        "action": "reject",
        "reasonId": place.reasons["Skills do not match"],
        "templateId": place.templates["rejection"],
    }
    refused = await world.api("member").post(
        f"/api/v1/applicants/bulk?orgId={place.org_id}", json=body
    )
    assert refused.status_code == 422, refused.text
    assert foreign_id in refused.json()["fieldErrors"]["applicantIds"][0]
    assert await _count(db, Applicant, Applicant.status == ApplicantStatus.REJECTED) == 0
    assert await _count(db, OutboxMessage) == outbox_before

    too_many = await world.api("member").post(
        f"/api/v1/applicants/bulk?orgId={place.org_id}",
        json={**body, "applicantIds": [*place.applicant_ids, "x"]},
    )
    assert too_many.status_code == 422

    body["applicantIds"] = place.applicant_ids
    done = await world.api("member").post(
        f"/api/v1/applicants/bulk?orgId={place.org_id}", json=body
    )
    assert done.status_code == 200, done.text
    assert done.json()["count"] == 500
    assert await _count(db, Applicant, Applicant.status == ApplicantStatus.REJECTED) == 500
    assert await _count(db, OutboxMessage) == outbox_before + 500
    assert await _count(db, Message) == 500


async def test_bulk_move_and_message(db: AsyncSession, world: World, services: Services) -> None:
    place = await arrange(db, world, services.secret, count=3)
    applicant = await db.get(Applicant, place.applicant_ids[0])
    assert applicant is not None
    from wegotwork.models import Job, PipelineStage

    job = await db.get(Job, place.job_id)
    assert job is not None
    interview = (
        await db.scalars(
            select(PipelineStage).where(
                PipelineStage.pipeline_id == job.pipeline_id,
                PipelineStage.status == ApplicantStatus.INTERVIEW,
            )
        )
    ).first()
    assert interview is not None
    interview_id = interview.id
    moved = await world.api("member").post(
        f"/api/v1/applicants/bulk?orgId={place.org_id}",
        json={"applicantIds": place.applicant_ids, "action": "move", "stageId": interview_id},
    )
    assert moved.status_code == 200, moved.text
    assert await _count(db, Applicant, Applicant.status == ApplicantStatus.INTERVIEW) == 3
    messaged = await world.api("member").post(
        f"/api/v1/applicants/bulk?orgId={place.org_id}",
        json={
            "applicantIds": place.applicant_ids,
            "action": "message",
            "templateId": place.templates["interview"],
        },
    )
    assert messaged.status_code == 200, messaged.text
    assert await _count(db, Message) == 3
    no_stage = await world.api("member").post(
        f"/api/v1/applicants/bulk?orgId={place.org_id}",
        json={"applicantIds": place.applicant_ids, "action": "move"},
    )
    assert no_stage.status_code == 422


async def test_overdue_lists_who_waits_longer_than_promised(
    db: AsyncSession, world: World, services: Services, frozen_clock: FrozenClock
) -> None:
    place = await arrange(db, world, services.secret, count=2)
    url = f"/api/v1/organizations/{place.org_id}/overdue"
    assert (await world.api("member").get(url)).json()["count"] == 0
    await db.execute(
        update(Applicant)
        .where(Applicant.id.in_(place.applicant_ids))
        .values(updated_at=frozen_clock.current - timedelta(days=15))
    )
    await db.commit()
    overdue = (await world.api("member").get(url)).json()
    assert overdue["count"] == 2
    assert {item["applicantId"] for item in overdue["applicants"]} == set(place.applicant_ids)
    settings = await world.api("admin").patch(
        f"/api/v1/organizations/{place.org_id}/communication-settings",
        json={"replyWithinDays": 30},
    )
    assert settings.status_code == 200, settings.text
    assert (await world.api("member").get(url)).json()["count"] == 0
    member = await world.api("member").patch(
        f"/api/v1/organizations/{place.org_id}/communication-settings",
        json={"replyWithinDays": 3},
    )
    assert member.status_code == 403


async def test_erasure_removes_messages_links_and_sent_mail(
    db: AsyncSession,
    world: World,
    services: Services,
    database: Database,
    smtp_sink: SmtpSink,
) -> None:
    place = await arrange(db, world, services.secret)
    applicant_id = place.applicant_ids[0]
    await world.api("member").post(
        f"/api/v1/applicants/{applicant_id}/messages", json={"subject": "Hi", "body": "Hello"}
    )
    await drain(database, smtp_sink)
    assert await _count(db, OutboxMessage, OutboxMessage.applicant_id == applicant_id) == 1
    erased = await world.api("member").delete(f"/api/v1/applicants/{applicant_id}")
    assert erased.status_code == 200, erased.text
    assert await _count(db, OutboxMessage, OutboxMessage.applicant_id == applicant_id) == 0
    assert await _count(db, Message, Message.applicant_id == applicant_id) == 0
    assert await _count(db, CandidateLink, CandidateLink.applicant_id == applicant_id) == 0
    again = await world.api("member").post(
        f"/api/v1/applicants/{applicant_id}/messages", json={"subject": "Hi", "body": "Hello"}
    )
    assert again.status_code == 404
    assert await _count(db, RejectionReason) > 0


async def test_closing_a_job_with_undecided_applicants_asks_first(
    db: AsyncSession, world: World, services: Services
) -> None:
    place = await arrange(db, world, services.secret, count=2)
    url = f"/api/v1/jobs/{place.job_id}"
    refused = await world.api("member").patch(url, json={"status": "closed"})
    assert refused.status_code == 409, refused.text
    assert "2 applicants are still waiting" in refused.json()["message"]
    assert await _count(db, Message) == 0
    closed = await world.api("member").patch(
        url,
        json={
            "status": "closed",
            "rejectRemaining": {
                "reasonId": place.reasons["Position filled"],
                "templateId": place.templates["rejection"],
            },
        },
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["job"]["status"] == "closed"
    assert await _count(db, Applicant, Applicant.status == ApplicantStatus.REJECTED) == 2
    assert await _count(db, Message) == 2
    reopened = await world.api("member").patch(url, json={"status": "published"})
    assert reopened.status_code == 200
    assert (await world.api("member").patch(url, json={"status": "closed"})).status_code == 200


async def test_closing_can_be_forced(db: AsyncSession, world: World, services: Services) -> None:
    place = await arrange(db, world, services.secret)
    forced = await world.api("member").patch(
        f"/api/v1/jobs/{place.job_id}", json={"status": "closed", "force": True}
    )
    assert forced.status_code == 200, forced.text
    assert await _count(db, Applicant, Applicant.status == ApplicantStatus.SUBMITTED) == 1


async def test_ids_no_row_can_have_are_refused_by_name_not_with_500(
    db: AsyncSession, world: World, services: Services
) -> None:
    """Regression (found by the fuzz test on PostgreSQL, which refuses a NUL byte in a query):
    an applicant, stage, reason or template id with a NUL or other characters no id has is
    unknown, named in the field errors; nothing changes."""
    place = await arrange(db, world, services.secret, count=2)
    api = world.api("member")
    url = f"/api/v1/applicants/bulk?orgId={place.org_id}"
    odd = "a\x00b"
    refused = await api.post(
        url, json={"applicantIds": [place.applicant_ids[0], odd], "action": "move", "stageId": "x"}
    )
    assert refused.status_code == 422, refused.text
    assert odd in refused.json()["fieldErrors"]["applicantIds"][0]
    for field, action in (("stageId", "move"), ("reasonId", "reject"), ("templateId", "message")):
        answer = await api.post(
            url, json={"applicantIds": place.applicant_ids, "action": action, field: odd}
        )
        assert answer.status_code == 422, (field, answer.text)
        assert field in answer.json()["fieldErrors"], (field, answer.text)
    single = await api.post(
        f"/api/v1/applicants/{place.applicant_ids[0]}/reject", json={"reasonId": odd}
    )
    assert single.status_code == 422, single.text
    assert await _count(db, Applicant, Applicant.status == ApplicantStatus.REJECTED) == 0
