"""Pure rules of sources and the funnel, worth testing alone."""

from __future__ import annotations

import re
import unicodedata

# Where a visitor came from, as careers and job URLs say it: a tracked link's code, or the
# campaign source that ad and mail tools add.
TRACKING_PARAMETERS = ("src", "utm_source")
SOURCE_MAX = 120
NAME_MAX = 80
CODE_MAX = 40

_CODE_CHARS = re.compile(r"[^a-z0-9]+")


def clean_source(value: str) -> str:
    """A source as stored: one line of printable text, at most 120 characters ("" for none)."""
    text = "".join(char for char in value if unicodedata.category(char)[0] != "C")
    return " ".join(text.split())[:SOURCE_MAX]


def source_code(name: str) -> str:
    """The code of a tracked link named ``name``: ``"LinkedIn Ads"`` → ``linkedin-ads``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    code = _CODE_CHARS.sub("-", ascii_name.lower()).strip("-")
    return code[:CODE_MAX].strip("-") or "source"
