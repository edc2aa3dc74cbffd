"""File names that are safe to show and to put in a ``Content-Disposition`` header (RFC 6266)."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

MAX_FILENAME = 150
_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f"\\/:*?<>|;]')
_SPACES = re.compile(r"\s+")


def safe_filename(name: str, *, default: str = "file") -> str:
    """``name`` without control characters, quotes, path separators or leading dots.

    What remains is fit for a header and for a file system; an empty result becomes ``default``.
    """
    cleaned = unicodedata.normalize("NFC", name)
    cleaned = "".join(
        " " if unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"} else char for char in cleaned
    )
    cleaned = _UNSAFE.sub("_", cleaned)
    cleaned = _SPACES.sub(" ", cleaned).strip(" .")
    if len(cleaned) > MAX_FILENAME:
        stem, dot, suffix = cleaned.rpartition(".")
        if dot and 0 < len(suffix) <= 8:
            cleaned = stem[: MAX_FILENAME - len(suffix) - 1].rstrip(" .") + "." + suffix
        else:
            cleaned = cleaned[:MAX_FILENAME].rstrip(" .")
    return cleaned or default


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """``attachment; filename="ascii"; filename*=UTF-8''percent-encoded`` for ``filename``."""
    safe = safe_filename(filename)
    ascii_name = (
        unicodedata.normalize("NFKD", safe).encode("ascii", "ignore").decode("ascii").strip(" .")
    )
    ascii_name = ascii_name.replace("%", "_") or "file"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(safe, safe='')}"
