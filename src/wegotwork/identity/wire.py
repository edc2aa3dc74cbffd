"""Better Auth's wire formats: user and session JSON, the ``session_data`` cookie cache, and the
``Set-Cookie`` lines every auth response writes.

The cookie cache ("compact" strategy) is ``base64url(JSON({session: P, expiresAt, signature}))``
where ``signature = base64url(HMAC-SHA256(secret, JSON({...P, expiresAt})))``. Cookies minted by
Better Auth verify here because the signed text is rebuilt from the parsed JSON in its original
key order, with JavaScript's compact separators.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from wegotwork import cookies

SESSION_TOKEN = "session_token"  # noqa: S105 - a cookie name
SESSION_DATA = "session_data"
DONT_REMEMBER = "dont_remember"
STATE = "state"

CACHE_MAX_AGE = 3600
# Better Auth gives a not-remembered session's cache cookie no Max-Age and a one-minute life.
CACHE_MAX_AGE_NOT_REMEMBERED = 60
CACHE_VERSION = "1"
MAX_COOKIE_SIZE = 4050
MAX_CHUNKS = 100

Json = dict[str, Any]


def iso(value: datetime | None) -> str | None:
    """``2026-11-27T02:09:33.592Z``: JavaScript's ``Date.toISOString()``."""
    if value is None:
        return None
    value = value.astimezone(UTC)
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"


def parse_iso(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def dumps(value: object) -> str:
    """``JSON.stringify``: compact, non-ASCII kept as is."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _hmac(secret: str, text: str) -> str:
    return _b64url(hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest())


def encode_cache(
    session: Json, user: Json, *, secret: str, now_ms: int, max_age: int
) -> tuple[str, int]:
    """The ``session_data`` value for ``session`` and ``user``, and when it expires (ms)."""
    payload = {"session": session, "user": user, "updatedAt": now_ms, "version": CACHE_VERSION}
    expires_at = now_ms + max_age * 1000
    signature = _hmac(secret, dumps({**payload, "expiresAt": expires_at}))
    outer = dumps({"session": payload, "expiresAt": expires_at, "signature": signature})
    return _b64url(outer.encode()), expires_at


@dataclass(frozen=True, slots=True)
class CachedSession:
    """A verified cookie cache: the session and user JSON exactly as they were cached."""

    session: Json
    user: Json
    expires_at: int  # when the cache itself expires, ms since the epoch
    session_expires_at: int  # when the session expires, ms since the epoch

    def valid_for(self, token: str, now_ms: int) -> bool:
        return (
            self.session.get("token") == token
            and self.expires_at > now_ms
            and self.session_expires_at > now_ms
        )


def decode_cache(value: str, secret: str) -> CachedSession | None:
    """Verify and unpack a ``session_data`` value; None when malformed or forged."""
    try:
        outer = json.loads(_b64url_decode(value).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(outer, dict):
        return None
    payload = outer.get("session")
    expires_at = outer.get("expiresAt")
    signature = outer.get("signature")
    if (
        not isinstance(payload, dict)
        or isinstance(expires_at, bool)
        or not isinstance(expires_at, int | float)
        or not isinstance(signature, str)
    ):
        return None
    expected = _hmac(secret, dumps({**payload, "expiresAt": expires_at}))
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        return None
    session, user = payload.get("session"), payload.get("user")
    if not isinstance(session, dict) or not isinstance(user, dict):
        return None
    if payload.get("version", CACHE_VERSION) != CACHE_VERSION:
        return None
    session_expires = parse_iso(session.get("expiresAt"))
    if session_expires is None or not isinstance(session.get("token"), str):
        return None
    return CachedSession(session, user, int(expires_at), ms(session_expires))


# Set-Cookie lines ------------------------------------------------------------------------------


class CookieWriter:
    """Builds Better Auth's cookies for one site (plain http or https with ``__Secure-``)."""

    def __init__(self, secret: str, *, secure: bool) -> None:
        self.secret = secret
        self.secure = secure
        self.session_token = cookies.cookie_name(SESSION_TOKEN, secure=secure)
        self.session_data = cookies.cookie_name(SESSION_DATA, secure=secure)
        self.dont_remember = cookies.cookie_name(DONT_REMEMBER, secure=secure)
        self.state = cookies.cookie_name(STATE, secure=secure)

    def line(self, name: str, value: str, max_age: int | None) -> str:
        return cookies.set_cookie_header(name, value, max_age=max_age, secure=self.secure)

    def expire(self, name: str) -> str:
        return self.line(name, "", 0)

    def session_cookies(
        self,
        session: Json,
        user: Json,
        *,
        remember: bool,
        now_ms: int,
        request_cookies: dict[str, str] | None = None,
        token_max_age: int | None = None,
    ) -> dict[str, str]:
        """``session_token``, ``session_data`` (chunked when large) and ``dont_remember``."""
        out: dict[str, str] = {}
        out[self.session_token] = self.line(
            self.session_token,
            cookies.sign(str(session["token"]), self.secret),
            token_max_age if remember else None,
        )
        if not remember:
            out[self.dont_remember] = self.line(
                self.dont_remember, cookies.sign("true", self.secret), None
            )
        elif request_cookies and self.dont_remember in request_cookies:
            out[self.dont_remember] = self.expire(self.dont_remember)
        out.update(
            self.cache_cookies(
                session, user, remember=remember, now_ms=now_ms, request_cookies=request_cookies
            )
        )
        return out

    def cache_cookies(
        self,
        session: Json,
        user: Json,
        *,
        remember: bool,
        now_ms: int,
        request_cookies: dict[str, str] | None = None,
    ) -> dict[str, str]:
        max_age = CACHE_MAX_AGE if remember else CACHE_MAX_AGE_NOT_REMEMBERED
        value, _ = encode_cache(session, user, secret=self.secret, now_ms=now_ms, max_age=max_age)
        cookie_max_age = CACHE_MAX_AGE if remember else None
        out: dict[str, str] = {}
        if len(value) <= MAX_COOKIE_SIZE:
            out[self.session_data] = self.line(self.session_data, value, cookie_max_age)
            for name in _chunk_names(self.session_data, request_cookies):
                out[name] = self.expire(name)
            return out
        parts = [value[i : i + MAX_COOKIE_SIZE] for i in range(0, len(value), MAX_COOKIE_SIZE)]
        if len(parts) > MAX_CHUNKS:
            return {self.session_data: self.expire(self.session_data)}
        for index, part in enumerate(parts):
            name = f"{self.session_data}.{index}"
            out[name] = self.line(name, part, cookie_max_age)
        return out

    def clear_session(self, request_cookies: dict[str, str] | None = None) -> dict[str, str]:
        """Expire every session cookie, in Better Auth's order."""
        out = {
            self.session_token: self.expire(self.session_token),
            self.session_data: self.expire(self.session_data),
        }
        for name in _chunk_names(self.session_data, request_cookies):
            out[name] = self.expire(name)
        out[self.dont_remember] = self.expire(self.dont_remember)
        return out

    def read_cache(self, request_cookies: dict[str, str]) -> str | None:
        """The ``session_data`` value, reassembled from chunks when it was split."""
        whole = request_cookies.get(self.session_data)
        if whole:
            return whole
        chunks: list[tuple[int, str]] = []
        prefix = self.session_data + "."
        for name, value in request_cookies.items():
            if name.startswith(prefix) and name[len(prefix) :].isdigit():
                chunks.append((int(name[len(prefix) :]), value))
        if not chunks:
            return None
        return "".join(value for _, value in sorted(chunks))


def _chunk_names(base: str, request_cookies: dict[str, str] | None) -> list[str]:
    if not request_cookies:
        return []
    prefix = base + "."
    return [name for name in request_cookies if name.startswith(prefix)]
