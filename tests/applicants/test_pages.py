"""The dashboard pages of applicants: overview, lists, one applicant, board, bulk changes,
CSV export, erasure; and the candidate's confirmation page."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.applicants.helpers import Upload, apply, candidate, pdf_bytes, store_resume, stored_files
from tests.fixtures.world import World
from wegotwork.clock import FrozenClock
from wegotwork.deps import Services
from wegotwork.models import (
    Applicant,
    ApplicantEvent,
    ApplicantStatus,
    Job,
    JobStatus,
    PipelineStage,
)
from wegotwork.pipelines.actions import move_applicants

INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def assert_csp_clean(html: str) -> None:
    """Pages obey the site's CSP: no inline styles, scripts or event handlers."""
    assert 'style="' not in html
    assert not INLINE_SCRIPT.search(html)
    assert not INLINE_HANDLER.search(html)


def flash_of(response: httpx.Response) -> str:
    return unquote(response.cookies.get("wegotwork.flash") or "")


async def test_the_overview_shows_counts_a_chart_and_recent_applicants(
    db: AsyncSession, world: World, job: Job, frozen_clock: FrozenClock
) -> None:
    await factories.make_job(db, world.org, status=JobStatus.DRAFT)
    await factories.make_job(db, world.other_org)
    old = await factories.make_applicant(db, job, name="Old Timer", status=ApplicantStatus.HIRED)
    old.created_at = frozen_clock.current - timedelta(days=40)
    await factories.make_applicant(db, job, name="Early Bird")
    (await factories.make_applicant(db, job, name="Ten Days")).created_at = (
        frozen_clock.current - timedelta(days=10)
    )
    await factories.make_applicant(db, job, name="Fresh Face", status=ApplicantStatus.INTERVIEW)
    await db.commit()
    response = await world.browser("member").get(f"/dashboard/{world.org.slug}")
    assert response.status_code == 200
    html = response.text
    assert_csp_clean(html)
    figures = dict(
        re.findall(
            r'<span class="stat-value">(\d+)</span>\s*<span class="stat-label">([^<]+)', html
        )
    )
    assert figures == {
        "1": "Published job",
        "2": "Applicants this week ",
        "4": "Applicants in total",
    }
    assert html.count('class="chart-bar"') + html.count('class="chart-bar-empty"') == 30
    assert html.count('class="chart-bar"') == 2  # today, and ten days ago
    assert "3 applications in the last 30 days, at most 2 on one day." in html
    assert html.index("Fresh Face") < html.index("Ten Days") < html.index("Old Timer")
    assert 'value="1" aria-label="Hired"' in html


async def test_the_overview_of_a_new_organization_invites_to_share_the_careers_page(
    world: World,
) -> None:
    response = await world.browser("owner").get(f"/dashboard/{world.org.slug}")
    assert response.status_code == 200
    assert "No applications yet" in response.text
    assert "0 applications in the last 30 days" in response.text


async def test_pages_ask_signed_out_visitors_to_sign_in(world: World) -> None:
    response = await world.anonymous.get(f"/dashboard/{world.org.slug}/applicants?status=OFFER")
    assert response.status_code == 303
    assert response.headers["location"] == (
        f"/sign-in?next=%2Fdashboard%2F{world.org.slug}%2Fapplicants%3Fstatus%3DOFFER"
    )


async def test_the_list_filters_searches_and_pages(
    db: AsyncSession, world: World, job: Job, frozen_clock: FrozenClock
) -> None:
    for index in range(30):
        await factories.make_applicant(db, job, name=f"Candidate {index:02d}")
        frozen_clock.advance(timedelta(minutes=1))
    await factories.make_applicant(
        db, job, name="Special One", motivation="100% committed", status=ApplicantStatus.OFFER
    )
    await db.commit()
    browser = world.browser("member")
    base = f"/dashboard/{world.org.slug}/applicants"
    first = await browser.get(base)
    assert first.status_code == 200
    assert_csp_clean(first.text)
    names = re.findall(r'class="applicant-name"[^>]*>([^<]+)<', first.text)
    assert names[:2] == ["Special One", "Candidate 29"]
    assert len(names) == 25
    next_link = re.search(r'href="([^"]+)" rel="next"', first.text)
    assert next_link is not None
    second = await browser.get(next_link.group(1).replace("&amp;", "&"))
    names_2 = re.findall(r'class="applicant-name"[^>]*>([^<]+)<', second.text)
    assert names_2 == [f"Candidate {index:02d}" for index in range(5, -1, -1)]
    assert "First page" in second.text

    searched = await browser.get(base, params={"q": "%"})
    assert re.findall(r'class="applicant-name"[^>]*>([^<]+)<', searched.text) == ["Special One"]
    by_status = await browser.get(base, params={"status": "OFFER"})
    assert re.findall(r'class="applicant-name"[^>]*>([^<]+)<', by_status.text) == ["Special One"]
    nothing = await browser.get(base, params={"q": "nobody at all"})
    assert "No applicants match" in nothing.text
    stale = await browser.get(base, params={"cursor": "garbage"})
    assert stale.status_code == 200


async def test_the_list_of_one_job_and_its_guard(db: AsyncSession, world: World, job: Job) -> None:
    other = await factories.make_job(db, world.org, title="Other Role")
    await factories.make_applicant(db, job, name="Mine")
    await factories.make_applicant(db, other, name="Not Mine")
    theirs = await factories.make_job(db, world.other_org)
    await db.commit()
    browser = world.browser("member")
    response = await browser.get(f"/dashboard/{world.org.slug}/jobs/{job.id}/applicants")
    assert response.status_code == 200
    assert f"Applicants for {job.title}" in response.text
    assert re.findall(r'class="applicant-name"[^>]*>([^<]+)<', response.text) == ["Mine"]
    foreign = await browser.get(f"/dashboard/{world.org.slug}/jobs/{theirs.id}/applicants")
    assert foreign.status_code == 404


async def test_the_jobs_list_and_the_job_editor_lead_to_each_jobs_applicants(
    db: AsyncSession, world: World, job: Job
) -> None:
    await factories.make_applicant(db, job, name="Mine")
    await db.commit()
    browser = world.browser("member")
    per_job = f"/dashboard/{world.org.slug}/jobs/{job.id}/applicants"
    jobs = await browser.get(f"/dashboard/{world.org.slug}/jobs")
    assert f'href="{per_job}" aria-label="1 applicant for {job.title}"' in jobs.text
    editor = await browser.get(f"/dashboard/{world.org.slug}/jobs/{job.id}")
    assert f'href="{per_job}">1 applicant</a>' in editor.text
    # An older link that names the job in the query still shows only its applicants.
    old = await browser.get(f"/dashboard/{world.org.slug}/applicants", params={"jobId": job.id})
    assert re.findall(r'class="applicant-name"[^>]*>([^<]+)<', old.text) == ["Mine"]


async def test_one_applicant_with_the_resume_inline_links_motivation_and_history(
    db: AsyncSession, world: World, job: Job, services: Services
) -> None:
    key = await store_resume(services.storage, pdf_bytes())
    applicant = await factories.make_applicant(
        db,
        job,
        name="Ada <b>Lovelace</b>",
        motivation="<script>alert(1)</script>\nSecond line",
        resume_key=key,
    )
    applicant.linkedin = "https://www.linkedin.com/in/ada"
    applicant.github = "https://github.com/ada"
    applicant.email = "ada&lovelace@example.com"
    interview = await db.scalar(
        select(PipelineStage).where(
            PipelineStage.organization_id == world.org.id,
            PipelineStage.status == ApplicantStatus.INTERVIEW,
        )
    )
    assert interview is not None
    await move_applicants(db, [applicant], interview, actor=world.users["admin"])
    await db.commit()
    response = await world.browser("member").get(
        f"/dashboard/{world.org.slug}/applicants/{applicant.id}"
    )
    assert response.status_code == 200
    html = response.text
    assert_csp_clean(html)
    assert "Ada &lt;b&gt;Lovelace&lt;/b&gt;" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;\nSecond line" in html
    assert f'src="/dashboard/{world.org.slug}/applicants/{applicant.id}/resume?inline=1"' in html
    assert f'href="/dashboard/{world.org.slug}/applicants/{applicant.id}/resume" download' in html
    assert 'href="https://www.linkedin.com/in/ada"' in html
    assert 'href="https://github.com/ada"' in html
    assert "<strong>Admin Person</strong> moved" in html
    assert "from Submitted to Interview" in html
    # A long address wraps before its "@", never inside a word.
    shown = '<a href="mailto:ada&amp;lovelace@example.com">ada&amp;lovelace<wbr>@example.com</a>'
    assert shown in html
    # The motivation, a few lines, comes before the résumé viewer, a screen tall.
    assert html.index('id="motivation-title"') < html.index('id="resume-title"')


async def test_changing_the_status_from_the_page_records_it_and_comes_back(
    db: AsyncSession, world: World, job: Job
) -> None:
    applicant = await factories.make_applicant(db, job, name="Grace")
    await db.commit()
    browser = world.browser("member")
    base = f"/dashboard/{world.org.slug}/applicants/{applicant.id}"
    response = await browser.post(f"{base}/status", data={"status": "OFFER"})
    assert response.status_code == 303
    assert response.headers["location"] == base
    assert "Grace moved to Offer." in flash_of(response)
    from_board = await browser.post(
        f"{base}/status", data={"status": "HIRED", "next": "board", "job": job.id}
    )
    assert from_board.headers["location"] == f"/dashboard/{world.org.slug}/board?job={job.id}"
    events = (await db.execute(select(ApplicantEvent.to_status))).scalars().all()
    assert sorted(events) == ["HIRED", "OFFER"]
    bad = await browser.post(f"{base}/status", data={"status": "NOPE"})
    assert bad.status_code == 303
    assert "Choose a status" in flash_of(bad)


async def test_csv_export_of_the_filtered_list_is_safe_in_spreadsheets(
    db: AsyncSession, world: World, job: Job
) -> None:
    await factories.make_applicant(
        db, job, name='=HYPERLINK("http://evil")', motivation="+1 from me", status="OFFER"
    )
    await factories.make_applicant(db, job, name="@SUM(A1)", status="OFFER")
    await factories.make_applicant(db, job, name="Not offered")
    await db.commit()
    response = await world.browser("member").get(
        f"/dashboard/{world.org.slug}/applicants/export.csv", params={"status": "OFFER"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith(
        f'attachment; filename="applicants-{world.org.slug}-'
    )
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["Name", "Email", "Job", "Status"]
    names = {row[0] for row in rows[1:]}
    assert names == {'\'=HYPERLINK("http://evil")', "'@SUM(A1)"}
    motivations = {row[-1] for row in rows[1:]}
    assert "'+1 from me" in motivations


async def test_erasing_from_the_page_removes_row_and_file(
    db: AsyncSession, world: World, job: Job, services: Services, files_root: Path
) -> None:
    applicant = await factories.make_applicant(
        db, job, resume_key=await store_resume(services.storage, pdf_bytes())
    )
    held = await factories.make_applicant(db, job, name="Held Person", email="held@example.com")
    held.legal_hold = True
    name = applicant.name
    await db.commit()
    browser = world.browser("member")
    page = f"/dashboard/{world.org.slug}/applicants/{applicant.id}"
    assert f'data-expected="{name}"' in (await browser.get(page)).text

    # Without the typed name, or with another, nothing is erased and the page says why.
    for typed in ("", "Someone Else"):
        refused = await browser.post(f"{page}/erase", data={"confirm": typed})
        assert refused.status_code == 303
        assert refused.headers["location"] == f"{page}#erase-title"
        assert "Type the applicant&#39;s name exactly" in (await browser.get(page)).text
    held_page = f"/dashboard/{world.org.slug}/applicants/{held.id}"
    on_hold = await browser.post(f"{held_page}/erase", data={"confirm": "Held Person"})
    assert on_hold.status_code == 303
    assert "under legal hold" in (await browser.get(held_page)).text
    assert await db.scalar(select(func.count()).select_from(Applicant)) == 2

    response = await browser.post(f"{page}/erase", data={"confirm": f"  {name} "})
    assert response.status_code == 303
    assert response.headers["location"] == f"/dashboard/{world.org.slug}/applicants"
    assert await db.scalar(select(func.count()).select_from(Applicant)) == 1
    assert stored_files(files_root) == []


async def test_the_board_has_a_column_per_status_and_a_form_per_card(
    db: AsyncSession, world: World, job: Job
) -> None:
    other = await factories.make_job(db, world.org)
    await factories.make_applicant(db, job, name="In Review", status=ApplicantStatus.UNDERREVIEW)
    await factories.make_applicant(db, other, name="Elsewhere", status=ApplicantStatus.OFFER)
    await db.commit()
    browser = world.browser("member")
    response = await browser.get(f"/dashboard/{world.org.slug}/board")
    assert response.status_code == 200
    html = response.text
    assert_csp_clean(html)
    assert re.findall(r'class="board-column" data-status="(\w+)"', html) == [
        "SUBMITTED",
        "UNDERREVIEW",
        "INTERVIEW",
        "OFFER",
        "REJECTED",
        "HIRED",
    ]
    assert html.count('class="board-move"') == 2
    assert "In Review" in html
    filtered = await browser.get(f"/dashboard/{world.org.slug}/board", params={"job": job.id})
    assert "In Review" in filtered.text
    assert "Elsewhere" not in filtered.text


async def test_a_candidate_applying_through_the_page_lands_on_the_confirmation(
    client: httpx.AsyncClient, db: AsyncSession, world: World, job: Job
) -> None:
    url = f"/careers/{world.org.slug}/jobs/{job.id}/apply"
    response = await apply(client, job.id, candidate(), Upload("cv.pdf", pdf_bytes()), url=url)
    assert response.status_code == 303
    assert response.headers["location"] == f"/careers/{world.org.slug}/jobs/{job.id}/applied"
    assert await db.scalar(select(func.count()).select_from(Applicant)) == 1
    page = await client.get(response.headers["location"])
    assert page.status_code == 200
    assert_csp_clean(page.text)
    assert "Thank you, your application was sent" in page.text
    assert job.title in page.text


async def test_the_page_form_refuses_a_job_of_another_organization(
    client: httpx.AsyncClient, db: AsyncSession, world: World, job: Job
) -> None:
    url = f"/careers/{world.other_org.slug}/jobs/{job.id}/apply"
    response = await apply(client, job.id, url=url)
    assert response.status_code == 404
    assert await db.scalar(select(func.count()).select_from(Applicant)) == 0
    elsewhere = await client.get(f"/careers/{world.other_org.slug}/jobs/{job.id}/applied")
    assert elsewhere.status_code == 404


@pytest.mark.parametrize("htmx", [True, False])
async def test_notification_settings_list_my_organizations(
    db: AsyncSession, world: World, htmx: bool
) -> None:
    await factories.add_member(db, world.other_org, world.users["member"])
    await db.commit()
    headers = {"HX-Request": "true"} if htmx else {}
    response = await world.browser("member").get("/account/notifications", headers=headers)
    assert response.status_code == 200
    assert_csp_clean(response.text)
    assert ("<!doctype html>" in response.text) is not htmx
    assert response.text.count('name="notify"') == 2
    assert response.text.count('name="mention"') == 2
    assert "Alpha Works" in response.text
    assert "Beta Labs" in response.text


async def test_opting_out_of_notifications_changes_only_my_memberships(
    db: AsyncSession, world: World
) -> None:
    from wegotwork.models import Member

    await factories.add_member(db, world.other_org, world.users["member"])
    await db.commit()
    browser = world.browser("member")
    response = await browser.post(
        "/account/notifications", data={"submitted": "1", "notify": [world.other_org.id]}
    )
    assert response.status_code == 303
    rows = (
        await db.execute(
            select(
                Member.user_id,
                Member.organization_id,
                Member.notify_new_applicants,
                Member.notify_mentions,
            )
        )
    ).all()
    settings = {(user, org): enabled for user, org, enabled, _mentions in rows}
    mentions = {(user, org): mentioned for user, org, _enabled, mentioned in rows}
    member = world.users["member"].id
    assert settings[(member, world.org.id)] is False
    assert settings[(member, world.other_org.id)] is True
    assert all(enabled for (user, _org), enabled in settings.items() if user != member)
    # Mentions were not ticked in that form: no mention mail from either organization now.
    assert mentions[(member, world.org.id)] is False
    assert mentions[(member, world.other_org.id)] is False
    assert all(mentioned for (user, _org), mentioned in mentions.items() if user != member)
    swapped = await browser.post(
        "/account/notifications",
        data={"submitted": "1", "notify": [world.org.id]},
        headers={"HX-Request": "true"},
    )
    assert swapped.status_code == 200
    assert "Saved." in swapped.text


async def test_the_account_partial_renders_with_only_the_signed_in_user(
    services: Services, world: World
) -> None:
    html = services.templates.render_string("account/notifications.html", {"auth": None})
    assert 'hx-get="/account/notifications"' in html
    assert 'hx-trigger="load"' in html
    assert 'href="/account/notifications"' in html


def test_the_apply_form_keeps_what_was_typed_and_shows_errors_in_place(
    services: Services,
) -> None:
    from types import SimpleNamespace

    org = SimpleNamespace(slug="acme", name="Acme")
    job = SimpleNamespace(id="job1", title="Engineer")
    blank = services.templates.render_string("applicants/apply_form.html", {"org": org, "job": job})
    assert 'action="/careers/acme/jobs/job1/apply#apply"' in blank
    assert 'enctype="multipart/form-data"' in blank
    assert 'class="honeypot" aria-hidden="true"' in blank
    assert "aria-invalid" not in blank
    assert_csp_clean(blank)

    html = services.templates.render_string(
        "applicants/apply_form.html",
        {
            "org": org,
            "job": job,
            "form_values": {"name": "Ada <Lovelace>", "email": "bad", "motivation": "Hi\nthere"},
            "form_errors": {
                "email": ["Enter a valid email address, like name@example.com"],
                "resume": ["The résumé must be a PDF, DOC or DOCX file"],
            },
        },
    )
    assert 'value="Ada &lt;Lovelace&gt;"' in html
    assert ">Hi\nthere</textarea>" in html
    assert 'id="f-email" name="email" type="email" value="bad"' in html
    assert 'aria-describedby="f-email-error"' in html
    assert 'id="f-resume-error">The résumé must be a PDF, DOC or DOCX file</p>' in html
    assert "choose the file again" in html
    assert 'inputmode="url"' in html
