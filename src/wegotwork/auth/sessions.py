"""Sessions: random tokens stored in the session table, carried in a signed cookie or a bearer
header. Lifetimes follow the original's configuration: 7 days, sliding forward once a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.db import new_id, utcnow
from wegotwork.models import Session, User

EXPIRES_IN = timedelta(days=7)
EXPIRES_IN_NOT_REMEMBERED = timedelta(days=1)
UPDATE_AGE = timedelta(days=1)
FRESH_AGE = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class AuthContext:
    """Who is calling: the user and the session they came with."""

    user: User
    session: Session


async def create_session(
    db: AsyncSession,
    user: User,
    *,
    remember: bool = True,
    ip_address: str | None = None,
    user_agent: str | None = None,
) -> Session:
    """Start a session for ``user``; the caller commits and sets the cookie."""
    now = utcnow()
    session = Session(
        id=new_id(),
        token=new_id(),
        user_id=user.id,
        expires_at=now + (EXPIRES_IN if remember else EXPIRES_IN_NOT_REMEMBERED),
        created_at=now,
        updated_at=now,
        ip_address=ip_address or "",
        user_agent=user_agent or "",
    )
    db.add(session)
    await db.flush()
    return session


async def load_session(db: AsyncSession, token: str) -> AuthContext | None:
    """The live session for ``token`` with its user, or None if unknown or expired.

    An expired row is deleted on sight, as Better Auth does.
    """
    row = (
        await db.execute(
            select(Session, User)
            .join(User, User.id == Session.user_id)
            .where(Session.token == token)
        )
    ).first()
    if row is None:
        return None
    session, user = row
    if session.expires_at <= utcnow():
        await db.execute(delete(Session).where(Session.id == session.id))
        return None
    return AuthContext(user=user, session=session)
