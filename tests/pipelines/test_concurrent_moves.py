"""Two members moving the same card at the same moment, on real connections with real commits:
both succeed, one after the other (the applicant row is locked for the move), the timeline
shows both, and the counts stay right."""

from __future__ import annotations

import asyncio

import httpx

from tests import factories
from tests.fixtures.app import BASE_URL, Deployment
from wegotwork.models import Role


async def test_two_members_moving_the_same_card_at_once_are_both_applied_in_order(
    deployment: Deployment,
) -> None:
    async with deployment.sessions() as session:
        owner = await factories.make_user(session)
        organization = await factories.make_org(session, owner)
        tokens = []
        for _ in range(2):
            member = await factories.make_user(session)
            await factories.add_member(session, organization, member, Role.MEMBER)
            tokens.append((await factories.make_session(session, member)).token)
        job = await factories.make_job(session, organization)
        applicants = [await factories.make_applicant(session, job) for _ in range(5)]
        ids = [applicant.id for applicant in applicants]
        job_id = job.id
        await session.commit()

    app = deployment.app()
    async with deployment.serve(app):
        clients = [
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url=BASE_URL,
                headers={"authorization": f"Bearer {token}"},
            )
            for token in tokens
        ]
        try:
            for applicant_id in ids:
                path = f"/api/v1/applicants/{applicant_id}"
                moved = await asyncio.gather(
                    clients[0].patch(path, json={"status": "INTERVIEW"}),
                    clients[1].patch(path, json={"status": "OFFER"}),
                )
                assert [response.status_code for response in moved] == [200, 200], [
                    response.text for response in moved
                ]
                activity = (await clients[0].get(f"{path}/activity")).json()["activity"]
                changes = [entry for entry in activity if entry["kind"] == "stage_changed"]
                assert len(changes) == 2
                # The later change starts where the earlier one ended: one order, no lost move.
                later, earlier = changes
                assert later["data"]["from"]["id"] == earlier["data"]["to"]["id"]
                final = (await clients[0].get(path)).json()["applicant"]
                assert final["stageId"] == later["data"]["to"]["id"]
            counts = (await clients[0].get(f"/api/v1/jobs/{job_id}/pipeline")).json()
            assert sum(stage["count"] for stage in counts["pipeline"]["stages"]) == len(ids)
        finally:
            for client in clients:
                await client.aclose()
