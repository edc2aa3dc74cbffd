"""Better Auth's core tables (user, session, account, verification) and rate-limit counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wegotwork.models.base import ID, Base, IdMixin, TimestampMixin


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "user"

    name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    email_verified: Mapped[bool] = mapped_column(default=False)
    image: Mapped[str | None] = mapped_column(Text)


class Session(IdMixin, TimestampMixin, Base):
    __tablename__ = "session"

    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(ID, ForeignKey("user.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime]
    ip_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(Text)
    active_organization_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("organization.id", ondelete="SET NULL"), index=True
    )


class Account(IdMixin, TimestampMixin, Base):
    """A way to sign in: ``credential`` (password) or an OAuth provider's subject."""

    __tablename__ = "account"
    __table_args__ = (UniqueConstraint("provider_id", "account_id"),)

    account_id: Mapped[str] = mapped_column(String(255))
    provider_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(ID, ForeignKey("user.id", ondelete="CASCADE"), index=True)
    access_token: Mapped[str | None] = mapped_column(Text)
    refresh_token: Mapped[str | None] = mapped_column(Text)
    id_token: Mapped[str | None] = mapped_column(Text)
    access_token_expires_at: Mapped[datetime | None]
    refresh_token_expires_at: Mapped[datetime | None]
    scope: Mapped[str | None] = mapped_column(Text)
    password: Mapped[str | None] = mapped_column(Text)


class Verification(IdMixin, TimestampMixin, Base):
    """Short-lived secrets: password-reset tokens, OAuth state."""

    __tablename__ = "verification"

    identifier: Mapped[str] = mapped_column(String(255), index=True)
    value: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime]


class RateLimit(Base):
    """Fixed-window counters, shared by every server process when rate limits use the database."""

    __tablename__ = "rate_limit"
    __table_args__ = (Index("ix_rate_limit_last_request", "last_request"),)

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    last_request: Mapped[int] = mapped_column(BigInteger)
