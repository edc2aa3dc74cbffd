"""Job descriptions are Markdown rendered to HTML that can never run script on a public page."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.fixtures.world import World
from tests.jobs.xss_corpus import PAYLOADS
from wegotwork.jobs.markdown import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    plain_text,
    render_markdown,
)

SAFE_URL = re.compile(r"^(https?:|mailto:|#|/(?!/)|[^:/?#]*(?:[/?#]|$))", re.IGNORECASE)


class _Inspector(HTMLParser):
    """Every tag and attribute of a document, for checking against the allowlist."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


def elements_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector.elements


def assert_inert_fragment(html: str) -> None:
    """Only allowlisted tags and attributes; links only to http(s), mailto or this page."""
    for tag, attrs in elements_of(html):
        assert tag in ALLOWED_TAGS, (tag, html)
        for name, value in attrs.items():
            if name == "rel":
                assert tag == "a"
                assert value == "nofollow noopener"
                continue
            assert name in ALLOWED_ATTRIBUTES.get(tag, set()), (tag, name, html)
            if name == "href":
                assert value is not None
                assert SAFE_URL.match(value.strip()), (value, html)
        if tag == "a" and "href" in attrs:
            assert attrs.get("rel") == "nofollow noopener"


def assert_inert_page(html: str) -> None:
    """No handler, style, or script-capable URL anywhere; script tags only ours."""
    for tag, attrs in elements_of(html):
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert name != "style", tag
            if name in {"href", "src", "action", "formaction", "data", "srcdoc", "xlink:href"}:
                lowered = re.sub(r"\s", "", value or "").lower()
                assert not lowered.startswith(("javascript:", "data:", "vbscript:")), value
        if tag == "script":
            assert attrs.get("type") == "application/ld+json" or (
                attrs.get("src") or ""
            ).startswith("/static/"), attrs
        assert tag not in {"iframe", "object", "embed", "svg", "math", "base", "meta"} or (
            tag == "meta" and "http-equiv" not in attrs
        ), tag


def description_of(page: str) -> str:
    start = page.index('<div class="prose job-description">') + len(
        '<div class="prose job-description">'
    )
    return page[start : page.index("</div>", start)]


def test_the_corpus_is_big_enough() -> None:
    assert len(PAYLOADS) >= 50
    assert len(set(PAYLOADS)) == len(PAYLOADS)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_payload_survives_rendering(payload: str) -> None:
    html = render_markdown(f"Intro\n\n{payload}\n\nOutro")
    assert_inert_fragment(html)
    # What is left of a payload is text: any "<" in it is escaped.
    assert "<script" not in html.lower()


def test_markdown_renders_what_people_write() -> None:
    html = render_markdown(
        "# Role\n\nWe **ship** *weekly*.\n\n- one\n- two\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ [site](https://example.com) "
        "<u>under</u> `code`"
    )
    assert "<h2>Role</h2>" in html
    assert "<strong>ship</strong>" in html
    assert "<em>weekly</em>" in html
    assert "<li>one</li>" in html
    assert "<table>" in html
    assert "<s>old</s>" in html
    assert '<a href="https://example.com" rel="nofollow noopener">site</a>' in html
    assert "<u>under</u>" in html
    assert "<code>code</code>" in html
    assert render_markdown("") == ""
    assert render_markdown("   \n") == ""


def test_a_plain_text_summary_for_meta_tags() -> None:
    assert plain_text("## Hi\n\n**Bold** & <b>more</b>") == "Hi Bold & more"
    long = plain_text("word " * 100, limit=50)
    assert len(long) <= 50
    assert long.endswith("…")


@pytest.mark.usefixtures("dialect")
async def test_no_payload_reaches_the_public_page_in_executable_form(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    api = world.api("member")
    for payload in PAYLOADS:
        created = await api.post(
            f"/api/v1/organizations/{world.org.id}/jobs",
            json={
                "title": f"Role {payload[:40]}",
                "description": f"Intro\n\n{payload}\n\nOutro",
                "status": "published",
            },
        )
        assert created.status_code == 201, created.text
        job_id = created.json()["job"]["id"]

        page = await client.get(f"/careers/{world.org.slug}/jobs/{job_id}")

        assert page.status_code == 200
        assert_inert_page(page.text)
        assert_inert_fragment(description_of(page.text))
    listing = await client.get(f"/careers/{world.org.slug}")
    assert_inert_page(listing.text)
    feed = await client.get(f"/careers/{world.org.slug}/feed.xml")
    assert "<script" not in feed.text.lower()
