"""Mail templates: placeholders such as ``{{candidate.firstName}}`` rendered by Jinja2's sandbox.

A template may only print the known placeholders and test them with ``{% if %}``; anything else
(another name, an attribute the candidate does not have, filters, loops, macros, includes,
``{% set %}``...) is refused when the template is saved, with the line it is on. The rendered
text is the plain-text part; the HTML part is built from it (escaped, paragraphs and links) and
passed through the sanitizer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import Any

import nh3
from jinja2 import StrictUndefined, Template, TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from wegotwork.errors import Invalid

# The placeholders, as written in a template.
PLACEHOLDERS: tuple[str, ...] = (
    "candidate.name",
    "candidate.firstName",
    "job.title",
    "organization.name",
    "sender.name",
    "statusUrl",
)
_ALLOWED = frozenset(PLACEHOLDERS)
_OBJECTS = frozenset(name.split(".")[0] for name in PLACEHOLDERS if "." in name)

_env = ImmutableSandboxedEnvironment(
    autoescape=False,
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    # A template is one message: no line statements, comments are allowed.
)

_URL = re.compile(r"https?://[^\s<>\"']+")


@dataclass(frozen=True, slots=True)
class Values:
    """What the placeholders stand for in one message."""

    candidate_name: str
    job_title: str
    organization_name: str
    sender_name: str
    status_url: str

    def context(self) -> dict[str, Any]:
        first = self.candidate_name.split()[0] if self.candidate_name.split() else ""
        return {
            "candidate": {"name": self.candidate_name, "firstName": first},
            "job": {"title": self.job_title},
            "organization": {"name": self.organization_name},
            "sender": {"name": self.sender_name},
            "statusUrl": self.status_url,
        }


def _path(node: nodes.Node) -> str | None:
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        inner = _path(node.node)
        return None if inner is None else f"{inner}.{node.attr}"
    return None


def _problems(tree: nodes.Template) -> list[str]:
    found: list[str] = []

    def check_expression(node: nodes.Node, *, test: bool) -> None:
        path = _path(node)
        if path is not None:
            if path not in _ALLOWED and not (test and path in _OBJECTS):
                found.append(f"Line {node.lineno}: unknown placeholder {{{{{path}}}}}")
            return
        if test and isinstance(node, nodes.Not):
            check_expression(node.node, test=True)
            return
        if test and isinstance(node, (nodes.And, nodes.Or)):
            check_expression(node.left, test=True)
            check_expression(node.right, test=True)
            return
        found.append(
            f"Line {node.lineno}: only placeholders such as {{{{candidate.firstName}}}} "
            "may be used here"
        )

    def walk(body: list[nodes.Node]) -> None:
        for node in body:
            if isinstance(node, nodes.Output):
                for child in node.nodes:
                    if isinstance(child, nodes.TemplateData):
                        continue
                    check_expression(child, test=False)
            elif isinstance(node, nodes.If):
                check_expression(node.test, test=True)
                walk(node.body)
                for branch in node.elif_:
                    check_expression(branch.test, test=True)
                    walk(branch.body)
                walk(node.else_)
            else:
                tag = type(node).__name__.lower()
                found.append(
                    f"Line {node.lineno}: {{% {tag} %}} is not allowed; "
                    "only placeholders and {% if %} are"
                )

    walk(tree.body)
    return found


def check(text: str, field: str) -> None:
    """Raise Invalid (naming ``field``) when ``text`` is not a template we render: a syntax
    error, an unknown placeholder or a control structure other than ``if``."""
    try:
        tree = _env.parse(text)
    except TemplateSyntaxError as exc:
        raise Invalid.field(field, f"Line {exc.lineno}: {exc.message}") from None
    problems = _problems(tree)
    if problems:
        raise Invalid(problems[0], field_errors={field: problems})


@lru_cache(maxsize=256)
def _compiled(text: str, field: str) -> Template:
    """``text`` checked and compiled once: a bulk action renders one template for hundreds of
    applicants, and parsing it is most of the work. (A template that fails the check raises
    every time; only good ones are kept.)"""
    check(text, field)
    return _env.from_string(text)


def render(text: str, values: Values) -> str:
    """``text`` (already checked) with the placeholders filled in."""
    return _compiled(text, "body").render(values.context())


def render_subject(text: str, values: Values) -> str:
    return " ".join(_compiled(text, "subject").render(values.context()).split())[:255]


def to_html(text: str) -> str:
    """The HTML part of a message whose plain text is ``text``: escaped, paragraphs at blank
    lines, line breaks kept, web addresses as links, then sanitized."""
    paragraphs = [part for part in re.split(r"\n\s*\n", text.strip()) if part.strip()]
    rendered = []
    for paragraph in paragraphs:
        escaped = escape(paragraph)
        linked = _URL.sub(lambda match: f'<a href="{match.group(0)}">{match.group(0)}</a>', escaped)
        rendered.append("<p>" + linked.replace("\n", "<br>\n") + "</p>")
    body = "\n".join(rendered)
    return nh3.clean(body, tags={"p", "br", "a"}, attributes={"a": {"href"}}, link_rel=None)
