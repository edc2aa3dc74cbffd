"""Pure rules about invitations, worth testing alone."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from enum import StrEnum

from wegotwork.models import InvitationStatus

TIME_TO_LIVE = timedelta(hours=48)
MAX_PENDING = 100
RESEND_AFTER = timedelta(minutes=10)


class InvitationState(StrEnum):
    """What an invitation looks like to the person holding its link."""

    PENDING = "pending"
    EXPIRED = "expired"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CANCELED = "canceled"


def state_of(status: InvitationStatus, expires_at: datetime, now: datetime) -> InvitationState:
    """A pending invitation past its expiry is expired; every other status speaks for itself."""
    if status is InvitationStatus.PENDING:
        return InvitationState.EXPIRED if expires_at <= now else InvitationState.PENDING
    return InvitationState(status.value)


STATE_MESSAGES = {
    InvitationState.EXPIRED: "This invitation has expired. Ask for a new one.",
    InvitationState.ACCEPTED: "This invitation has already been accepted.",
    InvitationState.REJECTED: "This invitation has already been declined.",
    InvitationState.CANCELED: "This invitation was canceled by the organization.",
}

STATE_CODES = {
    InvitationState.EXPIRED: "INVITATION_EXPIRED",
    InvitationState.ACCEPTED: "INVITATION_ALREADY_ACCEPTED",
    InvitationState.REJECTED: "INVITATION_ALREADY_REJECTED",
    InvitationState.CANCELED: "INVITATION_CANCELED",
}


def same_email(a: str, b: str) -> bool:
    """Email addresses compare case-insensitively (they are stored lower-cased)."""
    return a.strip().lower() == b.strip().lower()


def resend_wait(expires_at: datetime, now: datetime) -> int:
    """Seconds before an invitation may be mailed again (0: now). It was last mailed when it
    was last given its 48 hours, so no column records the time of the last mail."""
    sent_at = expires_at - TIME_TO_LIVE
    remaining = sent_at + RESEND_AFTER - now
    return max(0, math.ceil(remaining.total_seconds()))
