"""Reading the application form out of a job page the way a browser would: where it posts, what
each field holds, which fields are marked invalid and what the messages next to them say."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class ApplyForm:
    action: str = ""
    enctype: str = ""
    values: dict[str, str] = field(default_factory=dict)
    invalid: set[str] = field(default_factory=set)
    field_errors: dict[str, str] = field(default_factory=dict)
    alerts: list[str] = field(default_factory=list)
    markup: str = ""


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.form: ApplyForm | None = None
        self.in_section = False
        self.depth = 0
        self.capture: tuple[str, str] | None = None  # (kind, key) of the text being read
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "section" and a.get("id") == "apply":
            self.in_section = True
            self.form = ApplyForm()
        if not self.in_section or self.form is None:
            return
        if tag == "section":
            self.depth += 1
        if tag == "form":
            self.form.action = a.get("action", "")
            self.form.enctype = a.get("enctype", "")
        elif tag == "input" and a.get("name"):
            if a.get("type") != "file":
                self.form.values[a["name"]] = a.get("value", "")
            if a.get("aria-invalid") == "true":
                self.form.invalid.add(a["name"])
        elif tag == "textarea" and a.get("name"):
            if a.get("aria-invalid") == "true":
                self.form.invalid.add(a["name"])
            self.capture, self.text = ("value", a["name"]), []
        elif tag == "p" and "field-error" in a.get("class", "").split():
            self.capture, self.text = ("error", a.get("id", "")), []
        elif tag == "div" and a.get("role") == "alert":
            self.capture, self.text = ("alert", ""), []

    def handle_data(self, data: str) -> None:
        if self.capture is not None:
            self.text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if not self.in_section or self.form is None:
            return
        if self.capture is not None and tag in {"textarea", "p", "div"}:
            kind, key = self.capture
            text = "".join(self.text)
            if kind == "value":
                self.form.values[key] = text
            elif kind == "error":
                name = key.removeprefix("f-").removesuffix("-error")
                self.form.field_errors[name] = text.strip()
            else:
                self.form.alerts.append(" ".join(text.split()))
            self.capture = None
        if tag == "section":
            self.depth -= 1
            if self.depth == 0:
                self.in_section = False


def apply_form(html: str) -> ApplyForm | None:
    """The form in ``<section id="apply">`` of a page, or None when the page has none."""
    reader = _Reader()
    reader.feed(html)
    if reader.form is not None:
        start = html.index('id="apply"')
        start = html.rindex("<section", 0, start)
        reader.form.markup = html[start : html.index("</section>", start) + len("</section>")]
    return reader.form
