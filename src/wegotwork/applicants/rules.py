"""Pure rules of the applicants domain: profile links per site, search patterns, cursors, CSV
cells and upload names. No I/O, so each is tested on its own."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from wegotwork.storage.names import safe_filename

MAX_URL = 255

# ---------------------------------------------------------------------------------------------
# Profile links


@dataclass(frozen=True, slots=True)
class Site:
    field: str
    label: str
    example: str
    hosts: re.Pattern[str]
    path: re.Pattern[str]

    @property
    def message(self) -> str:
        return f"Enter your {self.label} profile link, like {self.example}"


LINKEDIN = Site(
    "linkedIn",
    "LinkedIn",
    "https://www.linkedin.com/in/your-name",
    re.compile(r"^(?:(?:www|[a-z]{2})\.)?linkedin\.com$"),
    re.compile(r"^/(?:in|pub)/[^/\s]{2,100}(?:/[^/\s]{1,20}){0,3}/?$"),
)
TWITTER = Site(
    "twitter",
    "X (Twitter)",
    "https://x.com/yourhandle",
    re.compile(r"^(?:(?:www|mobile)\.)?(?:twitter|x)\.com$"),
    re.compile(r"^/[A-Za-z0-9_]{1,15}/?$"),
)
GITHUB = Site(
    "github",
    "GitHub",
    "https://github.com/your-name",
    re.compile(r"^(?:www\.)?github\.com$"),
    re.compile(
        r"^/[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}(?:/[A-Za-z0-9._-]{1,100})?/?$"
    ),
)
# Paths on those sites that are pages of the site, not somebody's profile.
_NOT_PROFILES = {
    "twitter": {"home", "i", "intent", "search", "settings", "explore", "login", "share"},
    "github": {"login", "settings", "orgs", "explore", "marketplace", "topics", "search"},
}


def normalize_profile_url(site: Site, raw: str) -> str:
    """The profile link as ``https://host/path`` (no query, no fragment), or ValueError.

    A bare ``@handle`` is accepted for X, and a missing scheme is assumed to be https.
    """
    value = raw.strip()
    if site is TWITTER and re.fullmatch(r"@[A-Za-z0-9_]{1,15}", value):
        value = f"https://x.com/{value[1:]}"
    if "://" not in value:
        value = "https://" + value
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise ValueError(site.message) from exc
    host = (parts.hostname or "").lower()
    if (
        parts.scheme.lower() not in {"http", "https"}
        or parts.username is not None
        or port is not None
        or not site.hosts.fullmatch(host)
        or not site.path.fullmatch(parts.path)
    ):
        raise ValueError(site.message)
    first = parts.path.strip("/").split("/")[0].lower()
    if first in _NOT_PROFILES.get(site.field, set()):
        raise ValueError(site.message)
    url = f"https://{host}{parts.path.rstrip('/')}"
    if len(url) > MAX_URL:
        raise ValueError(f"The {site.label} link must be at most {MAX_URL} characters")
    return url


# ---------------------------------------------------------------------------------------------
# Text


def has_control_characters(value: str, *, allow_newlines: bool = False) -> bool:
    allowed = {"\n", "\t"} if allow_newlines else set()
    return any(unicodedata.category(char) == "Cc" and char not in allowed for char in value) or any(
        char in value for char in ("\u2028", "\u2029")
    )


def like_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` literally anywhere (escape character: backslash)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# ---------------------------------------------------------------------------------------------
# Cursors: opaque to clients, (created_at, id) inside.


# ---------------------------------------------------------------------------------------------
# CSV


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula (OWASP: prefix with a quote)."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


# ---------------------------------------------------------------------------------------------
# Upload names

EXTENSIONS = {
    "application/pdf": ".pdf",
    "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}


def upload_name_problem(filename: str) -> str | None:
    """Why a submitted file name is refused (a path or control characters), or None.

    Browsers send only a file's base name, so a path or a control character means the request
    was crafted by hand.
    """
    if "/" in filename or "\\" in filename or filename.strip() in {".", ".."}:
        return "The file name must not contain a path. Rename the file and try again."
    if has_control_characters(filename):
        return "The file name contains characters that are not allowed. Rename the file."
    if len(filename) > 255:
        return "The file name is too long. Rename the file and try again."
    return None


def stored_filename(filename: str, content_type: str) -> str:
    """The name kept for a résumé: safe, and with the extension its content really has."""
    extension = EXTENSIONS[content_type]
    name = safe_filename(filename, default="resume")
    if name.lower().endswith(extension):
        return name
    stem, dot, suffix = name.rpartition(".")
    if dot and f".{suffix.lower()}" in set(EXTENSIONS.values()) | {".txt", ".rtf", ".odt"}:
        name = stem or "resume"
    return f"{name}{extension}"
