"""Trusted origins: the site's own, the configured extras (``*`` wildcards allowed), and each
organization's careers subdomain when a careers domain is set."""

from __future__ import annotations

from fnmatch import fnmatchcase
from urllib.parse import urlsplit

from wegotwork.settings import Settings


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of an absolute URL, or None."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


class TrustedOrigins:
    def __init__(self, settings: Settings) -> None:
        self.exact = {
            origin.lower() for origin in settings.all_trusted_origins if "*" not in origin
        }
        self.patterns = [origin.lower() for origin in settings.all_trusted_origins if "*" in origin]
        if settings.careers_domain:
            scheme = urlsplit(settings.base_url).scheme
            self.patterns.append(f"{scheme}://*.{settings.careers_domain.lower()}")

    def __contains__(self, origin: str | None) -> bool:
        if not origin:
            return False
        origin = origin.lower().rstrip("/")
        if origin in self.exact:
            return True
        return any(fnmatchcase(origin, pattern) for pattern in self.patterns)

    def is_safe_redirect(self, target: str) -> bool:
        """A relative path on this site (not ``//host``, no backslashes) or a trusted origin."""
        if not target:
            return False
        if target.startswith("/"):
            lowered = target.lower()
            return not (
                target.startswith("//")
                or "\\" in target
                or "%2f" in lowered
                or "%5c" in lowered
                or any(ord(char) < 0x20 for char in target)
            )
        return origin_of(target) in self
