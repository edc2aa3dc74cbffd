"""Where public things live: careers pages and job pages. One place for each URL shape (an
organization's logo URL is the organizations domain's: ``organizations.rules.logo_url``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from wegotwork.settings import Settings


def careers_url(settings: Settings, slug: str, path: str = "") -> str:
    """The canonical absolute URL of a careers page (``path`` like ``/jobs/{id}``).

    With a careers domain it is ``https://{slug}.{domain}{path}``; otherwise
    ``{base url}/careers/{slug}{path}``.
    """
    if settings.careers_domain:
        scheme = urlsplit(settings.base_url).scheme
        return f"{scheme}://{slug}.{settings.careers_domain}{path or '/'}"
    return f"{settings.base_url}/careers/{slug}{path}"


def job_url(settings: Settings, slug: str, job_id: str) -> str:
    """The canonical absolute URL of a job page."""
    return careers_url(settings, slug, f"/jobs/{job_id}")


def absolute(settings: Settings, path: str) -> str:
    """An absolute URL for a path on the main site (an absolute URL stays as it is)."""
    return f"{settings.base_url}{path}" if path.startswith("/") else path


def link_root(slug: str, careers_host: str | None) -> str:
    """The prefix of in-page links: empty on the organization's own careers host (where
    ``/jobs/{id}`` is the job page), ``/careers/{slug}`` elsewhere."""
    if careers_host is not None and careers_host.lower() == slug.lower():
        return ""
    return f"/careers/{slug}"
