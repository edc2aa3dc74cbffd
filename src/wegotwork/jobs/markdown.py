"""Job descriptions: Markdown in, sanitized HTML out.

markdown-it-py renders CommonMark (with tables and strikethrough; raw HTML allowed so people can
paste a little), then nh3 keeps only an allowlist of tags and attributes: no script, no event
handlers, no style, no images or embeds, only http(s) and mailto links, each with
``rel="nofollow noopener"``. Headings move one level down so a description never competes with
the page's own ``<h1>``, and never skip a level.
"""

from __future__ import annotations

import html as htmllib
from functools import cache
from typing import Any

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "code",
        "del",
        "dd",
        "dl",
        "dt",
        "em",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "s",
        "small",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener"
# Dropped together with everything inside them (not just the tag).
DROP_WITH_CONTENT = frozenset(
    {"script", "style", "template", "iframe", "object", "embed", "svg", "math", "noscript"}
)


@cache
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.core.ruler.push("heading_levels", _heading_levels)
    return md


def _heading_levels(state: Any) -> None:
    """Headings move one level down (``#`` becomes ``<h2>``) and never skip a level, so the
    description continues the page's outline: the page's ``<h1>``, then ``<h2>``... A
    description that starts with ``###`` starts at ``<h2>`` all the same."""
    previous = 1
    opened: list[str] = []
    for token in state.tokens:
        if token.type == "heading_open":
            level = min(int(token.tag[1]) + 1, previous + 1, 6)
            token.tag = f"h{level}"
            opened.append(token.tag)
            previous = level
        elif token.type == "heading_close" and opened:
            token.tag = opened.pop()


@cache
def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROP_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )


def sanitize_html(html: str) -> str:
    """Keep only the allowlisted, inert subset of ``html``."""
    return str(_cleaner().clean(html))


def render_markdown(text: str | None) -> str:
    """Markdown (which may contain HTML) to HTML that is safe to put on a public page."""
    if not text or not text.strip():
        return ""
    return sanitize_html(_markdown().render(text))


def plain_text(text: str | None, limit: int = 200) -> str:
    """A one-line plain-text summary of a description, for previews and meta tags."""
    stripped = nh3.clean(render_markdown(text), tags=set())
    words = " ".join(htmllib.unescape(stripped).split())
    if len(words) <= limit:
        return words
    return words[: limit - 1].rsplit(" ", 1)[0] + "…"
