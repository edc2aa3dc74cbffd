"""axe-core over every page a user can reach, at phone and desktop size: 0 violations.

The pages come from the router: every GET route outside ``/api`` is opened with the seeded ids
filled in, signed out and as the owner of a workspace with jobs (published, draft, closed),
categories, an applicant with a résumé, a teammate and a pending invitation. Responses that
are not whole HTML pages (feeds, files, fragments) are left out by their content; a route that
cannot be reached with the seeded data is listed in UNREACHABLE with the reason. Then the
states a route alone does not show: forms sent back with errors, the closed and unknown job
pages, the filter panel, the user menu and the confirmation dialog opened.

axe-core (the npm package, pinned) is installed into ``.cache/node`` and injected into each page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, Page

from tests.browser.workspace import SIZES, Seeded, new_context, seed
from tests.fixtures.live import LiveServer
from tests.fixtures.node import npm_package
from tests.routes import api_routes
from wegotwork.routes import include_routers

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE_VERSION = "4.14.1"
# WCAG 2.0 and 2.1, levels A and AA, plus the best practices the issue names (heading order,
# landmarks) and the experimental rule for visible labels in accessible names.
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "rules": {"label-content-name-mismatch": {"enabled": True}},
}

# GET routes a user cannot reach as a page with the seeded data, and why.
UNREACHABLE = {
    "/docs": "the API reference is Swagger UI's own markup, shipped as it is",
    "/invite/{invitationId}/accept": "answers a POST; a GET only redirects to the invitation",
    "/invite/{invitationId}/decline": "answers a POST; a GET only redirects to the invitation",
}


def page_routes() -> list[str]:
    """Every GET route of the router outside the JSON API, as the app holds them."""
    app = FastAPI()
    include_routers(app)
    return sorted(
        {
            route.path
            for route in api_routes(app)
            if "GET" in route.methods
            and not route.path.startswith("/api/")
            and route.path != "/openapi.json"
        }
    )


@pytest.fixture(scope="module")
def axe_source() -> str:
    cache = npm_package("axe-core", AXE_VERSION, purpose="accessibility audit (axe-core)")
    return (cache / "node_modules" / "axe-core" / "axe.min.js").read_text()


@pytest.fixture
async def seeded(live_server: LiveServer) -> Seeded:
    return await seed(live_server)


class Audit:
    """Runs axe in pages and keeps what it found, and what it covered."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.violations: list[str] = []
        self.audited: set[tuple[str, str, str]] = set()

    async def run(self, page: Page, label: str, size: str, who: str) -> None:
        await page.evaluate(self.source)
        found = await page.evaluate(
            """async (options) => {
                const result = await axe.run(document, options);
                return result.violations.map((v) => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
                }));
            }""",
            AXE_OPTIONS,
        )
        self.audited.add((label, size, who))
        for violation in found:
            self.violations.append(
                f"{label} [{size}, {who}]: {violation['id']} ({violation['impact']}) "
                f"{violation['help']} at {json.dumps(violation['nodes'])}"
            )


def fill(path: str, ids: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in ids:
            raise AssertionError(
                f"no seeded value for {{{name}}} in {path}: seed one, or list the route in "
                "UNREACHABLE with the reason"
            )
        return ids[name]

    return re.sub(r"\{([^}:]+)(?::[^}]*)?\}", value, path)


async def open_page(page: Page, url: str) -> str | None:
    """Go to ``url``; the path it ended on when a whole HTML page came back, else None."""
    # Asked first with the page's cookies: a file would start a download instead of a page.
    probe = await page.context.request.get(url)
    if not probe.headers.get("content-type", "").startswith("text/html"):
        return None
    await page.goto(url)
    if await page.locator("main").count() == 0:
        return None  # an htmx fragment: audited inside the page that shows it
    return urlsplit(page.url).path


State = Callable[[Page, str, Seeded], Awaitable[str]]


async def job_page_apply_with_errors(page: Page, url: str, seeded: Seeded) -> str:
    await page.goto(f"{url}/careers/{seeded.slug}/jobs/{seeded.ids['job_id']}")
    await page.get_by_role("button", name="Send application").click()
    await page.wait_for_selector("#f-name-error")
    return "job page, application sent back with errors"


async def closed_job(page: Page, url: str, seeded: Seeded) -> str:
    response = await page.goto(f"{url}/careers/{seeded.slug}/jobs/{seeded.closed_job}")
    assert response is not None
    assert response.status == 410
    return "closed job (410)"


async def unknown_job(page: Page, url: str, seeded: Seeded) -> str:
    response = await page.goto(f"{url}/careers/{seeded.slug}/jobs/no-such-job")
    assert response is not None
    assert response.status == 404
    return "unknown job (careers 404)"


async def careers_filters_open(page: Page, url: str, seeded: Seeded) -> str:
    await page.goto(f"{url}/careers/{seeded.slug}")
    await page.locator(".filter-panel-toggle").click()
    await page.wait_for_selector(".filter-panel[open]")
    return "careers page, filters open"


async def sign_in_with_errors(page: Page, url: str, seeded: Seeded) -> str:
    await page.goto(f"{url}/sign-in")
    await page.get_by_label("Email").fill(seeded.owner_email)
    await page.get_by_label("Password").fill("not the password")
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await page.wait_for_selector(".form-error")
    return "sign-in with an error"


async def sign_up_with_errors(page: Page, url: str, seeded: Seeded) -> str:
    await page.goto(f"{url}/sign-up")
    await page.get_by_role("button", name="Create account").click()
    await page.wait_for_selector(".field-error")
    return "sign-up with errors"


SIGNED_OUT_STATES: tuple[State, ...] = (
    job_page_apply_with_errors,
    closed_job,
    unknown_job,
    careers_filters_open,
    sign_in_with_errors,
    sign_up_with_errors,
)


async def draft_job_editor(page: Page, url: str, seeded: Seeded) -> str:
    await page.goto(f"{url}/dashboard/{seeded.slug}/jobs/{seeded.draft_job}")
    return "draft job in the editor"


async def user_menu_open(page: Page, url: str, seeded: Seeded) -> str:
    await page.goto(f"{url}/dashboard/{seeded.slug}")
    await page.locator(".user-menu > summary").click()
    await page.wait_for_selector(".user-menu[open]")
    return "overview, user menu open"


async def notifications_menu_open(page: Page, url: str, seeded: Seeded) -> str:
    await page.goto(f"{url}/dashboard/{seeded.slug}")
    await page.locator(".notifications-menu > summary").click()
    await page.wait_for_selector(".notifications-menu[open]")
    return "overview, notifications menu open"


async def confirm_dialog_open(page: Page, url: str, seeded: Seeded) -> str:
    await page.goto(f"{url}/dashboard/{seeded.slug}/team")
    await page.get_by_role("button", name="Remove Tom Teammate").click()
    await page.wait_for_selector("#confirm-dialog[open]")
    return "team page, confirmation dialog open"


async def onboarding_with_errors(page: Page, url: str, seeded: Seeded) -> str:
    await page.goto(f"{url}/onboarding")
    await page.get_by_role("button", name="Create workspace").click()
    await page.wait_for_selector(".field-error")
    return "onboarding with errors"


async def job_editor_with_errors(page: Page, url: str, seeded: Seeded) -> str:
    await page.goto(f"{url}/dashboard/{seeded.slug}/jobs/{seeded.draft_job}")
    await page.get_by_label("Title").fill("")
    await page.get_by_role("button", name="Save", exact=True).click()
    await page.wait_for_selector("#f-title-error")
    return "job editor with errors"


async def communication_with_errors(page: Page, url: str, seeded: Seeded) -> str:
    await page.goto(f"{url}/dashboard/{seeded.slug}/communication")
    await page.locator("#template-name").fill("Odd one")
    await page.locator("#template-subject").fill("Hi {{ candidate.email }}")
    await page.get_by_role("button", name="Create template").click()
    await page.wait_for_selector("#template-subject-error")
    return "communication page, a template sent back with errors"


async def reply_settings_with_errors(page: Page, url: str, seeded: Seeded) -> str:
    await page.goto(f"{url}/dashboard/{seeded.slug}/communication")
    await page.locator("#reply-replyWithinDays").fill("0")
    await page.locator("#reply-replyTo").fill("not an address")
    await page.get_by_role("button", name="Save", exact=True).click()
    await page.wait_for_selector("#reply-replyTo-error")
    return "communication page, the reply promise sent back with errors"


async def board_bulk_refused(page: Page, url: str, seeded: Seeded) -> str:
    await page.goto(f"{url}/dashboard/{seeded.slug}/board?job={seeded.ids['jobId']}")
    await page.locator(".board-select input").first.check()
    await page.get_by_role("button", name="Move selected").click()
    await page.wait_for_selector("#board-bulk-stage-error")
    return "job board, ticked cards sent back without a stage"


async def stage_changed_in_place(page: Page, url: str, seeded: Seeded) -> str:
    await page.goto(f"{url}/dashboard/{seeded.slug}/applicants/{seeded.ids['applicantId']}")
    await page.get_by_label("Move to").select_option(index=1)
    await page.get_by_role("button", name="Save stage").click()
    await page.wait_for_selector("#stage-feedback .stage-done")
    return "applicant page, the stage changed in place"


OWNER_STATES: tuple[State, ...] = (
    draft_job_editor,
    user_menu_open,
    notifications_menu_open,
    confirm_dialog_open,
    onboarding_with_errors,
    job_editor_with_errors,
    communication_with_errors,
    reply_settings_with_errors,
    board_bulk_refused,
    stage_changed_in_place,
)


async def crawl(
    browser: Browser, server: LiveServer, seeded: Seeded, audit: Audit, size: str
) -> dict[str, dict[str, str]]:
    """Audit every page route and state at ``size``, signed out and as the owner. Returns, for
    each route and caller, how it was covered: audited, or why not."""
    covered: dict[str, dict[str, str]] = {route: {"all": why} for route, why in UNREACHABLE.items()}
    for who, token, states in (
        ("signed out", None, SIGNED_OUT_STATES),
        ("owner", seeded.token, OWNER_STATES),
    ):
        context = await new_context(browser, server, size, token)
        page = await context.new_page()
        seen: set[str] = set()
        for route in page_routes():
            if route in UNREACHABLE:
                continue
            address = fill(route, seeded.ids)
            path = await open_page(page, server.url + address)
            how = covered.setdefault(route, {})
            if path is None:
                how[who] = "not an HTML page (a feed, a file or a fragment)"
                continue
            how[who] = "audited" if path == address else f"redirects to {path}"
            if path in seen:
                continue
            seen.add(path)
            await audit.run(page, path, size, who)
        for state in states:
            label = await state(page, server.url, seeded)
            await audit.run(page, label, size, who)
        await context.close()
    return covered


@pytest.mark.timeout(900)  # about 45 audits per size; a busy machine takes minutes
@pytest.mark.parametrize("size", list(SIZES))
async def test_every_page_passes_axe_at_phone_and_desktop_size(
    browser: Browser, live_server: LiveServer, seeded: Seeded, axe_source: str, size: str
) -> None:
    audit = Audit(axe_source)
    covered = await crawl(browser, live_server, seeded, audit, size)
    pages = {label for label, _, _ in audit.audited}
    print(
        f"\naxe-core {AXE_VERSION}: {len(pages)} pages and states at {size} size, "
        f"{len(audit.audited)} audits, {len(audit.violations)} violations"
    )
    for route, how in sorted(covered.items()):
        print(f"  {route}: " + "; ".join(f"{who}: {what}" for who, what in how.items()))
    assert sorted(set(page_routes()) - set(covered)) == []
    audited = [route for route, how in covered.items() if "audited" in how.values()]
    assert len(audited) > len(covered) // 2
    assert audit.violations == []
