"""Mail: messages are written to the outbox inside the causing transaction and sent after
commit by a background sender that retries with backoff."""

from wegotwork.mail.outbox import enqueue, render_message

__all__ = ["enqueue", "render_message"]
