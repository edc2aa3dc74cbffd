"""Web attacks against every face: cross-site requests, framing, cookie flags, stored and
reflected XSS, open redirects, header injection through file names, SQL wildcards and injection
in search boxes, oversized and deeply nested bodies, slow uploads, and Unicode confusables and
NUL bytes in slugs and emails. The routes come from the router (and the authorization matrix's
requests), so a new route is attacked too."""

from __future__ import annotations

import asyncio
import base64
import html
import json
import re
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from playwright.async_api import Dialog, Page
from sqlalchemy import literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from tests.applicants.helpers import Upload, apply, candidate
from tests.factories import PASSWORD
from tests.fixtures.app import BASE_URL
from tests.fixtures.database import FreshDatabase
from tests.fixtures.live import start_server, stop_server
from tests.fixtures.world import World
from tests.jobs.xss_corpus import PAYLOADS as MARKUP_PAYLOADS
from tests.routes import endpoints
from tests.security import stats
from tests.security.targets import Snapshot, Targets, call
from tests.security.test_authorization_matrix import TABLE
from wegotwork.db import Database, utcnow
from wegotwork.mail.outbox import OutboxSender
from wegotwork.mail.transport import LogTransport
from wegotwork.models import (
    Applicant,
    Invitation,
    Job,
    JobCategory,
    Message,
    MessageTemplate,
    Note,
    Organization,
    OutboxMessage,
    RejectionReason,
    Scorecard,
    ScorecardAttribute,
    User,
)

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
EVIL = "https://evil.example"
LEAKS = ("Traceback (most recent call last)", 'File "/', "sqlalchemy.", "asyncpg.")


def state_changing_routes(app: FastAPI) -> list[tuple[str, str]]:
    return [(method, path) for method, path in endpoints(app) if method not in SAFE_METHODS]


def get_routes(app: FastAPI) -> list[str]:
    return [path for method, path in endpoints(app) if method == "GET"]


def assert_clean_error(response: httpx.Response, status: int | tuple[int, ...]) -> None:
    """The status, in the face's error format, without a stack trace."""
    allowed = (status,) if isinstance(status, int) else status
    assert response.status_code in allowed, (response.status_code, response.text[:300])
    assert not any(leak in response.text for leak in LEAKS), response.text[:500]
    path = response.request.url.path
    if path.startswith("/api/auth/"):
        assert isinstance(response.json()["message"], str)
    elif path.startswith("/api/"):
        body = response.json()
        assert body["error"] is True
        assert isinstance(body["message"], str)


# CSRF ------------------------------------------------------------------------------------------

CROSS_SITE_HEADERS: dict[str, dict[str, str]] = {
    "foreign Origin": {"origin": EVIL},
    "Origin null": {"origin": "null", "sec-fetch-site": "cross-site"},
    "foreign Referer only": {"referer": f"{EVIL}/page"},
    "no Origin, no Referer": {},
    "look-alike Origin": {"origin": "http://testserver.evil.example"},
}


async def test_every_state_changing_route_refuses_a_cross_site_request_with_a_cookie(
    app: FastAPI,
    db: AsyncSession,
    connection: AsyncConnection,
    world: World,
    targets: Targets,
    dialect: str,
) -> None:
    """The owner's valid session cookie, sent from another site (a form post or a fetch with
    JSON): refused with 403 before anything is done, on every page form and API route."""
    routes = state_changing_routes(app)
    assert len(routes) > 70
    before = await Snapshot.take(db)
    tried = 0
    for method, path in routes:
        cell = TABLE[f"{method} {path}"]
        attempt = await connection.begin_nested()
        await before.watch()
        try:
            for label, headers in CROSS_SITE_HEADERS.items():
                client = world.clients.browser(world.tokens["owner"], origin=None)
                client.headers.update(headers)
                response = await call(client, method, path, cell, targets)
                tried += 1
                assert response.status_code == 403, (method, path, label, response.status_code)
            assert not await before.changed(), (method, path)
        finally:
            await attempt.rollback()
    stats.record(
        "attacks",
        kind="csrf",
        dialect=dialect,
        payloads=len(CROSS_SITE_HEADERS),
        routes=len(routes),
        requests=tried,
    )


# Clickjacking and cookies ----------------------------------------------------------------------


async def test_no_page_can_be_framed(
    app: FastAPI, world: World, targets: Targets, dialect: str
) -> None:
    owner = world.browser("owner")
    paths = get_routes(app)
    for path in paths:
        response = await call(owner, "GET", path, TABLE[f"GET {path}"], targets)
        assert response.headers.get("x-frame-options") == "DENY", path
        assert "frame-ancestors 'none'" in response.headers.get("content-security-policy", ""), path
        assert response.headers.get("x-content-type-options") == "nosniff", path
    stats.record("attacks", kind="clickjacking", dialect=dialect, pages=len(paths))


def set_cookie_lines(response: httpx.Response) -> list[str]:
    return response.headers.get_list("set-cookie")


async def test_every_cookie_is_httponly_and_samesite(
    world: World, targets: Targets, dialect: str
) -> None:
    """Cookies from the JSON sign-in, the sign-in form and a form that flashes a message."""
    lines = await cookies_set(world, targets)
    for line in lines:
        flags = {part.strip().lower() for part in line.split(";")[1:]}
        assert "httponly" in flags, line
        assert "samesite=lax" in flags or "samesite=strict" in flags, line
        assert "path=/" in flags, line
        assert "secure" not in flags, line  # plain http: a Secure cookie would never come back
    stats.record("attacks", kind="cookies", dialect=dialect, cookies=len(lines))


async def cookies_set(world: World, targets: Targets) -> list[str]:
    """The Set-Cookie lines of a JSON sign-in, a sign-in form and a form that flashes."""
    email = world.users["member"].email
    anonymous = world.clients.browser(None)
    responses = [
        await anonymous.post(
            "/api/auth/sign-in/email", json={"email": email, "password": PASSWORD}
        ),
        await world.clients.browser(None).post(
            "/sign-in", data={"email": email, "password": PASSWORD}
        ),
        await world.browser("owner").post(
            targets.fill("/dashboard/{slug}/categories"), data={"name": "Flashy"}
        ),
    ]
    lines = [line for response in responses for line in set_cookie_lines(response)]
    assert len(lines) >= 3
    return lines


# XSS -------------------------------------------------------------------------------------------

EXTRA_PAYLOADS = [
    '"><script>window.__xss=1</script>',
    "'><svg onload=window.__xss=1>",
    "</title><script>window.__xss=1</script>",
    "</textarea><script>window.__xss=1</script>",
    "</script><script>window.__xss=1</script>",
    '" autofocus onfocus="window.__xss=1',
    "' autofocus onfocus='window.__xss=1",
    "{{7*7}}<b>{% raw %}</b>",
    "<img src=x onerror=window.__xss=1>@example.com",
    "\u202e<script>window.__xss=1</script>",
]
# Payloads that would be markup if they reached the page unescaped.
XSS_PAYLOADS = list(
    dict.fromkeys(p for p in [*EXTRA_PAYLOADS, *MARKUP_PAYLOADS] if any(c in p for c in "<>\"'"))
)
# Every page is rendered once per stored payload: a spread of the corpus keeps CI fast (the
# markdown corpus runs in full against the description renderer in tests/jobs). The browser
# check loads the whole corpus.
STORED_PAYLOADS = XSS_PAYLOADS[:6] + XSS_PAYLOADS[10::12]
REFLECTED_PAYLOADS = XSS_PAYLOADS[:4]


def is_markup(response: httpx.Response) -> bool:
    kind = response.headers.get("content-type", "")
    return kind.startswith(("text/html", "application/xml", "application/rss", "application/atom"))


class _InjectionScanner(HTMLParser):
    """Finds what a payload would need to run: an inline event handler, a script or frame with
    the payload's marker, a ``javascript:``-like URL, a ``<base>`` or a refresh."""

    URL_ATTRIBUTES = frozenset(
        {"href", "src", "action", "formaction", "data", "xlink:href", "background", "poster"}
    )
    BAD_SCHEMES = ("javascript:", "vbscript:", "data:text/html")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.script = ""
        self.script_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            text = (value or "").strip().lower().replace("\t", "").replace("\n", "")
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            elif name == "srcdoc" or (
                name in self.URL_ATTRIBUTES and text.startswith(self.BAD_SCHEMES)
            ):
                self.found.append(f"<{tag} {name}={value!r}>")
            elif tag == "meta" and name == "http-equiv" and text == "refresh":
                self.found.append("<meta http-equiv=refresh>")
        if tag == "base":
            self.found.append("<base>")
        if tag == "script":
            kind = dict(attrs).get("type") or ""
            self.script = "json" if kind.endswith("json") else "code"
            self.script_text = ""

    def handle_endtag(self, tag: str) -> None:
        if tag != "script":
            return
        if self.script == "json":  # data, not code: it must still be whole, valid JSON
            try:
                json.loads(self.script_text)
            except ValueError:
                self.found.append(f"<script type=json> broken: {self.script_text[:80]}")
        elif "__xss" in self.script_text or "alert(" in self.script_text:
            self.found.append(f"<script>{self.script_text[:60]}")
        self.script = ""

    def handle_data(self, data: str) -> None:
        if self.script:
            self.script_text += data


def injected(text: str) -> list[str]:
    """Markup in ``text`` that would run script (our own templates use none of it)."""
    scanner = _InjectionScanner()
    scanner.feed(text)
    scanner.close()
    return scanner.found


async def store_everywhere(db: AsyncSession, world: World, payload: str, round_: int) -> None:
    """Put ``payload`` into every text field the pages render back."""
    org = world.org.id
    await db.execute(
        update(Organization)
        .where(Organization.id == org)
        .values(
            name=payload[:80],
            description=payload,
            content_version=Organization.content_version + 1 + round_,
        )
    )
    await db.execute(update(User).values(name=payload[:100]))
    await db.execute(  # category names are unique within an organization
        update(JobCategory)
        .where(JobCategory.organization_id == org)
        .values(name=literal(payload[:40]) + JobCategory.id)
    )
    await db.execute(
        update(Job)
        .where(Job.organization_id == org)
        .values(title=payload[:120], description=payload, city=payload[:80])
    )
    await db.execute(
        update(Applicant)
        .where(Applicant.organization_id == org)
        .values(name=payload[:100], motivation=payload, resume_filename=payload[:100] + ".pdf")
    )
    await db.execute(
        update(Invitation).where(Invitation.organization_id == org).values(email=payload[:200])
    )
    await db.execute(update(Note).where(Note.organization_id == org).values(body=payload))
    await db.execute(
        update(ScorecardAttribute)
        .where(ScorecardAttribute.organization_id == org)
        .values(name=payload[:80], description=payload)
    )
    await db.execute(
        update(Scorecard)
        .where(Scorecard.organization_id == org)
        .values(notes=payload, ratings={payload[:80]: 3})
    )
    # Candidate communication: the organization's mail templates and rejection reasons, and
    # the messages to its applicants (marked sent, so the candidate's status page shows them).
    await db.execute(
        update(MessageTemplate)
        .where(MessageTemplate.organization_id == org)
        .values(name=payload[:120], subject=payload[:255], body=payload)
    )
    await db.execute(
        update(RejectionReason)
        .where(RejectionReason.organization_id == org)
        .values(name=payload[:80])
    )
    await db.execute(
        update(Message)
        .where(Message.organization_id == org)
        .values(subject=payload[:255], body=payload)
    )
    await db.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(select(Message.outbox_id).where(Message.organization_id == org))
        )
        .values(sent_at=utcnow(), subject=payload[:255], text_body=payload)
    )
    await db.flush()


# The pages that show the text stored above, besides the organization's own pages.
COMMUNICATION_PAGES = (
    "/dashboard/{slug}/communication",
    "/dashboard/{slug}/communication/templates/{templateId}",
    "/dashboard/{slug}/applicants/{applicantId}/messages",
    "/status/{statusToken}",
)


async def rendered_pages(
    app: FastAPI, world: World, targets: Targets
) -> list[tuple[str, httpx.Response]]:
    owner = world.browser("owner")
    pages = []
    for path in get_routes(app):
        response = await call(owner, "GET", path, TABLE[f"GET {path}"], targets)
        if is_markup(response):
            pages.append((path, response))
    return pages


@pytest.mark.slow
async def test_stored_payloads_are_escaped_on_every_page(
    app: FastAPI,
    db: AsyncSession,
    connection: AsyncConnection,
    world: World,
    targets: Targets,
    dialect: str,
) -> None:
    """Names, titles, descriptions, e-mail addresses and file names full of markup, rendered by
    every page (and feed) of every face: never a raw payload."""
    checked = 0
    for round_, payload in enumerate(STORED_PAYLOADS):
        attempt = await connection.begin_nested()
        try:
            await store_everywhere(db, world, payload, round_)
            pages = await rendered_pages(app, world, targets)
        finally:
            await attempt.rollback()
        assert len(pages) > 25
        shown = dict(pages)
        for path in COMMUNICATION_PAGES:
            assert shown[path].status_code == 200, (path, payload)
            # The stored text is really on the page (escaped), not left out.
            assert payload[:20] in html.unescape(shown[path].text), (path, payload)
        for path, response in pages:
            checked += 1
            assert injected(response.text) == [], (path, payload)
    stats.record(
        "attacks", kind="xss-stored", dialect=dialect, payloads=len(STORED_PAYLOADS), pages=checked
    )


REFLECTING_PARAMETERS = (
    "q",
    "next",
    "error",
    "error_description",
    "token",
    "slug",
    "status",
    "callbackURL",
    "job",
    "email",
    "inline",
)


@pytest.mark.slow
async def test_reflected_payloads_are_escaped(
    app: FastAPI, world: World, targets: Targets, dialect: str
) -> None:
    """Search terms and every other query parameter, on every page, signed out and signed in;
    and every form's fields sent back with the error messages."""
    requests = 0
    for payload in REFLECTED_PAYLOADS:
        query = "&".join(f"{name}={quote(payload)}" for name in REFLECTING_PARAMETERS)
        for caller in ("anonymous", "owner"):
            client = world.browser(caller)
            for path in get_routes(app):
                url = targets.fill(path)
                response = await client.get(f"{url}?{query}")
                requests += 1
                assert response.status_code < 500, (path, payload)
                if is_markup(response):
                    assert injected(response.text) == [], (path, payload)
        owner = world.browser("owner")
        for method, path in state_changing_routes(app):
            cell = TABLE[f"{method} {path}"]
            if path.startswith("/api/") or cell.form is None:
                continue
            form = dict.fromkeys([*cell.form, "name", "email", "title", "slug"], payload)
            response = await owner.request(method, targets.fill(path), data=form)
            requests += 1
            assert response.status_code < 500, (path, payload)
            if is_markup(response):
                assert injected(response.text) == [], (path, payload)
    stats.record(
        "attacks",
        kind="xss-reflected",
        dialect=dialect,
        payloads=len(REFLECTED_PAYLOADS),
        requests=requests,
    )


@pytest.mark.slow
@pytest.mark.browser
async def test_no_stored_payload_runs_in_chromium(
    app: FastAPI,
    db: AsyncSession,
    connection: AsyncConnection,
    world: World,
    targets: Targets,
    page: Page,
    dialect: str,
) -> None:
    """The rendered pages, loaded into Chromium without our CSP (so escaping alone must hold)
    and with every request refused (so onerror handlers fire): no dialog, no ``__xss``."""
    if dialect != "sqlite":
        pytest.skip("rendering does not depend on the database: checked once, on SQLite")
    dialogs: list[str] = []

    async def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", on_dialog)
    await page.route("**/*", lambda route: route.abort())
    # The harness itself: an unescaped payload does run here.
    await page.set_content("<img src=x onerror=window.__xss=1>", wait_until="load")
    await page.wait_for_function("() => window.__xss === 1")
    owner = world.browser("owner")
    pages = [  # between them, every stored field
        "/careers/{slug}/jobs/{job_id}",
        "/dashboard/{slug}/applicants/{applicantId}",
        "/dashboard/{slug}/team",
        *COMMUNICATION_PAGES,
    ]
    loaded = 0
    for round_, payload in enumerate(XSS_PAYLOADS):
        attempt = await connection.begin_nested()
        try:
            await store_everywhere(db, world, payload, round_)
            rendered = [(path, await owner.get(targets.fill(path))) for path in pages]
        finally:
            await attempt.rollback()
        for path, response in rendered:
            assert response.status_code == 200, path
            await page.evaluate("() => { delete window.__xss; }")
            await page.set_content(response.text, wait_until="load")
            loaded += 1
            ran = await page.evaluate("() => window.__xss || null")
            assert ran is None, (path, payload)
            assert dialogs == [], (path, payload)
    assert loaded == len(XSS_PAYLOADS) * len(pages)
    stats.record(
        "attacks", kind="xss-browser", dialect=dialect, payloads=len(XSS_PAYLOADS), pages=loaded
    )


class _MailTags(HTMLParser):
    """Every tag and attribute of a mail's HTML part."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes += [(tag, name, value or "") for name, value in attrs]


MAIL_TAGS = {"p", "br", "a"}


async def test_candidate_mail_html_is_inert_and_always_has_a_plain_text_part(
    app: FastAPI,
    db: AsyncSession,
    connection: AsyncConnection,
    world: World,
    targets: Targets,
    database: Database,
    dialect: str,
) -> None:
    """A message to an applicant whose name, job title and organization name (through the
    placeholders) and whose free text are a payload: the outbox row's HTML part holds only
    paragraphs, line breaks and http(s) links, the payload's text arrives escaped, and the
    mail built from the row always has a plain-text part."""
    owner = world.api("owner")
    url = targets.fill("/api/v1/applicants/{applicantId}/messages")
    sender = OutboxSender(database, LogTransport(), "WeGotWork <no-reply@test>")
    sent = 0
    for round_, payload in enumerate(XSS_PAYLOADS):
        attempt = await connection.begin_nested()
        try:
            await store_everywhere(db, world, payload, round_)
            greeting = "Hello {{candidate.firstName}} of {{organization.name}}, {{job.title}}"
            response = await owner.post(
                url, json={"subject": "About {{job.title}}", "body": f"{greeting}\n\n{payload}"}
            )
            if response.status_code == 422:  # the payload is template syntax: placeholders only
                response = await owner.post(
                    url, json={"subject": "About {{job.title}}", "body": greeting}
                )
            assert response.status_code == 201, (payload, response.text)
            message = await db.get(Message, response.json()["message"]["id"])
            assert message is not None
            assert message.outbox_id is not None
            row = await db.get(OutboxMessage, message.outbox_id)
            assert row is not None
            html_body, text_body = row.html_body, row.text_body
            email = sender._email(row)
        finally:
            await attempt.rollback()
        sent += 1
        assert html_body is not None
        assert injected(html_body) == [], payload
        tags = _MailTags()
        tags.feed(html_body)
        assert tags.tags <= MAIL_TAGS, (payload, tags.tags)
        for tag, name, value in tags.attributes:
            assert (tag, name) == ("a", "href"), (payload, tag, name)
            assert value.startswith(("http://", "https://")), (payload, value)
        # The payload is in the text as written, and in the HTML only as text.
        assert payload[:20] in text_body, payload
        shown = html.unescape(re.sub(r"<[^>]*>", "", html_body))  # only p, br and a, as above
        assert " ".join(payload.split())[:20] in " ".join(shown.split()), payload
        plain = email.get_body(preferencelist=("plain",))
        assert plain is not None, payload
        assert plain.get_content().strip() == text_body.strip(), payload
        assert email.get_content_type() == "multipart/alternative"
    assert sent == len(XSS_PAYLOADS)
    stats.record("attacks", kind="xss-mail", dialect=dialect, payloads=sent)


# Open redirects --------------------------------------------------------------------------------

REDIRECT_TARGETS = [
    "https://evil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "https:evil.example",
    "/%2F%2Fevil.example",
    "/%5Cevil.example",
    "http://testserver@evil.example/",
    "http://testserver.evil.example/",
    " //evil.example/",
    "/\t/evil.example/",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
]


def stays_on_site(location: str) -> bool:
    """A path on this site, or this site's own origin."""
    if location.startswith("/"):
        return not location.startswith("//") and "\\" not in location
    parts = urlsplit(location)
    return f"{parts.scheme}://{parts.netloc}" == BASE_URL


def redirects_within_the_site(response: httpx.Response) -> bool:
    if response.is_redirect:
        return stays_on_site(response.headers["location"])
    if response.headers.get("content-type", "").startswith("application/json"):
        body = response.json()
        target = body.get("url") if isinstance(body, dict) else None
        return not target or stays_on_site(str(target))
    return True


async def test_next_and_callback_urls_never_leave_the_site(
    world: World, targets: Targets, dialect: str
) -> None:
    email = world.users["member"].email
    tried = 0
    for target in REDIRECT_TARGETS:
        attempts = [
            await world.clients.browser(None).post(
                "/sign-in", data={"email": email, "password": PASSWORD, "next": target}
            ),
            await world.browser("member").get("/sign-in", params={"next": target}),
            await world.browser("member").get("/sign-up", params={"next": target}),
            await world.clients.browser(None).post(
                "/api/auth/sign-in/email",
                json={"email": email, "password": PASSWORD, "callbackURL": target},
            ),
            await world.clients.browser(None).post(
                "/api/auth/sign-up/email",
                json={
                    "name": "New Person",
                    "email": f"new{tried}@example.com",
                    "password": "a long enough password",
                    "callbackURL": target,
                },
            ),
            await world.anonymous.get(
                "/api/auth/verify-email", params={"token": "bad", "callbackURL": target}
            ),
            await world.anonymous.get(
                "/api/auth/reset-password/bad-token", params={"callbackURL": target}
            ),
            await world.anonymous.post(
                "/api/auth/request-password-reset", json={"email": email, "redirectTo": target}
            ),
            await world.browser("member").post(
                targets.fill("/dashboard/{slug}/applicants/{applicantId}/status"),
                data={"status": "INTERVIEW", "next": target},
            ),
        ]
        for response in attempts:
            tried += 1
            assert response.status_code < 500, (target, response.request.url)
            assert redirects_within_the_site(response), (
                target,
                str(response.request.url),
                response.headers.get("location"),
            )
    stats.record(
        "attacks",
        kind="open-redirect",
        dialect=dialect,
        payloads=len(REDIRECT_TARGETS),
        requests=tried,
    )


# Header injection through résumé file names ----------------------------------------------------

HOSTILE_FILENAMES = [
    'cv"; filename="evil.exe.pdf',
    "cv\r\nSet-Cookie: pwned=1\r\n.pdf",
    "cv\nLocation: https://evil.example/.pdf",
    "cv%0d%0aSet-Cookie:%20pwned=1.pdf",
    "../../../../etc/passwd.pdf",
    "..\\..\\windows\\win.ini.pdf",
    "cv\x00.exe.pdf",
    "résumé «final» 😀.pdf",
    "cv;filename*=UTF-8''evil.exe.pdf",
    "\u202ecod.pdf",
    "a" * 400 + ".pdf",
]


def check_disposition(response: httpx.Response) -> None:
    assert response.status_code == 200, response.status_code
    dispositions = response.headers.get_list("content-disposition")
    assert len(dispositions) == 1, dispositions
    value = dispositions[0]
    assert not any(ord(char) < 0x20 or ord(char) > 0x7E for char in value), value
    assert "pwned" not in response.headers.get("set-cookie", "")
    assert "location" not in response.headers
    match = re.fullmatch(
        r"(attachment|inline); filename=\"([^\"\\/]*)\"; filename\*=UTF-8''([A-Za-z0-9%._~-]*)",
        value,
    )
    assert match, value


async def test_hostile_resume_filenames_cannot_inject_headers(
    world: World, targets: Targets, db: AsyncSession, dialect: str
) -> None:
    job_id = targets.values["jobId"]
    owner_api = world.api("owner")
    owner_page = world.browser("owner")
    for filename in HOSTILE_FILENAMES:
        response = await apply(world.anonymous, job_id, candidate(), Upload(filename, PDF_BYTES))
        assert response.status_code in (201, 400, 422), (filename, response.text[:200])
        if response.status_code != 201:
            continue
        applicant_id = await _newest_applicant(db, filename)
        check_disposition(await owner_api.get(f"/api/v1/applicants/{applicant_id}/resume"))
        slug = world.org.slug
        url = f"/dashboard/{slug}/applicants/{applicant_id}/resume"
        check_disposition(await owner_page.get(url))
        check_disposition(await owner_page.get(url, params={"inline": "1"}))
    stats.record(
        "attacks", kind="header-injection", dialect=dialect, payloads=len(HOSTILE_FILENAMES)
    )


async def _newest_applicant(db: AsyncSession, filename: str) -> str:
    found = await db.execute(
        select(Applicant.id).order_by(Applicant.created_at.desc(), Applicant.id).limit(1)
    )
    return str(found.scalar_one())


PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


# SQL wildcards and injection in search boxes ---------------------------------------------------

TITLES = ["100% remote", "snake_case developer", "back\\slash engineer", "plain writer"]
SEARCHES = {
    "%": {"100% remote"},
    "_": {"snake_case developer"},
    "\\": {"back\\slash engineer"},
    "0%": {"100% remote"},
    "e_c": {"snake_case developer"},
    "%remote": set(),
    "' OR '1'='1": set(),
    "'; DROP TABLE job; --": set(),
    '" OR ""="': set(),
    "\\%": set(),
    "[a-z]": set(),
    "*": set(),
    "plain": {"plain writer"},
}


async def test_search_boxes_match_literally(
    app: FastAPI, db: AsyncSession, world: World, targets: Targets, dialect: str
) -> None:
    """Every search box (found in the OpenAPI document and the pages) with LIKE wildcards, the
    escape character and injection strings: literal matches, never an error."""
    from tests import factories

    for title in TITLES:
        job = await factories.make_job(db, world.org, title=title)
        await factories.make_applicant(db, job, name=title, motivation="-")
    await db.commit()
    document = (await world.anonymous.get("/openapi.json")).json()
    searched_api = sorted(
        path
        for path, operations in document["paths"].items()
        for operation in operations.values()
        if any(parameter["name"] == "q" for parameter in operation.get("parameters", []))
    )
    assert searched_api == [
        "/api/v1/jobs/{jobId}/applicants",
        "/api/v1/organizations/{orgId}/applicants",
        "/api/v1/organizations/{orgId}/jobs",
    ]
    api = world.api("owner")
    page = world.browser("owner")
    slug = world.org.slug
    for term, expected in SEARCHES.items():
        jobs = await api.get(f"/api/v1/organizations/{world.org.id}/jobs", params={"q": term})
        assert jobs.status_code == 200, (term, jobs.text[:200])
        found = {job["title"] for job in jobs.json()["jobs"]} & set(TITLES)
        assert found == expected, (term, found)
        applicants = await api.get(
            f"/api/v1/organizations/{world.org.id}/applicants", params={"q": term}
        )
        assert applicants.status_code == 200, (term, applicants.text[:200])
        names = {row["name"] for row in applicants.json()["applicants"]} & set(TITLES)
        assert names == expected, (term, names)
        for url in (
            f"/dashboard/{slug}/jobs",
            f"/dashboard/{slug}/applicants",
            f"/careers/{slug}",
            f"/api/v1/jobs/{targets.values['jobId']}/applicants",
        ):
            response = await (api if url.startswith("/api") else page).get(url, params={"q": term})
            assert response.status_code == 200, (url, term, response.status_code)
        careers = await world.anonymous.get(f"/careers/{slug}", params={"q": term})
        shown = {title for title in TITLES if html_escape(title) in careers.text}
        assert shown == expected, (term, shown)
    stats.record("attacks", kind="search", dialect=dialect, payloads=len(SEARCHES))


def html_escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)


# Oversized bodies and deep nesting -------------------------------------------------------------


def nested(depth: int) -> bytes:
    return b'{"name":' + b"[" * depth + b"]" * depth + b"}"


def nested_objects(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


async def test_oversized_and_deeply_nested_bodies_are_refused_cleanly(
    world: World, targets: Targets, dialect: str
) -> None:
    api = world.api("owner")
    big = json.dumps({"name": "x" * (2 * 1024 * 1024)}).encode()
    routes = [
        f"/api/v1/organizations/{world.org.id}/categories",
        "/api/v1/organizations",
        "/api/auth/sign-in/email",
        "/api/auth/organization/create",
    ]
    tried = 0
    for url in routes:
        headers = {"content-type": "application/json"}
        response = await api.post(url, content=big, headers=headers)
        assert_clean_error(response, 413)
        for body in (nested(100_000), nested_objects(100_000), nested(5_000), b"[" * 10_000):
            response = await api.post(url, content=body, headers=headers)
            assert_clean_error(response, (400, 413, 422))
            tried += 1

    # Without a declared length (chunked): cut off as the bytes arrive.
    async def chunks() -> Any:
        for _ in range(40):
            yield b" " * 65536

    response = await api.post(
        "/api/v1/organizations", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_clean_error(response, 413)
    page = world.browser("owner")
    response = await page.post("/onboarding", data={"name": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    stats.record(
        "attacks", kind="body-size", dialect=dialect, payloads=6, requests=tried + 2 + len(routes)
    )


# Slow uploads ----------------------------------------------------------------------------------


async def _slow_request(
    host: str, port: int, path: str, content_type: str, declared: int, trickle: bytes, pause: float
) -> tuple[bytes, float]:
    """Send the headers, then ``trickle`` one byte at a time every ``pause`` seconds and never
    the rest; returns what the server answered and how long it took."""
    reader, writer = await asyncio.open_connection(host, port)
    started = time.monotonic()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {declared}\r\n\r\n"
    )
    writer.write(head.encode())
    await writer.drain()

    async def dribble() -> None:
        for byte in trickle:
            await asyncio.sleep(pause)
            writer.write(bytes([byte]))
            await writer.drain()
        await asyncio.sleep(3600)

    async def read_to_close() -> bytes:
        # Read block by block and keep what arrived: the server closes with our unread bytes
        # in its buffer, so its kernel may answer a late byte of ours with a reset, after the
        # 408 has already reached us.
        answer = b""
        try:
            while block := await reader.read(65536):
                answer += block
                feeder.cancel()  # the answer has begun: stop sending
        except ConnectionResetError:
            pass
        return answer

    feeder = asyncio.create_task(dribble())
    try:
        answer = await asyncio.wait_for(read_to_close(), timeout=15)
    finally:
        feeder.cancel()
        writer.close()
    return answer, time.monotonic() - started


@pytest.mark.slow
async def test_slow_uploads_are_cut_off_with_408(
    tmp_path: Path, fresh_databases: FreshDatabase
) -> None:
    database_url = await fresh_databases.create_migrated("sqlite")
    server = start_server(
        database_url, tmp_path / "live", env={"WEGOTWORK_REQUEST_BODY_TIMEOUT": "1"}
    )
    try:
        parts = urlsplit(server.url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        cases = [
            ("/api/auth/sign-in/email", "application/json", b'{"email": "a@b.c", "pa', 0.2),
            ("/api/auth/sign-in/email", "application/json", b"{", 0.0),
            ("/api/auth/sign-up/email", "application/json", b'{"name": "Slow"', 0.3),
            ("/forgot-password", "application/x-www-form-urlencoded", b"email=", 0.1),
            ("/sign-in", "application/x-www-form-urlencoded", b"email=a%40b.c&password=", 0.1),
        ]
        answers = await asyncio.gather(  # all at once, as an attacker would
            *(
                _slow_request(host, port, path, content_type, 100_000, trickle, pause)
                for path, content_type, trickle, pause in cases
            )
        )
        for (path, *_), (answer, took) in zip(cases, answers, strict=True):
            status_line = answer.split(b"\r\n", 1)[0]
            assert b" 408 " in status_line, (path, answer[:300])
            assert took < 6, (path, took)
            body = answer.split(b"\r\n\r\n", 1)[1]
            if path.startswith("/api/auth/"):
                assert json.loads(body)["message"]
            elif path.startswith("/api/"):
                assert json.loads(body)["error"] is True
        # The server still serves everyone else.
        assert httpx.get(f"{server.url}/healthz", timeout=5).status_code == 200
    finally:
        stop_server(server)
    stats.record("attacks", kind="slow-upload", dialect="sqlite", payloads=len(cases))


# Unicode confusables and NUL bytes -------------------------------------------------------------

HOSTILE_SLUGS = [
    "\u0430lpha",  # Cyrillic a
    "ａｌｐｈａ",  # fullwidth
    "alpha\x00",
    "al\x00pha",
    "al\u200bpha",  # zero-width space
    "alpha\u0301",  # combining accent
    "ＡＬＰＨＡ-Ⅻ",
    "ǆ-ﬁ",
    "\u202ealpha",
    "%00",
    "..",
    "a" * 300,
]
HOSTILE_EMAILS = [
    "ada\x00@example.com",
    "ada@example.com\x00",
    "ada@ex\u0430mple.com",  # Cyrillic a in the domain
    "\u0430da@example.com",
    "ＡＤＡ@example.com",
    "ada@例え.jp",
    "ada\u200b@example.com",
    "ada@example.com\r\nBcc: victim@example.com",
    "ada@@example.com",
    "a" * 300 + "@example.com",
]
SLUG_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")


async def test_confusable_and_nul_slugs_and_emails_are_refused_or_normalized(
    db: AsyncSession, world: World, dialect: str
) -> None:
    api = world.api("outsider")
    tried = 0
    for slug in HOSTILE_SLUGS:
        created = await api.post("/api/v1/organizations", json={"name": "Confusing", "slug": slug})
        if created.status_code == 201:
            assert SLUG_PATTERN.fullmatch(created.json()["data"]["slug"]), (slug, created.text)
        else:
            assert_clean_error(created, (400, 409, 422))
        checked = await api.post("/api/auth/organization/check-slug", json={"slug": slug})
        assert checked.status_code < 500, (slug, checked.text[:200])
        for url in (
            ()
            if slug == ".."
            else (
                f"/careers/{quote(slug, safe='')}",
                f"/api/v1/public/organizations/{quote(slug, safe='')}",
                f"/dashboard/{quote(slug, safe='')}",
            )
        ):
            response = await world.browser("outsider").get(url)
            assert response.status_code in (301, 303, 307, 308, 400, 404, 422), (url, response)
        page = await world.browser("outsider").get("/onboarding/slug-check", params={"slug": slug})
        assert page.status_code < 500, slug
        tried += 4
    for email in HOSTILE_EMAILS:
        signed_up = await world.clients.browser(None).post(
            "/api/auth/sign-up/email",
            json={"name": "Ada", "email": email, "password": "a long enough password"},
        )
        tried += 1
        assert signed_up.status_code in (200, 400, 422), (email, signed_up.text[:200])
        if signed_up.status_code == 200:
            stored = signed_up.json()["user"]["email"]
            assert not any(char in stored for char in "\x00\r\n\u200b"), stored
        invited = await world.api("owner").post(
            f"/api/v1/organizations/{world.org.id}/invitations", json={"email": email}
        )
        if invited.status_code != 201:
            assert_clean_error(invited, (400, 409, 422))
        signed_in = await world.clients.browser(None).post(
            "/api/auth/sign-in/email", json={"email": email, "password": PASSWORD}
        )
        assert signed_in.status_code in (400, 401), (email, signed_in.status_code)
        applied = await apply(
            world.anonymous, await _published_job(db, world), candidate(email=email)
        )
        assert applied.status_code in (201, 400, 422), (email, applied.text[:200])
        tried += 3
    stats.record(
        "attacks",
        kind="unicode",
        dialect=dialect,
        payloads=len(HOSTILE_SLUGS) + len(HOSTILE_EMAILS),
        requests=tried,
    )


async def _published_job(db: AsyncSession, world: World) -> str:
    found = await db.execute(select(Job.id).where(Job.organization_id == world.org.id).limit(1))
    job_id = found.scalar_one_or_none()
    if job_id is None:
        from tests import factories

        job_id = (await factories.make_job(db, world.org)).id
        await db.commit()
    return str(job_id)


async def test_deeply_nested_json_in_tokens_cookies_and_cursors_is_refused_cleanly(
    world: World, targets: Targets
) -> None:
    """Regression: JSON nested deeper than Python's recursion limit, hidden in a verification
    token, the session-data cookie, a list cursor or an /api/auth body, answered 500."""
    deep = base64.urlsafe_b64encode(b"[" * 3000).decode().rstrip("=")
    token = f"{deep}.{deep}.{deep}"[:4000]
    response = await world.anonymous.get("/api/auth/verify-email", params={"token": token})
    assert_clean_error(response, (400, 401))
    response = await world.anonymous.get(f"/api/auth/reset-password/{token}?callbackURL=/")
    assert response.status_code in (302, 400, 401), response.status_code
    client = world.clients.browser(world.tokens["member"])
    client.cookies.set("better-auth.session_data", deep)
    response = await client.get("/api/auth/get-session")
    assert response.status_code == 200
    response = await world.api("owner").get(
        f"/api/v1/organizations/{world.org.id}/applicants", params={"cursor": deep}
    )
    assert_clean_error(response, (400, 422))
    response = await world.anonymous.post(
        "/api/auth/sign-in/email", content=b"[" * 5000, headers={"content-type": "application/json"}
    )
    assert_clean_error(response, 400)
