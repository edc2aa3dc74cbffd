"""May this member send mail to people outside the product now?

Every route that mails someone a member chose or wrote to (invitations and their resends,
mentions, messages to candidates, bulk mail) calls ``claim_mail`` before it enqueues, inside
the same transaction::

    await claim_mail(db, ctx, MailKind.CANDIDATE, count=len(recipients))

It refuses unless the sender's email address is verified (Forbidden, code
``EMAIL_NOT_VERIFIED``) and while the sender or their organization has used up the hour's
budget for that kind of mail (RateLimited, with the seconds until a slot frees up). When it
returns, the messages are counted: a rolled-back request counts nothing. The budgets hold
across server processes because they are counted in the database (``mail_send``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.db import utcnow
from wegotwork.errors import Forbidden, RateLimited
from wegotwork.models import MailSend, User
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.scoping import scoped

WINDOW = timedelta(hours=1)
UNVERIFIED = "Verify your email address before sending invitations or messages"


class MailKind(StrEnum):
    INVITATION = "invitation"  # invitations and resends
    MENTION = "mention"  # a note mentioning a teammate
    CANDIDATE = "candidate"  # messages to applicants, one by one or in bulk
    SCORECARD = "scorecard"  # a scorecard told to the teammates who reviewed the same stage


@dataclass(frozen=True, slots=True)
class Budget:
    """How many messages of one kind a member, and their whole organization, may send in an
    hour; ``noun`` names them in the refusal."""

    per_user: int
    per_organization: int
    noun: str


BUDGETS: dict[MailKind, Budget] = {
    MailKind.INVITATION: Budget(per_user=20, per_organization=40, noun="invitations"),
    MailKind.MENTION: Budget(per_user=100, per_organization=500, noun="mentions"),
    MailKind.CANDIDATE: Budget(per_user=500, per_organization=1000, noun="messages"),
    MailKind.SCORECARD: Budget(per_user=100, per_organization=500, noun="scorecard notices"),
}


async def claim_mail(db: AsyncSession, ctx: OrgContext, kind: MailKind, count: int = 1) -> None:
    """Count ``count`` messages of ``kind`` from the caller, or refuse (see the module).

    Any member may call it; what they may send is the calling action's business. Raises
    Forbidden (code EMAIL_NOT_VERIFIED) for an unverified sender and RateLimited when the
    user's or the organization's budget for the last hour would be exceeded.
    """
    verified = await db.scalar(select(User.email_verified).where(User.id == ctx.user.id))
    if not verified:
        raise Forbidden(UNVERIFIED, code="EMAIL_NOT_VERIFIED")
    budget = BUDGETS[kind]
    now = utcnow()
    since = now - WINDOW
    mine = select(func.count(), func.min(MailSend.created_at)).where(
        MailSend.user_id == ctx.user.id, MailSend.kind == kind.value, MailSend.created_at > since
    )
    ours = scoped(MailSend, ctx, func.count(), func.min(MailSend.created_at)).where(
        MailSend.kind == kind.value, MailSend.created_at > since
    )
    for query, limit, whose in (
        (mine, budget.per_user, "You can send"),
        (ours, budget.per_organization, "Your organization can send"),
    ):
        used, oldest = (await db.execute(query)).one()
        if used + count > limit:
            raise RateLimited(
                _seconds_until(oldest, now),
                f"{whose} at most {limit} {budget.noun} an hour. Please try again later.",
            )
    db.add_all(
        MailSend(user_id=ctx.user.id, organization_id=ctx.organization.id, kind=kind.value)
        for _ in range(count)
    )
    await db.flush()


def _seconds_until(oldest: datetime | None, now: datetime) -> int:
    if oldest is None:
        return math.ceil(WINDOW.total_seconds())
    return max(1, math.ceil((oldest + WINDOW - now).total_seconds()))
