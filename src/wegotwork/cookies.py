"""Better Auth's signed cookies: ``urlencode(value + "." + base64(HMAC-SHA256(secret, value)))``.

The signature is *standard, padded* base64 (44 characters), exactly as Better Auth writes it, so
sessions issued by an existing Better Auth deployment keep working and ours work there.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote, unquote

SIGNATURE_LENGTH = 44
COOKIE_PREFIX = "better-auth."
SECURE_PREFIX = "__Secure-"


def sign(value: str, secret: str) -> str:
    """The signed cookie value, URL-encoded as ``encodeURIComponent`` would."""
    mac = hmac.new(secret.encode(), value.encode(), hashlib.sha256).digest()
    return quote(f"{value}.{base64.b64encode(mac).decode()}", safe="-_.!~*'()")


def unsign(cookie_value: str, secret: str) -> str | None:
    """The value inside a signed cookie, or None when it is malformed or the signature is wrong."""
    raw = unquote(cookie_value)
    value, dot, signature = raw.rpartition(".")
    if not dot or len(signature) != SIGNATURE_LENGTH or not signature.endswith("="):
        return None
    expected = base64.b64encode(
        hmac.new(secret.encode(), value.encode(), hashlib.sha256).digest()
    ).decode()
    if not hmac.compare_digest(signature, expected):
        return None
    return value


def cookie_name(name: str, *, secure: bool) -> str:
    """``better-auth.<name>``, with the ``__Secure-`` prefix when the site runs on https."""
    full = COOKIE_PREFIX + name
    return SECURE_PREFIX + full if secure else full


def set_cookie_header(
    name: str,
    value: str,
    *,
    max_age: int | None,
    secure: bool,
) -> str:
    """A ``Set-Cookie`` value in Better Auth's attribute order."""
    parts = [f"{name}={value}"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    parts.append("Path=/")
    parts.append("HttpOnly")
    if secure:
        parts.append("Secure")
    parts.append("SameSite=Lax")
    return "; ".join(parts)
