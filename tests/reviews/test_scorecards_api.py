"""Interview kits and scorecards through the JSON API: blind until one submits one's own for
the stage (admins see all), the summary and rating, the timeline, bad input and isolation."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.world import World
from tests.reviews.helpers import arrange, teammate
from wegotwork.models import PipelineStage

pytestmark = pytest.mark.usefixtures("dialect")

KIT = {
    "attributes": [
        {"name": "Python", "description": "Writes idiomatic, tested code"},
        {"name": "Communication"},
    ]
}


async def test_a_stage_carries_an_interview_kit_admins_write(
    db: AsyncSession, world: World
) -> None:
    place, _ = await arrange(db, world)
    url = f"/api/v1/stages/{place.stage_id}/scorecard"
    assert (await world.api("member").put(url, json=KIT)).status_code == 403
    saved = await world.api("admin").put(url, json=KIT)
    assert saved.status_code == 200, saved.text
    assert saved.json()["scorecard"] == {
        "stageId": place.stage_id,
        "attributes": [
            {"name": "Python", "description": "Writes idiomatic, tested code"},
            {"name": "Communication", "description": None},
        ],
    }
    review = await world.api("member").get(f"/api/v1/applicants/{place.applicant_id}/scorecards")
    stage = next(s for s in review.json()["stages"] if s["id"] == place.stage_id)
    assert [a["name"] for a in stage["attributes"]] == ["Python", "Communication"]
    repeated = await world.api("admin").put(
        url, json={"attributes": [{"name": "Python"}, {"name": " python "}]}
    )
    assert repeated.status_code == 422
    assert repeated.json()["fieldErrors"] == {
        "attributes[1].name": ["Each attribute needs a different name"]
    }


async def test_scorecards_are_blind_until_one_submits(db: AsyncSession, world: World) -> None:
    place, _ = await arrange(db, world)
    await world.api("admin").put(f"/api/v1/stages/{place.stage_id}/scorecard", json=KIT)
    second = await teammate(db, world)
    first = world.api("member")
    cards = f"/api/v1/applicants/{place.applicant_id}/scorecards"

    submitted = await first.put(
        f"{cards}/{place.stage_id}",
        json={"ratings": {"Python": 4, "Communication": 3}, "recommendation": "strong_yes"},
    )
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["scorecard"]["mine"] is True

    # The second member has not submitted: the first's scorecard stays hidden.
    blind = (await second.get(cards)).json()
    assert blind["scorecards"] == []
    assert blind["rating"] is None
    stage = next(s for s in blind["stages"] if s["id"] == place.stage_id)
    assert stage["submitted"] is False
    assert stage["hiddenCount"] == 1
    assert stage["rating"] is None

    # The first sees only their own until the second submits.
    await second.put(
        f"{cards}/{place.stage_id}",
        json={"ratings": {"Python": 2}, "recommendation": "no", "notes": "Shaky on tests"},
    )
    after = (await second.get(cards)).json()
    assert sorted(card["recommendation"] for card in after["scorecards"]) == ["no", "strong_yes"]
    stage = next(s for s in after["stages"] if s["id"] == place.stage_id)
    assert stage["hiddenCount"] == 0
    assert stage["rating"] == 0.5
    assert stage["ratings"] == {"Python": 3.0, "Communication": 3.0}
    assert after["rating"] == 0.5
    mine = [card for card in after["scorecards"] if card["mine"]]
    assert [card["notes"] for card in mine] == ["Shaky on tests"]

    # Admins and owners always see every scorecard.
    for caller in ("admin", "owner"):
        everything = (await world.api(caller).get(cards)).json()
        assert len(everything["scorecards"]) == 2


async def test_a_scorecard_is_one_per_member_and_stage_and_logged_once(
    db: AsyncSession, world: World
) -> None:
    place, _ = await arrange(db, world)
    member = world.api("member")
    url = f"/api/v1/applicants/{place.applicant_id}/scorecards/{place.stage_id}"
    first = await member.put(url, json={"recommendation": "no"})
    again = await member.put(url, json={"recommendation": "yes", "notes": "Changed my mind"})
    assert first.json()["scorecard"]["id"] == again.json()["scorecard"]["id"]
    review = (await member.get(f"/api/v1/applicants/{place.applicant_id}/scorecards")).json()
    assert [card["recommendation"] for card in review["scorecards"]] == ["yes"]
    timeline = (await member.get(f"/api/v1/applicants/{place.applicant_id}/activity")).json()[
        "activity"
    ]
    logged = [entry for entry in timeline if entry["kind"] == "scorecard_submitted"]
    assert len(logged) == 1
    # The timeline is not blind: it says who submitted for which stage, not the verdict.
    assert logged[0]["data"] == {
        "stage": {"id": place.stage_id, "name": "Submitted", "status": "SUBMITTED"}
    }


async def test_bad_scorecards_are_refused(db: AsyncSession, world: World) -> None:
    place, _ = await arrange(db, world)
    await world.api("admin").put(f"/api/v1/stages/{place.stage_id}/scorecard", json=KIT)
    other = await factories.make_pipeline(db, world.org)
    elsewhere = await db.scalar(
        select(PipelineStage.id).where(PipelineStage.pipeline_id == other.id).limit(1)
    )
    await db.commit()
    member = world.api("member")
    url = f"/api/v1/applicants/{place.applicant_id}/scorecards"
    cases = {
        "outside 1-4": ({"ratings": {"Python": 5}, "recommendation": "yes"}, "ratings"),
        "zero": ({"ratings": {"Python": 0}, "recommendation": "yes"}, "ratings"),
        "unknown verdict": ({"recommendation": "maybe"}, "recommendation"),
        "unknown field": ({"recommendation": "yes", "score": 3}, "score"),
    }
    for name, (body, field) in cases.items():
        refused = await member.put(f"{url}/{place.stage_id}", json=body)
        assert refused.status_code == 422, name
        assert any(key.startswith(field) for key in refused.json()["fieldErrors"]), name
    unknown = await member.put(
        f"{url}/{place.stage_id}", json={"ratings": {"Rust": 3}, "recommendation": "yes"}
    )
    assert unknown.status_code == 422
    assert unknown.json()["fieldErrors"] == {
        "ratings.Rust": ["This stage's interview kit has no such attribute"]
    }
    wrong_stage = await member.put(f"{url}/{elsewhere}", json={"recommendation": "yes"})
    assert wrong_stage.status_code == 422
    assert "stageId" in wrong_stage.json()["fieldErrors"]
    assert (await member.get(url)).json()["scorecards"] == []


async def test_another_organization_sees_and_changes_nothing(
    db: AsyncSession, world: World
) -> None:
    place, _ = await arrange(db, world)
    await world.api("member").put(
        f"/api/v1/applicants/{place.applicant_id}/scorecards/{place.stage_id}",
        json={"recommendation": "yes"},
    )
    outsider = world.api("outsider")
    url = f"/api/v1/applicants/{place.applicant_id}/scorecards"
    assert (await outsider.get(url)).status_code == 404
    refused = await outsider.put(f"{url}/{place.stage_id}", json={"recommendation": "no"})
    assert refused.status_code == 404
    kit = await outsider.put(f"/api/v1/stages/{place.stage_id}/scorecard", json=KIT)
    assert kit.status_code == 404
    assert kit.json() == {"error": True, "message": "Stage does not exist"}
    # Organization B's own stage is not a stage of A's applicant's pipeline.
    theirs = await db.scalar(
        select(PipelineStage.id).where(PipelineStage.organization_id == world.other_org.id)
    )
    crossed = await world.api("member").put(f"{url}/{theirs}", json={"recommendation": "no"})
    assert crossed.status_code == 422
    count = await db.scalar(select(func.count()).select_from(PipelineStage))
    assert count


async def test_applicants_carry_the_rating_the_caller_may_see(
    db: AsyncSession, world: World
) -> None:
    place, _ = await arrange(db, world)
    second = await teammate(db, world)
    cards = f"/api/v1/applicants/{place.applicant_id}/scorecards/{place.stage_id}"
    detail = f"/api/v1/applicants/{place.applicant_id}"
    listing = f"/api/v1/organizations/{place.org_id}/applicants"

    def rating_in(payload: dict[str, object]) -> object:
        rows = payload["applicants"]
        assert isinstance(rows, list)
        return next(row["rating"] for row in rows if row["id"] == place.applicant_id)

    assert (await world.api("member").get(detail)).json()["applicant"]["rating"] is None
    await world.api("member").put(cards, json={"recommendation": "strong_yes"})
    await world.api("owner").put(cards, json={"recommendation": "no"})
    # Admins see every scorecard: the mean of 2 and -1.
    assert (await world.api("admin").get(detail)).json()["applicant"]["rating"] == 0.5
    assert rating_in((await world.api("admin").get(listing)).json()) == 0.5
    assert (await world.api("member").get(detail)).json()["applicant"]["rating"] == 0.5
    # A member who has not submitted sees no rating: it would tell the hidden verdicts.
    assert (await second.get(detail)).json()["applicant"]["rating"] is None
    assert rating_in((await second.get(listing)).json()) is None
    await second.put(cards, json={"recommendation": "yes"})
    assert (await second.get(detail)).json()["applicant"]["rating"] == 0.67
    assert rating_in((await second.get(listing)).json()) == 0.67


async def test_lists_sort_and_filter_by_the_rating_the_caller_may_see(
    db: AsyncSession, world: World
) -> None:
    job = await factories.make_job(db, world.org)
    names = ["Ada", "Barbara", "Claude", "Dennis", "Edsger"]
    applicants = [await factories.make_applicant(db, job, name=name) for name in names]
    ids = {applicant.name: applicant.id for applicant in applicants}
    stage = {applicant.name: applicant.stage_id for applicant in applicants}
    await db.commit()
    second = await teammate(db, world)
    verdicts = {
        "Ada": ["no"],
        "Barbara": ["strong_yes", "yes"],
        "Claude": ["yes"],
        "Dennis": [],
        "Edsger": ["strong_yes", "strong_yes"],
    }
    for name, given in verdicts.items():
        for caller, verdict in zip((world.api("member"), world.api("owner")), given, strict=False):
            card = f"/api/v1/applicants/{ids[name]}/scorecards/{stage[name]}"
            sent = await caller.put(card, json={"recommendation": verdict})
            assert sent.status_code == 200, sent.text
    listing = f"/api/v1/jobs/{job.id}/applicants"

    async def walk(client: object, query: str) -> list[str]:
        """Every page of the list, two at a time, following the cursor."""
        assert hasattr(client, "get")
        seen: list[str] = []
        cursor = ""
        while True:
            page = await client.get(f"{listing}?limit=2&{query}{cursor}")
            assert page.status_code == 200, page.text
            by_id = {value: key for key, value in ids.items()}
            seen += [by_id[row["id"]] for row in page.json()["applicants"]]
            if not page.json()["nextCursor"]:
                return seen
            cursor = f"&cursor={page.json()['nextCursor']}"

    admin = world.api("admin")
    # Best rated first (Edsger 2, Barbara 1.5, Claude 1, Ada -1), the unrated last.
    assert await walk(admin, "sort=rating") == ["Edsger", "Barbara", "Claude", "Ada", "Dennis"]
    assert await walk(admin, "sort=rating&minRating=1") == ["Edsger", "Barbara", "Claude"]
    assert await walk(admin, "minRating=-2") == ["Edsger", "Claude", "Barbara", "Ada"]
    # A member who has written no scorecard sees no rating, so nothing to sort or filter by:
    # the order and the filter never tell a verdict the member may not see.
    assert await walk(second, "sort=rating") == ["Edsger", "Dennis", "Claude", "Barbara", "Ada"]
    assert await walk(second, "minRating=-2") == []

    refused = await admin.get(f"{listing}?minRating=3")
    assert refused.status_code == 422
    wrong_sort = await admin.get(f"{listing}?sort=best")
    assert wrong_sort.status_code == 422
    # A cursor of one order is refused by the other.
    newest = await admin.get(f"{listing}?limit=2")
    mixed = await admin.get(f"{listing}?limit=2&sort=rating&cursor={newest.json()['nextCursor']}")
    assert mixed.status_code == 422
    assert "cursor" in mixed.json()["fieldErrors"]
