"""Status-page tokens: derived from the server's secret and a stored nonce (an HMAC), found by
their SHA-256. A token is 32 URL-safe characters (192 bits)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

TOKEN_CHARS = 32
_SHAPE = re.compile(r"^[A-Za-z0-9_-]{32}$")


def new_nonce() -> str:
    return secrets.token_hex(16)


def derive(secret: str, applicant_id: str, nonce: str) -> str:
    """The status token of the link (``applicant_id``, ``nonce``)."""
    digest = hmac.new(
        secret.encode(), f"status:{applicant_id}:{nonce}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).decode()[:TOKEN_CHARS]


def new_token() -> str:
    """A random one-time token (the "delete my data" confirmation)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(24)).decode()


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def plausible(token: str) -> bool:
    return bool(_SHAPE.match(token))


def status_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/status/{token}"
