"""Email-verification tokens: HS256 JWTs signed with the site secret, as Better Auth issues them
(``{"alg":"HS256"}`` header; ``email``, ``userId``, ``iat``, ``exp`` claims), so links mailed by
either implementation work on the other."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from wegotwork.db import utcnow

VERIFICATION_TTL = 3600


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode(claims: dict[str, Any], secret: str, *, ttl: int = VERIFICATION_TTL) -> str:
    now = int(utcnow().timestamp())
    payload = {**claims, "iat": now, "exp": now + ttl}
    header = _b64(b'{"alg":"HS256"}')
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    signature = hmac.new(secret.encode(), f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{_b64(signature)}"


class TokenError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def decode(token: str, secret: str) -> dict[str, Any]:
    """The claims of a valid token; raises TokenError("INVALID_TOKEN" | "TOKEN_EXPIRED")."""
    parts = token.split(".")
    if len(parts) != 3 or len(token) > 4096:
        raise TokenError("INVALID_TOKEN")
    header_b64, body_b64, signature_b64 = parts
    try:
        header = json.loads(_unb64(header_b64))
        claims = json.loads(_unb64(body_b64))
        signature = _unb64(signature_b64)
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError) as exc:
        raise TokenError("INVALID_TOKEN") from exc
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        raise TokenError("INVALID_TOKEN")
    expected = hmac.new(
        secret.encode(), f"{header_b64}.{body_b64}".encode(), hashlib.sha256
    ).digest()
    if not hmac.compare_digest(expected, signature) or not isinstance(claims, dict):
        raise TokenError("INVALID_TOKEN")
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp <= utcnow().timestamp():
        raise TokenError("TOKEN_EXPIRED")
    return claims
