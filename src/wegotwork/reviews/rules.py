"""Pure rules of team review: who a note mentions, what an interview kit may hold, and how
recommendations become a rating."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from wegotwork.jobs.markdown import render_markdown
from wegotwork.models import Recommendation

NOTE_MAX = 10_000
SCORECARD_NOTES_MAX = 10_000
ATTRIBUTE_NAME_MAX = 80
ATTRIBUTE_DESCRIPTION_MAX = 500
MAX_ATTRIBUTES = 20
RATING_MIN, RATING_MAX = 1, 4

# What each recommendation counts for in an applicant's rating (the mean, -2…2).
RECOMMENDATION_SCORE: dict[Recommendation, int] = {
    Recommendation.STRONG_NO: -2,
    Recommendation.NO: -1,
    Recommendation.YES: 1,
    Recommendation.STRONG_YES: 2,
}
RECOMMENDATION_LABEL: dict[Recommendation, str] = {
    Recommendation.STRONG_NO: "Strong no",
    Recommendation.NO: "No",
    Recommendation.YES: "Yes",
    Recommendation.STRONG_YES: "Strong yes",
}


@dataclass(frozen=True, slots=True)
class Mentionable:
    """A member of the organization a note may mention."""

    user_id: str
    name: str
    email: str


def clean_body(value: str) -> str:
    """A note's text without NUL characters and surrounding blank space."""
    return value.replace("\x00", "").strip()


def _named_at(text: str, handle: str) -> bool:
    """Does ``text`` (lower-cased) hold ``@handle`` as a whole word: at the start or after a
    character that cannot be part of a name or address, and not running on into one (a full
    stop that ends the sentence is fine)?"""
    if not handle:
        return False
    needle = "@" + handle.lower()
    start = 0
    while (index := text.find(needle, start)) != -1:
        before = text[index - 1] if index > 0 else " "
        end = index + len(needle)
        after = text[end : end + 2]
        runs_on = bool(after) and (
            _part(after[0]) or (after[0] == "." and len(after) > 1 and after[1].isalnum())
        )
        if not _part(before) and before != "." and not runs_on:
            return True
        start = index + 1
    return False


def _part(char: str) -> bool:
    """Can ``char`` be part of a name or an address (other than a full stop)?"""
    return char.isalnum() or char in "_+-@"


def mentioned(body: str, members: Iterable[Mentionable], *, author_id: str) -> list[str]:
    """The ids of ``members`` that ``body`` mentions as ``@name`` or ``@email``, in the order
    given, never the author. Only members can be matched, so a mention of anyone else mentions
    nobody and tells nothing about who exists."""
    text = body.lower()
    found: list[str] = []
    for member in members:
        if member.user_id == author_id or member.user_id in found:
            continue
        if _named_at(text, member.email) or _named_at(text, " ".join(member.name.split())):
            found.append(member.user_id)
    return found


def kit_problems(attributes: Sequence[tuple[str, str | None]]) -> dict[str, list[str]]:
    """What is wrong with an interview kit's attributes (name, description), keyed by field."""
    problems: dict[str, list[str]] = {}
    if len(attributes) > MAX_ATTRIBUTES:
        problems["attributes"] = [f"A kit has at most {MAX_ATTRIBUTES} attributes"]
    seen: set[str] = set()
    for index, (name, description) in enumerate(attributes):
        if not name:
            problems[f"attributes[{index}].name"] = ["Give the attribute a name"]
        elif len(name) > ATTRIBUTE_NAME_MAX:
            problems[f"attributes[{index}].name"] = [
                f"An attribute name has at most {ATTRIBUTE_NAME_MAX} characters"
            ]
        elif name.casefold() in seen:
            problems[f"attributes[{index}].name"] = ["Each attribute needs a different name"]
        seen.add(name.casefold())
        if description is not None and len(description) > ATTRIBUTE_DESCRIPTION_MAX:
            problems[f"attributes[{index}].description"] = [
                f"A description has at most {ATTRIBUTE_DESCRIPTION_MAX} characters"
            ]
    return problems


def rating_problems(ratings: Mapping[str, int], attributes: Iterable[str]) -> dict[str, list[str]]:
    """Ratings of attributes the stage's kit does not have, or outside 1–4, keyed by field."""
    known = set(attributes)
    problems: dict[str, list[str]] = {}
    for name, value in ratings.items():
        if name not in known:
            problems[f"ratings.{name}"] = ["This stage's interview kit has no such attribute"]
        elif not RATING_MIN <= value <= RATING_MAX:
            problems[f"ratings.{name}"] = [f"Rate from {RATING_MIN} to {RATING_MAX}"]
    return problems


def rating(recommendations: Iterable[Recommendation]) -> float | None:
    """The mean of the recommendations' scores (-2…2, two decimals), None without any."""
    scores = [RECOMMENDATION_SCORE[item] for item in recommendations]
    if not scores:
        return None
    return round(sum(scores) / len(scores), 2)


@lru_cache(maxsize=1024)
def note_html(body: str) -> str:
    """A note's Markdown as inert HTML. Remembered: a reviewer's page shows the same notes on
    every visit, and rendering is the page's largest cost (a note's body only changes by an
    edit, which makes a new key)."""
    return render_markdown(body)
