"""The signed render timestamp of the HTML application form: a submission sooner than
``MIN_SECONDS`` after the form was served is a script's, not a person's.

The token is ``<unix seconds>.<HMAC-SHA256 of them with the site secret>``. A careers page is
cached per content version, so a served form may carry an older timestamp than its request:
that only ever makes the check more lenient, never bothers a person.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

FIELD = "renderedAt"
MIN_SECONDS = 2
TOO_FAST = "Please take a moment to check your application, then send it again."


def _signature(secret: str, seconds: int) -> str:
    message = f"application-form:{seconds}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def render_token(secret: str, now: datetime) -> str:
    seconds = int(now.timestamp())
    return f"{seconds}.{_signature(secret, seconds)}"


def is_signed(secret: str, token: str) -> bool:
    """Whether ``token`` is a render token this site signed."""
    seconds_text, _, signature = token.strip().partition(".")
    if not seconds_text.isdigit() or len(seconds_text) > 12:
        return False
    return hmac.compare_digest(signature, _signature(secret, int(seconds_text)))


def too_fast(secret: str, token: str | None, now: datetime) -> bool:
    """Whether a form sent with ``token`` at ``now`` must be refused as a bot's: no token, a
    forged one, or one younger than ``MIN_SECONDS``."""
    if not token or "." not in token:
        return True
    seconds_text, signature = token.strip().split(".", 1)
    if not seconds_text.isdigit() or len(seconds_text) > 12:
        return True
    seconds = int(seconds_text)
    if not hmac.compare_digest(signature, _signature(secret, seconds)):
        return True
    return now.timestamp() - seconds < MIN_SECONDS
