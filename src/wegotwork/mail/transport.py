"""Ways to deliver a message: an SMTP server, or the log when no SMTP server is configured."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

log = logging.getLogger("wegotwork.mail")


class Transport(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


class LogTransport:
    """Development default: the message stays in the outbox table and a line is logged."""

    async def send(self, message: EmailMessage) -> None:
        log.info("mail (no SMTP configured) to=%s subject=%r", message["To"], message["Subject"])


class SmtpTransport:
    """``smtp://user:pass@host:587`` (STARTTLS when offered) or ``smtps://host:465``."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        self.hostname = parts.hostname or "localhost"
        self.implicit_tls = parts.scheme == "smtps"
        self.port = parts.port or (465 if self.implicit_tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        starttls = query.get("starttls", ["auto"])[0]
        self.start_tls: bool | None = {"true": True, "false": False}.get(starttls)
        self.timeout = timeout

    async def send(self, message: EmailMessage) -> None:
        await aiosmtplib.send(
            message,
            hostname=self.hostname,
            port=self.port,
            username=self.username,
            password=self.password,
            use_tls=self.implicit_tls,
            start_tls=None if self.implicit_tls else self.start_tls,
            timeout=self.timeout,
        )


def transport_for(smtp_url: str) -> Transport:
    return SmtpTransport(smtp_url) if smtp_url else LogTransport()
