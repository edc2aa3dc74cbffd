"""Notes through the JSON API: Markdown made inert, the timeline, mentions that notify and
mail (only from a verified author), author-only edits, admins' deletes, bad input and
isolation between organizations."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.fixtures.mail import SmtpSink
from tests.fixtures.world import World
from tests.reviews.helpers import arrange
from wegotwork.deps import Services
from wegotwork.models import Notification, OutboxMessage

pytestmark = pytest.mark.usefixtures("dialect")

SCRIPTED = (
    "**Strong** start <script>alert(1)</script> <img src=x onerror=alert(2)> "
    '[click](javascript:alert(3)) <a href="https://example.com" onclick="alert(4)">ok</a>'
)


@pytest.fixture
def settings_overrides(smtp_sink: SmtpSink) -> dict[str, object]:
    return {"smtp_url": smtp_sink.url}


async def _count(db: AsyncSession, model: type, *where: object) -> int:
    db.expire_all()
    query = select(func.count()).select_from(model)
    for condition in where:
        query = query.where(condition)  # type: ignore[arg-type]
    return int(await db.scalar(query) or 0)


async def test_a_note_is_sanitized_listed_and_on_the_timeline(
    db: AsyncSession, world: World
) -> None:
    place, _ = await arrange(db, world)
    member = world.api("member")
    created = await member.post(
        f"/api/v1/applicants/{place.applicant_id}/notes", json={"body": SCRIPTED}
    )
    assert created.status_code == 201, created.text
    note = created.json()["note"]
    assert note["body"] == SCRIPTED
    assert note["author"]["name"] == place.names["member"]
    html = note["html"]
    assert "<strong>Strong</strong>" in html
    for inert in ("<script", "onerror", 'href="javascript', "onclick", "<img"):
        assert inert not in html
    assert 'href="https://example.com"' in html

    listed = await world.api("admin").get(f"/api/v1/applicants/{place.applicant_id}/notes")
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()["notes"]] == [note["id"]]

    timeline = await member.get(f"/api/v1/applicants/{place.applicant_id}/activity")
    newest = timeline.json()["activity"][0]
    assert newest["kind"] == "note_added"
    assert newest["data"] == {"noteId": note["id"]}
    assert newest["actor"]["name"] == place.names["member"]


async def test_a_mention_notifies_and_mails_the_member(
    db: AsyncSession, world: World, services: Services, smtp_sink: SmtpSink
) -> None:
    place, _ = await arrange(db, world)
    body = (
        f"What do you think, @{place.names['member']}? Also @{place.emails['owner']}. "
        f"And @{place.names['outsider']}, @nobody@example.org"
    )
    created = await world.api("admin").post(
        f"/api/v1/applicants/{place.applicant_id}/notes", json={"body": body}
    )
    assert created.status_code == 201, created.text
    note_id = created.json()["note"]["id"]

    inbox = await world.api("member").get("/api/v1/notifications?unread=true")
    assert inbox.status_code == 200
    payload = inbox.json()
    assert payload["unreadCount"] == 1
    [notice] = payload["notifications"]
    assert notice["kind"] == "mention"
    assert notice["noteId"] == note_id
    assert notice["applicantName"] == "Grace Hopper"
    assert notice["actor"]["name"] == place.names["admin"]
    assert notice["url"] == f"/dashboard/{place.slug}/applicants/{place.applicant_id}"
    assert notice["readAt"] is None
    owner = (await world.api("owner").get("/api/v1/notifications")).json()
    assert owner["unreadCount"] == 1
    # Someone outside the organization is mentioned by nobody, and learns nothing.
    outsider = (await world.api("outsider").get("/api/v1/notifications")).json()
    assert outsider == {"error": False, "notifications": [], "unreadCount": 0}
    assert (await world.api("admin").get("/api/v1/notifications")).json()["unreadCount"] == 0

    await services.sender.send_due()
    [mail] = await smtp_sink.wait_for(place.emails["member"])
    assert mail.subject == "You were mentioned in a note at Alpha Works"
    assert "Grace Hopper" in mail.text
    assert f"/dashboard/{place.slug}/applicants/{place.applicant_id}" in mail.text
    assert smtp_sink.to(place.emails["outsider"]) == []

    read = await world.api("member").post("/api/v1/notifications/read", json={})
    assert read.json() == {"error": False, "marked": 1, "unreadCount": 0}
    assert (await world.api("member").get("/api/v1/notifications?unread=true")).json()[
        "notifications"
    ] == []
    everything = (await world.api("member").get("/api/v1/notifications")).json()
    assert everything["notifications"][0]["readAt"] is not None


async def test_marking_read_by_ids_touches_only_ones_own(db: AsyncSession, world: World) -> None:
    place, _ = await arrange(db, world)
    body = f"@{place.names['member']} and @{place.names['owner']}"
    await world.api("admin").post(
        f"/api/v1/applicants/{place.applicant_id}/notes", json={"body": body}
    )
    owner_notice = (await world.api("owner").get("/api/v1/notifications")).json()
    owner_id = owner_notice["notifications"][0]["id"]
    # The member cannot mark the owner's notification.
    marked = await world.api("member").post("/api/v1/notifications/read", json={"ids": [owner_id]})
    assert marked.json()["marked"] == 0
    assert (await world.api("owner").get("/api/v1/notifications")).json()["unreadCount"] == 1
    marked = await world.api("owner").post("/api/v1/notifications/read", json={"ids": [owner_id]})
    assert marked.json() == {"error": False, "marked": 1, "unreadCount": 0}
    assert (await world.api("member").get("/api/v1/notifications")).json()["unreadCount"] == 1


async def test_an_unverified_author_mentions_without_mail(db: AsyncSession, world: World) -> None:
    place, _ = await arrange(db, world)
    world.users["admin"].email_verified = False
    await db.commit()
    created = await world.api("admin").post(
        f"/api/v1/applicants/{place.applicant_id}/notes",
        json={"body": f"@{place.emails['member']} have a look"},
    )
    assert created.status_code == 201
    assert (await world.api("member").get("/api/v1/notifications")).json()["unreadCount"] == 1
    assert await _count(db, OutboxMessage, OutboxMessage.kind == "mention") == 0


async def test_a_member_who_opted_out_is_notified_but_not_mailed(
    db: AsyncSession, world: World
) -> None:
    place, _ = await arrange(db, world)
    # The member turns off mention mail for this organization on their settings page.
    saved = await world.browser("member").post(
        "/account/notifications", data={"submitted": "1", "notify": [world.org.id]}
    )
    assert saved.status_code == 303
    settings = await world.browser("member").get("/account/notifications")
    assert f'name="mention" value="{world.org.id}" checked' not in settings.text
    assert f'name="notify" value="{world.org.id}" checked' in settings.text
    created = await world.api("admin").post(
        f"/api/v1/applicants/{place.applicant_id}/notes",
        json={"body": f"@{place.emails['member']} and @{place.emails['owner']}, have a look"},
    )
    assert created.status_code == 201
    assert (await world.api("member").get("/api/v1/notifications")).json()["unreadCount"] == 1
    mailed = set(
        await db.scalars(select(OutboxMessage.to_address).where(OutboxMessage.kind == "mention"))
    )
    assert mailed == {place.emails["owner"]}


async def test_editing_mentions_only_newcomers(db: AsyncSession, world: World) -> None:
    place, _ = await arrange(db, world)
    admin = world.api("admin")
    note = (
        await admin.post(
            f"/api/v1/applicants/{place.applicant_id}/notes",
            json={"body": f"@{place.names['member']}"},
        )
    ).json()["note"]
    edited = await admin.patch(
        f"/api/v1/notes/{note['id']}",
        json={"body": f"@{place.names['member']} and @{place.names['owner']}"},
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["note"]["body"].endswith(place.names["owner"])
    assert await _count(db, Notification, Notification.note_id == note["id"]) == 2
    assert await _count(db, OutboxMessage, OutboxMessage.kind == "mention") == 2


async def test_only_the_author_edits_and_admins_also_delete(db: AsyncSession, world: World) -> None:
    place, _ = await arrange(db, world)
    notes = f"/api/v1/applicants/{place.applicant_id}/notes"
    mine = (await world.api("member").post(notes, json={"body": "Mine"})).json()["note"]
    for caller in ("admin", "owner"):
        refused = await world.api(caller).patch(
            f"/api/v1/notes/{mine['id']}", json={"body": "Not yours"}
        )
        assert refused.status_code == 403
        assert refused.json() == {
            "error": True,
            "message": "Only the author can edit this note",
        }
    edited = await world.api("member").patch(
        f"/api/v1/notes/{mine['id']}", json={"body": "Mine, *edited*"}
    )
    assert edited.status_code == 200
    assert edited.json()["note"]["html"] == "<p>Mine, <em>edited</em></p>\n"

    admins = (await world.api("admin").post(notes, json={"body": "Admin's"})).json()["note"]
    refused = await world.api("member").delete(f"/api/v1/notes/{admins['id']}")
    assert refused.status_code == 403
    # An admin deletes anyone's note; its timeline entry goes with it.
    deleted = await world.api("admin").delete(f"/api/v1/notes/{mine['id']}")
    assert deleted.json() == {"error": False, "message": "Note deleted"}
    own = await world.api("admin").delete(f"/api/v1/notes/{admins['id']}")
    assert own.status_code == 200
    assert (await world.api("member").get(notes)).json()["notes"] == []
    timeline = await world.api("member").get(f"/api/v1/applicants/{place.applicant_id}/activity")
    assert [entry["kind"] for entry in timeline.json()["activity"]] == ["applied"]
    assert (await world.api("member").delete(f"/api/v1/notes/{mine['id']}")).status_code == 404


async def test_bad_notes_are_refused(db: AsyncSession, world: World) -> None:
    place, _ = await arrange(db, world)
    notes = f"/api/v1/applicants/{place.applicant_id}/notes"
    member = world.api("member")
    for body in ({"body": "   "}, {"body": "x" * 10_001}, {}, {"body": 5}):
        refused = await member.post(notes, json=body)
        assert refused.status_code == 422, body
        assert refused.json()["error"] is True
        assert "body" in refused.json()["fieldErrors"], (body, refused.text)
    unknown = await member.post(notes, json={"body": "Fine", "pinned": True})
    assert unknown.status_code == 422
    assert "pinned" in unknown.json()["fieldErrors"]
    assert (await member.post("/api/v1/notifications/read", json={"all": True})).status_code == 422
    assert (await member.get(notes)).json()["notes"] == []


async def test_another_organization_sees_nothing(db: AsyncSession, world: World) -> None:
    place, _ = await arrange(db, world)
    note = (
        await world.api("member").post(
            f"/api/v1/applicants/{place.applicant_id}/notes", json={"body": "Internal"}
        )
    ).json()["note"]
    outsider = world.api("outsider")
    notes = f"/api/v1/applicants/{place.applicant_id}/notes"
    for response in (
        await outsider.get(notes),
        await outsider.post(notes, json={"body": "Hello"}),
        await outsider.patch(f"/api/v1/notes/{note['id']}", json={"body": "Hello"}),
        await outsider.delete(f"/api/v1/notes/{note['id']}"),
    ):
        assert response.status_code == 404
        assert response.json()["message"] in ("Applicant does not exist", "Note does not exist")
    assert (await world.api("member").get(notes)).json()["notes"][0]["body"] == "Internal"
    assert (await world.anonymous.get("/api/v1/notifications")).status_code == 401
