"""Sessions: random tokens stored in the session table, carried in a signed cookie or a bearer
header. Lifetimes follow the original's configuration: 7 days, sliding forward once a day; a
browser that was not "remembered" gets a one-day session that does not slide."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.db import new_id, utcnow
from wegotwork.identity.wire import Json, iso
from wegotwork.models import Session, User

EXPIRES_IN = timedelta(days=7)
EXPIRES_IN_NOT_REMEMBERED = timedelta(days=1)
UPDATE_AGE = timedelta(days=1)
FRESH_AGE = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class AuthContext:
    """Who is calling: the user and the session they came with, read from the database.

    Change a session or user through the functions of this module, never by assigning to these
    objects.
    """

    user: User
    session: Session

    @property
    def active_organization_id(self) -> str | None:
        return self.session.active_organization_id

    @property
    def is_fresh(self) -> bool:
        """Signed in within the last day (Better Auth's ``freshAge``)."""
        return utcnow() - self.session.created_at < FRESH_AGE


def user_json(user: User) -> Json:
    return {
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "emailVerified": bool(user.email_verified),
        "image": user.image,
        "createdAt": iso(user.created_at),
        "updatedAt": iso(user.updated_at),
    }


def session_json(session: Session) -> Json:
    return {
        "id": session.id,
        "token": session.token,
        "userId": session.user_id,
        "expiresAt": iso(session.expires_at),
        "createdAt": iso(session.created_at),
        "updatedAt": iso(session.updated_at),
        "ipAddress": session.ip_address,
        "userAgent": session.user_agent,
        "activeOrganizationId": session.active_organization_id,
    }


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
        user_agent=(user_agent or "")[:1000],
    )
    db.add(session)
    await db.flush()
    return session


async def load_session(db: AsyncSession, token: str) -> AuthContext | None:
    """The live session for ``token`` with its user, or None if unknown or expired.

    An expired row is deleted on sight, as Better Auth does (the caller commits).
    """
    if not token or len(token) > 255:
        return None
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


def needs_refresh(expires_at: datetime, now: datetime) -> bool:
    """At least a day since the session was last moved forward (``updateAge``)."""
    return expires_at - EXPIRES_IN + UPDATE_AGE <= now


async def refresh_session(db: AsyncSession, session: Session) -> None:
    """Slide the expiry forward to seven days from now."""
    now = utcnow()
    session.expires_at = now + EXPIRES_IN
    session.updated_at = now
    await db.flush()


async def set_active_organization(
    db: AsyncSession, session_id: str, organization_id: str | None
) -> None:
    """Make ``organization_id`` the session's active organization (None clears it).

    The cookie cache keeps the old value until it is re-issued: routes that change it for the
    caller's own browser should call ``wegotwork.identity.deps.reissue_session_cookies``.
    """
    await db.execute(
        update(Session)
        .where(Session.id == session_id)
        .values(active_organization_id=organization_id, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


async def list_sessions(db: AsyncSession, user_id: str) -> list[Session]:
    """The user's live sessions, most recently used first."""
    rows = await db.scalars(
        select(Session)
        .where(Session.user_id == user_id, Session.expires_at > utcnow())
        .order_by(Session.updated_at.desc(), Session.created_at.desc())
    )
    return list(rows)


async def revoke_session(db: AsyncSession, user_id: str, token: str) -> bool:
    """Delete the session with ``token`` if it belongs to ``user_id``; True when one went.

    ``token`` may also be the session's id, which list-sessions shows in place of the tokens
    of the caller's other sessions.
    """
    result = await db.execute(
        delete(Session)
        .where(Session.user_id == user_id, or_(Session.token == token, Session.id == token))
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def revoke_session_by_id(db: AsyncSession, user_id: str, session_id: str) -> str | None:
    """Delete the user's session ``session_id``; its token, or None when there was none."""
    token = await db.scalar(
        select(Session.token).where(Session.user_id == user_id, Session.id == session_id)
    )
    if token is not None:
        await revoke_session(db, user_id, token)
    return token


async def revoke_all_sessions(
    db: AsyncSession, user_id: str, *, except_token: str | None = None
) -> None:
    """Delete every session of the user (but ``except_token``)."""
    statement = delete(Session).where(Session.user_id == user_id)
    if except_token is not None:
        statement = statement.where(Session.token != except_token)
    await db.execute(statement.execution_options(synchronize_session=False))
