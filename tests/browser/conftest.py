"""The browser tests read the mail of the live server they drive."""

from __future__ import annotations

import pytest

from tests.fixtures.mail import SmtpSink


@pytest.fixture
def smtp_sink(live_smtp_sink: SmtpSink) -> SmtpSink:
    """The live servers' SMTP sink, empty (it is emptied again when the test's server is
    reset)."""
    live_smtp_sink.messages.clear()
    return live_smtp_sink
