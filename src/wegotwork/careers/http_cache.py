"""Public pages at memory speed with exact invalidation, and careers subdomains.

One pure ASGI middleware in front of the app does two things:

* **Careers hosts.** With ``WEGOTWORK_CAREERS_DOMAIN=jobs.example.com`` a request for
  ``acme.jobs.example.com/`` is served as ``/careers/acme``, and ``/jobs/...`` and
  ``/feed.xml`` likewise (``/jobs/{id}/apply`` included), so each organization's careers site
  lives at the root of its own host. Every other path (static files, the API) is unchanged.
* **Conditional requests and a render cache.** A GET of a public page (``/careers/...``) or of
  the public API (``/api/v1/public/...``) first reads the organization's content version: one
  indexed query. The ETag is derived from it (plus the path, query and variant), so a matching
  ``If-None-Match`` is answered 304 at once, and a rendered response is kept in a bounded,
  per-process LRU keyed by (organization, version, variant). Every change to what the careers
  site shows bumps the version in its own transaction, so the next request after a commit, in
  any process, misses and renders afresh; unchanged pages never touch the templates.

Responses that depend on the visitor are never cached: a request carrying a flash message is
passed through untouched, and a response that sets a cookie is not stored.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wegotwork import __version__
from wegotwork.careers.versions import ContentVersions, Version
from wegotwork.db import Database
from wegotwork.templating import FLASH_COOKIE, STATIC_DIR, TEMPLATES_DIR

log = logging.getLogger("wegotwork.careers")

CACHE_CONTROL = b"public, max-age=0, must-revalidate"
VARY = b"Accept-Encoding, HX-Request, HX-History-Restore-Request"
GZIP_MIN_SIZE = 800
SLUG_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")

# Public resources whose content is a function of one organization's content version.
_BY_SLUG = re.compile(
    r"^/(?:careers/(?P<slug>[^/]+)(?:/jobs/[^/]+|/feed\.xml|/jobs\.xml)?"
    r"|api/v1/public/organizations/(?P<api_slug>[^/]+))$"
)
# Large documents sent as they are rendered (and kept once complete), not rendered first.
_STREAMED = re.compile(r"^/(?:careers/[^/]+/)?jobs\.xml$")
# A streamed document larger than this is sent but not kept.
STREAM_KEEP_MAX = 48 * 1024 * 1024
SEND_PIECE = 256 * 1024
_BY_JOB = re.compile(r"^/api/v1/public/jobs/(?P<job>[^/]+)$")
_HOST_PATHS = re.compile(r"^/(?:jobs/.+|feed\.xml|jobs\.xml)?$")
# The pages whose views are counted: a careers page and a job page.
_VIEWED = re.compile(r"^/careers/[^/]+(?:/jobs/(?P<job>[^/]+))?$")

# Called once per view: (organization id, job id or None, query string). It must be cheap and
# must not block: it runs on the request path.
ViewHook = Callable[[str, str | None, bytes], None]


# The scope key under which a request's slug, as resolved to an organization while reading its
# content version, is handed to the app: (slug in lowercase, organization id).
RESOLVED = "wegotwork.careers_organization"


def resolved_organization(scope: Scope, slug: str) -> str | None:
    """The id of the organization at ``slug`` when this middleware has just resolved that very
    slug for this request (reading its content version), so the app need not read it again."""
    resolved = scope.get(RESOLVED)
    if resolved is None or resolved[0] != slug.lower():
        return None
    organization_id: str = resolved[1]
    return organization_id


def is_fragment_request(hx_request: str | None, history_restore: str | None) -> bool:
    """An htmx request that swaps part of a page. A history restore needs the whole page."""
    return hx_request == "true" and history_restore != "true"


def careers_host_slug(host: str | None, careers_domain: str) -> str | None:
    """``acme`` for ``acme.jobs.example.com[:port]`` when the careers domain is
    ``jobs.example.com``; None for any other host."""
    if not host or not careers_domain:
        return None
    host = host.strip().lower()
    domain = careers_domain.strip().lower().rstrip(".")
    if ":" not in domain and not host.startswith("["):
        host = host.rsplit(":", 1)[0]
    suffix = "." + domain
    if not host.endswith(suffix):
        return None
    label = host[: -len(suffix)]
    return label if SLUG_LABEL.match(label) else None


def careers_host_path(path: str, slug: str) -> str:
    """Where a path on ``{slug}.{careers domain}`` is served from on the main site."""
    if _HOST_PATHS.match(path):
        return f"/careers/{slug}" + ("" if path == "/" else path)
    return path


def build_tag(*directories: Path) -> str:
    """A digest of the templates and static files: a deploy that changes how pages look gets
    new ETags, while every process of one deploy agrees on them."""
    digest = hashlib.sha256(__version__.encode())
    for directory in directories:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(directory)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@dataclass(slots=True)
class Entry:
    content_type: bytes
    body: bytes
    gzipped: bytes | None

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gzipped or b"")


CacheKey = tuple[str, int, str]


class RenderCache:
    """A bounded LRU of rendered responses. Storing a newer version of an organization drops
    its older ones at once, so memory holds only what can still be served."""

    def __init__(self, max_entries: int = 1024, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[CacheKey, Entry] = OrderedDict()
        self._latest: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: CacheKey) -> Entry | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: CacheKey, entry: Entry) -> None:
        organization_id, version, _ = key
        latest = self._latest.get(organization_id, 0)
        if version < latest:
            return  # rendered from a version that is already superseded
        if version > latest:
            self._latest[organization_id] = version
            for old in [k for k in self._entries if k[0] == organization_id and k[1] < version]:
                self._drop(old)
        if key in self._entries:
            self._drop(key)
        if entry.size > self.max_bytes:
            return
        self._entries[key] = entry
        self.bytes += entry.size
        while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
            self._drop(next(iter(self._entries)))

    def add_gzipped(self, key: CacheKey, entry: Entry, gzipped: bytes) -> None:
        """Give a kept ``entry`` its compressed form (if it is still the one kept)."""
        if self._entries.get(key) is not entry or entry.gzipped is not None:
            return
        entry.gzipped = gzipped
        self.bytes += len(gzipped)
        while self.bytes > self.max_bytes:
            self._drop(next(iter(self._entries)))

    def _drop(self, key: CacheKey) -> None:
        entry = self._entries.pop(key)
        self.bytes -= entry.size

    def clear(self) -> None:
        self._entries.clear()
        self._latest.clear()
        self.bytes = 0


class _Request:
    """The few request headers this middleware looks at, read in one pass."""

    __slots__ = ("accept_gzip", "flash", "fragment", "host", "if_none_match", "user_agent")

    def __init__(self, scope: Scope) -> None:
        self.host: str | None = None
        self.if_none_match: str | None = None
        self.accept_gzip = False
        self.flash = False
        self.user_agent = b""
        hx_request = history_restore = None
        for name, value in scope["headers"]:
            if name == b"host":
                self.host = value.decode("latin-1")
            elif name == b"if-none-match":
                self.if_none_match = value.decode("latin-1")
            elif name == b"accept-encoding":
                self.accept_gzip = b"gzip" in value
            elif name == b"hx-request":
                hx_request = value.decode("latin-1")
            elif name == b"hx-history-restore-request":
                history_restore = value.decode("latin-1")
            elif name == b"cookie":
                self.flash = self.flash or FLASH_COOKIE.encode() + b"=" in value
            elif name == b"user-agent":
                self.user_agent = value
        self.fragment = is_fragment_request(hx_request, history_restore)


def etag_matches(header: str, etag: str) -> bool:
    """Weak comparison of ``If-None-Match`` against our ETag (RFC 9110 §13.1.2)."""
    if header.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    return any(candidate.strip().removeprefix("W/") == bare for candidate in header.split(","))


class PublicPagesMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        database: Database,
        careers_domain: str = "",
        cache: RenderCache | None = None,
        versions: ContentVersions | None = None,
        on_view: ViewHook | None = None,
        is_bot: Callable[[bytes], bool] | None = None,
    ) -> None:
        self.app = app
        self.on_view = on_view
        self.is_bot = is_bot
        self.careers_domain = careers_domain
        self.cache = cache if cache is not None else RenderCache()
        self.versions = versions or ContentVersions(database)
        self.tag = build_tag(TEMPLATES_DIR, STATIC_DIR)
        self._inflight: dict[CacheKey, asyncio.Event] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = _Request(scope)
        host_slug = careers_host_slug(request.host, self.careers_domain)
        if host_slug is not None:
            scope = self._rewrite(scope, host_slug)
        if scope["method"] not in ("GET", "HEAD") or request.flash:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        slug, read = self._version_reader(path, scope.get("query_string", b""))
        if read is None:
            await self.app(scope, receive, send)
            return
        try:
            version = await read()
        except Exception:
            # Let the app answer (and report) as it would without a cache.
            log.warning("could not read a content version", exc_info=True)
            version = None
        if version is None:
            await self.app(scope, receive, send)
            return
        organization_id, number = version
        if slug is not None:
            scope = {**scope, RESOLVED: (slug.lower(), organization_id)}
        variant = "|".join(
            (
                host_slug or "",
                "f" if request.fragment else "p",
                path,
                scope.get("query_string", b"").decode("latin-1"),
            )
        )
        key: CacheKey = (organization_id, number, variant)
        etag = self._etag(key)
        if request.if_none_match and etag_matches(request.if_none_match, etag):
            await self._send_not_modified(send, etag)
            self._count_view(scope, request, organization_id)
            return
        entry = self.cache.get(key)
        if entry is None:
            entry = await self._render(key, scope, receive, send)
            if entry is None:
                return  # the app answered itself (not cacheable)
        await self._send(send, scope, entry, etag, request.accept_gzip)
        self._count_view(scope, request, organization_id)

    def _count_view(self, scope: Scope, request: _Request, organization_id: str) -> None:
        """A person saw a careers or job page (a page, not a filter swap; not a crawler)."""
        if self.on_view is None or scope["method"] != "GET" or request.fragment:
            return
        match = _VIEWED.match(scope["path"])
        if match is None or (self.is_bot is not None and self.is_bot(request.user_agent)):
            return
        self.on_view(organization_id, match.group("job"), scope.get("query_string", b""))

    # -- routing -------------------------------------------------------------------------------

    def _rewrite(self, scope: Scope, slug: str) -> Scope:
        path = careers_host_path(scope["path"], slug)
        state = dict(scope.get("state") or {})
        state["careers_host"] = slug
        return {**scope, "path": path, "raw_path": path.encode(), "state": state}

    def _version_reader(
        self, path: str, query_string: bytes
    ) -> tuple[str | None, Callable[[], Awaitable[Version | None]] | None]:
        """(the slug the version is read by, if any; how to read it), (None, None) for a path
        without one."""
        if path == "/jobs.xml":
            # The value the app reads: the query parsed as Starlette parses it, the last ``org``.
            found = [
                value
                for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
                if name == "org"
            ]
            if not found:
                return None, None
            org_slug = found[-1]
            return org_slug, lambda: self.versions.by_slug(org_slug)
        match = _BY_SLUG.match(path)
        if match is not None:
            slug = match.group("slug") or match.group("api_slug")
            return slug, lambda: self.versions.by_slug(slug)
        match = _BY_JOB.match(path)
        if match is not None:
            job_id = match.group("job")
            return None, lambda: self.versions.by_job(job_id)
        return None, None

    def _etag(self, key: CacheKey) -> str:
        organization_id, version, variant = key
        digest = hashlib.blake2b(
            f"{self.tag}|{organization_id}|{variant}".encode(), digest_size=9
        ).hexdigest()
        return f'W/"{version}-{digest}"'

    # -- rendering -----------------------------------------------------------------------------

    async def _render(
        self, key: CacheKey, scope: Scope, receive: Receive, send: Send
    ) -> Entry | None:
        """Render through the app and keep the result; concurrent misses of one key wait for
        the first instead of rendering the same page again."""
        waiting = self._inflight.get(key)
        if waiting is not None:
            await waiting.wait()
            entry = self.cache.get(key)
            if entry is not None:
                return entry
        if _STREAMED.match(scope["path"]):
            await self._stream_through_app(key, scope, receive, send)
            return None
        done = asyncio.Event()
        self._inflight[key] = done
        try:
            return await self._render_through_app(key, scope, receive, send)
        finally:
            self._inflight.pop(key, None)
            done.set()

    async def _render_through_app(
        self, key: CacheKey, scope: Scope, receive: Receive, send: Send
    ) -> Entry | None:
        # The app renders plain bytes (no Accept-Encoding); this layer compresses once per
        # version and serves either form from memory afterwards.
        inner = {
            **scope,
            "method": "GET",
            "headers": [(k, v) for k, v in scope["headers"] if k != b"accept-encoding"],
        }
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app(inner, receive, capture)
        except Exception:
            if start is not None:
                await self._replay(send, scope, start, chunks)
            raise
        if start is None:
            return None
        headers = start.get("headers", [])
        content_type = next((v for k, v in headers if k == b"content-type"), None)
        cacheable = (
            start["status"] == 200
            and content_type is not None
            and not any(k == b"set-cookie" for k, _ in headers)
        )
        if not cacheable:
            await self._replay(send, scope, start, chunks)
            return None
        body = b"".join(chunks)
        gzipped = gzip.compress(body, 6, mtime=0) if len(body) >= GZIP_MIN_SIZE else None
        entry = Entry(content_type or b"", body, gzipped)
        self.cache.put(key, entry)
        return entry

    async def _stream_through_app(
        self, key: CacheKey, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Send the app's response as it comes (with this version's ETag) while keeping a copy;
        once complete, the copy serves the next requests from memory."""
        inner = {
            **scope,
            "method": "GET",
            "headers": [(k, v) for k, v in scope["headers"] if k != b"accept-encoding"],
        }
        head = scope["method"] == "HEAD"
        keep = True
        content_type = b""
        chunks: list[bytes] = []
        size = 0

        async def forward(message: Message) -> None:
            nonlocal keep, content_type, size
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                keep = message["status"] == 200 and not any(k == b"set-cookie" for k, _ in headers)
                content_type = next((v for k, v in headers if k == b"content-type"), b"")
                if keep:
                    headers = [(k, v) for k, v in headers if k not in (b"etag", b"cache-control")]
                    headers += [
                        (b"etag", self._etag(key).encode()),
                        (b"cache-control", CACHE_CONTROL),
                        (b"vary", VARY),
                    ]
                await send({**message, "headers": headers})
                return
            if message["type"] == "http.response.body":
                body = message.get("body", b"")
                if keep:
                    size += len(body)
                    if size > STREAM_KEEP_MAX:
                        keep = False
                        chunks.clear()
                    else:
                        chunks.append(body)
                if head:
                    if not message.get("more_body", False):
                        await send({"type": "http.response.body", "body": b""})
                    return
            await send(message)

        await self.app(inner, receive, forward)
        if keep and content_type:
            # Kept at once as it was sent; compressed off the event loop (a large document
            # takes a while), and served compressed from then on.
            entry = Entry(content_type, b"".join(chunks), None)
            chunks.clear()
            self.cache.put(key, entry)
            if len(entry.body) >= GZIP_MIN_SIZE:
                gzipped = await asyncio.to_thread(gzip.compress, entry.body, 6, mtime=0)
                self.cache.add_gzipped(key, entry, gzipped)

    async def _replay(self, send: Send, scope: Scope, start: Message, chunks: list[bytes]) -> None:
        await send(start)
        body = b"" if scope["method"] == "HEAD" else b"".join(chunks)
        await send({"type": "http.response.body", "body": body})

    # -- sending -------------------------------------------------------------------------------

    async def _send(
        self, send: Send, scope: Scope, entry: Entry, etag: str, accept_gzip: bool
    ) -> None:
        body = entry.body
        headers = [
            (b"content-type", entry.content_type),
            (b"etag", etag.encode()),
            (b"cache-control", CACHE_CONTROL),
            (b"vary", VARY),
        ]
        if accept_gzip and entry.gzipped is not None:
            body = entry.gzipped
            headers.append((b"content-encoding", b"gzip"))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        if scope["method"] == "HEAD":
            await send({"type": "http.response.body", "body": b""})
            return
        # A large document (a feed) goes out in pieces, so its first bytes leave at once.
        view = memoryview(body)
        for start in range(0, max(len(body) - SEND_PIECE, 0), SEND_PIECE):
            await send(
                {
                    "type": "http.response.body",
                    "body": bytes(view[start : start + SEND_PIECE]),
                    "more_body": True,
                }
            )
        last = (max(len(body) - 1, 0) // SEND_PIECE) * SEND_PIECE if len(body) > SEND_PIECE else 0
        await send({"type": "http.response.body", "body": bytes(view[last:])})

    async def _send_not_modified(self, send: Send, etag: str) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 304,
                "headers": [
                    (b"etag", etag.encode()),
                    (b"cache-control", CACHE_CONTROL),
                    (b"vary", VARY),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})
