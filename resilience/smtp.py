"""A real SMTP server (aiosmtpd) on loopback that can be stopped and started again on the same
port, and remembers the Message-ID of everything it accepted (to find mail sent twice)."""

from __future__ import annotations

import threading
from collections import Counter
from email import message_from_bytes, policy
from typing import Any

from aiosmtpd.controller import Controller
from bench.servers import free_port


def outbox_id(message_id: str) -> str:
    """The outbox row's id inside ``<time.pid.random.ID@wegotwork>`` (``make_msgid``)."""
    local = message_id.strip("<>").partition("@")[0]
    return local.rpartition(".")[2]


class Sink:
    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self.message_ids: list[str] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.message_ids.append(outbox_id(str(message.get("Message-ID", ""))))
        return "250 Message accepted for delivery"

    def start(self) -> None:
        if self._controller is None:
            self._controller = Controller(self, hostname=self.host, port=self.port)
            self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def received(self) -> int:
        with self._lock:
            return len(self.message_ids)

    def duplicates(self) -> int:
        with self._lock:
            return sum(count - 1 for count in Counter(self.message_ids).values() if count > 1)

    def ids(self) -> set[str]:
        with self._lock:
            return set(self.message_ids)
