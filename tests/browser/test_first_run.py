"""In Chromium, where people first meet the product: a candidate on a phone sees jobs at once
and reaches the form in one tap; filters work without JavaScript; the header's menu works on a
phone; everything is reachable by keyboard with a visible focus; the confirmation dialog keeps
and gives back focus; a form sends once; a new team's checklist ticks as it goes."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import Browser, Page, Request, Route, expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from tests import factories
from tests.browser.workspace import Seeded, new_context, seed
from tests.fixtures.live import LiveServer
from wegotwork.db import create_engine
from wegotwork.models import JobType, Organization

pytestmark = pytest.mark.browser


@pytest.fixture
async def seeded(live_server: LiveServer) -> Seeded:
    return await seed(live_server)


async def add_jobs(server: LiveServer, slug: str, count: int) -> None:
    """More published jobs, in two more categories, so the careers page is a long one."""
    engine = create_engine(server.database_url)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as db:
            org = (
                await db.execute(select(Organization).where(Organization.slug == slug))
            ).scalar_one()
            front = await factories.make_category(db, org, name="Front of house")
            office = await factories.make_category(db, org, name="Office")
            for number in range(count):
                await factories.make_job(
                    db,
                    org,
                    title=f"Shop Assistant {number + 1}",
                    category=front if number % 2 else office,
                    type=JobType.PARTTIME,
                    remote=number % 3 == 0,
                )
            await db.commit()
    finally:
        await engine.dispose()


async def titles_in_first_screen(page: Page) -> list[str]:
    return await page.evaluate(
        """() => [...document.querySelectorAll('.job-title')]
            .filter((el) => { const box = el.getBoundingClientRect();
                              return box.top >= 0 && box.bottom <= window.innerHeight; })
            .map((el) => el.textContent)"""
    )


async def test_a_phone_shows_three_jobs_at_once_and_filters_without_javascript(
    browser: Browser, live_server: LiveServer, seeded: Seeded
) -> None:
    await add_jobs(live_server, seeded.slug, 8)
    context = await new_context(browser, live_server, "phone", None)
    page = await context.new_page()
    await page.goto(f"{live_server.url}/careers/{seeded.slug}")
    visible = await titles_in_first_screen(page)
    assert len(visible) >= 3, visible
    assert await page.evaluate("window.scrollY") == 0
    await context.close()

    # Without JavaScript: the panel opens, the filters go as a plain GET form.
    context = await browser.new_context(
        viewport={"width": 390, "height": 844}, java_script_enabled=False
    )
    page = await context.new_page()
    await page.goto(f"{live_server.url}/careers/{seeded.slug}")
    await expect(page.get_by_label("Team")).to_be_hidden()
    await page.get_by_text("Filters", exact=True).click()
    await page.get_by_label("Team").select_option(label="Kitchen")
    await page.get_by_role("button", name="Apply filters").click()
    await expect(page.locator(".results-count")).to_have_text("3 of 11 open positions")
    assert "category=" in page.url
    await expect(page.locator(".filter-panel")).to_have_attribute("open", "")
    await context.close()


async def test_the_apply_button_is_on_the_first_screen_and_leads_to_the_form(
    browser: Browser, live_server: LiveServer, seeded: Seeded
) -> None:
    job_page = f"{live_server.url}/careers/{seeded.slug}/jobs/{seeded.ids['job_id']}"
    for size, name in (("phone", "Apply for this job"), ("desktop", "Apply now")):
        context = await new_context(browser, live_server, size, None)
        page = await context.new_page()
        await page.goto(job_page)
        button = page.get_by_role("link", name=name)
        await expect(button).to_be_in_viewport()
        await button.click()
        await expect(page.get_by_label("Full name")).to_be_in_viewport()
        assert page.url.endswith("#apply")
        await context.close()


async def test_the_user_menu_works_on_a_phone_by_touch_and_by_keyboard(
    browser: Browser, live_server: LiveServer, seeded: Seeded
) -> None:
    context = await new_context(browser, live_server, "phone", seeded.token)
    page = await context.new_page()
    await page.goto(f"{live_server.url}/dashboard/{seeded.slug}")
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    menu = page.locator(".user-menu")
    summary = menu.locator("summary")
    await summary.focus()
    await page.keyboard.press("Enter")
    await expect(menu.get_by_role("link", name="Account")).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(menu.get_by_role("link", name="Account")).to_be_hidden()
    assert await page.evaluate("document.activeElement.tagName") == "SUMMARY"

    await summary.tap()
    await page.get_by_role("button", name="Acme Bakery").click()  # switching organizations
    await page.wait_for_url(f"**/dashboard/{seeded.slug}")
    await page.locator(".user-menu summary").tap()
    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_url(f"{live_server.url}/")
    account = page.get_by_role("navigation", name="Account")
    await expect(account.get_by_role("link", name="Sign in")).to_be_visible()
    await context.close()


# Everything a page offers, as a keyboard user meets it (inside closed menus: not yet).
INTERACTIVE = """() => [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary')]
  .filter((el) => el.checkVisibility() && !el.closest('[aria-hidden=true], dialog:not([open])')
                  && !el.disabled && !el.closest('[inert]')
                  // A radio group is one stop for Tab (its options are chosen with the arrows).
                  && !(el.type === 'radio' && el !== document.querySelector(
                    `input[type=radio][name="${CSS.escape(el.name)}"]`)))"""


async def tab_through(page: Page, limit: int = 400) -> tuple[int, int, list[str]]:
    """Press Tab until focus comes round again: (elements reached, elements offered, the
    ones never reached). A date input keeps the focus for each of its parts (day, month,
    year): staying on one element is not coming round."""
    await page.evaluate(
        f"window.__offered = ({INTERACTIVE})(); window.__reached = new Set(); window.__last = null;"
    )
    for _ in range(limit):
        await page.keyboard.press("Tab")
        done = await page.evaluate(
            """() => {
                const el = document.activeElement;
                if (el === window.__last) return false;
                window.__last = el;
                if (window.__reached.has(el)) return true;
                window.__reached.add(el);
                return false;
            }"""
        )
        if done:
            break
    missing = await page.evaluate(
        """() => window.__offered.filter((el) => !window.__reached.has(el))
                   .map((el) => el.outerHTML.slice(0, 120))"""
    )
    reached = await page.evaluate("window.__reached.size")
    offered = await page.evaluate("window.__offered.length")
    return reached, offered, missing


async def test_every_control_is_reached_by_keyboard_with_a_visible_focus(
    browser: Browser, live_server: LiveServer, seeded: Seeded
) -> None:
    for size in ("phone", "desktop"):
        context = await new_context(browser, live_server, size, seeded.token)
        page = await context.new_page()
        for path in (
            f"/careers/{seeded.slug}",
            f"/careers/{seeded.slug}/jobs/{seeded.ids['job_id']}",
            f"/dashboard/{seeded.slug}",
            f"/dashboard/{seeded.slug}/jobs",
            f"/dashboard/{seeded.slug}/jobs/{seeded.draft_job}",
            f"/dashboard/{seeded.slug}/team",
            "/account",
        ):
            await page.goto(live_server.url + path)
            # What the page fetches once loaded (the account page's email settings, the
            # notifications menu) is in place before the walk counts the controls.
            await page.wait_for_load_state("networkidle")
            await page.locator("body").click(position={"x": 1, "y": 1})
            reached, offered, missing = await tab_through(page)
            assert missing == [], f"{path} [{size}]: not reachable by keyboard"
            assert reached >= offered > 3
        # The focus ring: a 3 px outline on whatever the keyboard is on.
        await page.goto(f"{live_server.url}/dashboard/{seeded.slug}")
        await page.keyboard.press("Tab")
        await page.keyboard.press("Tab")
        outline = await page.evaluate(
            "(() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, s.outlineWidth]; })()"
        )
        assert outline == ["solid", "3px"]
        await context.close()


async def test_the_confirmation_dialog_traps_focus_and_gives_it_back(
    browser: Browser, live_server: LiveServer, seeded: Seeded
) -> None:
    context = await new_context(browser, live_server, "desktop", seeded.token)
    page = await context.new_page()
    await page.goto(f"{live_server.url}/dashboard/{seeded.slug}/team")
    remove = page.get_by_role("button", name="Remove Tom Teammate")
    await remove.focus()
    await page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Are you sure?")
    await expect(dialog).to_be_visible()
    await expect(dialog).to_contain_text("Remove Tom Teammate from Acme Bakery?")
    for _ in range(5):  # round and round inside the dialog
        await page.keyboard.press("Tab")
        assert await page.evaluate("!!document.activeElement.closest('dialog[open]')")
    await page.keyboard.press("Shift+Tab")
    assert await page.evaluate("!!document.activeElement.closest('dialog[open]')")
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()
    await expect(remove).to_be_focused()

    await remove.click()
    await dialog.get_by_role("button", name="Cancel", exact=True).click()
    await expect(remove).to_be_focused()
    await expect(page.locator("strong", has_text="Tom Teammate")).to_be_visible()

    await remove.click()
    await dialog.get_by_role("button", name="Remove Tom Teammate").click()
    await expect(page.locator(".flash")).to_be_visible()
    await expect(page.get_by_role("button", name="Remove Tom Teammate")).to_have_count(0)
    await context.close()


async def test_a_form_sends_once_and_shows_it_is_busy(
    browser: Browser, live_server: LiveServer, seeded: Seeded
) -> None:
    context = await new_context(browser, live_server, "desktop", seeded.token)
    page = await context.new_page()
    sent: list[str] = []
    release = asyncio.Event()

    async def slow(route: Route, request: Request) -> None:
        if request.method == "POST":
            sent.append(request.method)
            await release.wait()
        await route.continue_()

    await page.route(f"**/dashboard/{seeded.slug}/jobs", slow)
    await page.goto(f"{live_server.url}/dashboard/{seeded.slug}/jobs")
    await page.get_by_label("Job title").fill("Cake Decorator")
    # Three submits in a row, as an impatient double (triple) click sends them; then the
    # button's state while the answer is awaited (read in the page: it is navigating).
    state = await page.evaluate(
        """async () => {
            const form = document.querySelector("form.job-create");
            const button = form.querySelector("button");
            for (let i = 0; i < 3; i++) form.requestSubmit(button);
            await new Promise((resolve) => setTimeout(resolve, 50));
            return [button.disabled, button.classList.contains("is-busy"), form.ariaBusy];
        }"""
    )
    assert state == [True, True, "true"]
    release.set()
    await page.wait_for_url("**/jobs/*")
    assert sent == ["POST"]
    await expect(page.get_by_role("heading", name="Cake Decorator")).to_be_visible()
    # Back to the list: nothing is in flight any more.
    await page.go_back()
    await expect(page.get_by_role("button", name="Create job")).to_be_enabled()
    await context.close()


async def test_a_new_team_works_through_its_checklist(
    browser: Browser, live_server: LiveServer
) -> None:
    context = await new_context(browser, live_server, "phone", None)
    page = await context.new_page()
    await page.goto(f"{live_server.url}/sign-up")
    await page.get_by_label("Your name").fill("Nina New")
    await page.get_by_label("Work email").fill("nina@example.com")
    await page.get_by_label("Password").fill("a long enough password")
    await page.get_by_role("button", name="Create account").click()
    await page.wait_for_url("**/onboarding")
    await page.get_by_label("Organization name").fill("Nina's Cafe")
    await page.get_by_label("Address").fill("ninas-cafe")
    await page.get_by_label("Restaurant and hospitality").check()
    await page.get_by_role("button", name="Create workspace").click()
    await page.wait_for_url("**/dashboard/ninas-cafe")
    checklist = page.locator(".checklist")
    await expect(checklist).to_contain_text("0 of 6 steps done.")

    await checklist.get_by_role("button", name="Review categories").click()
    await expect(page.get_by_label("Name of Kitchen")).to_be_visible()
    await page.goto(f"{live_server.url}/dashboard/ninas-cafe/jobs")
    await page.get_by_label("Job title").fill("Cook")
    await page.get_by_role("button", name="Create job").click()
    await page.get_by_role("button", name="Publish").click()
    await expect(page.locator(".flash")).to_contain_text("Published.")
    await expect(page.get_by_role("button", name="Copy link to Cook")).to_be_visible()
    await page.goto(f"{live_server.url}/dashboard/ninas-cafe")
    await expect(checklist).to_contain_text("3 of 6 steps done.")
    done = checklist.locator(".checklist-step.is-done .checklist-label")
    await expect(done).to_have_text(
        ["Review your job categories: done", "Create your first job: done", "Publish it: done"]
    )
    await checklist.get_by_role("button", name="Dismiss the checklist").click()
    await expect(page.locator(".checklist")).to_have_count(0)
    await context.close()
