"""Email-and-password accounts: sign-up, sign-in, password changes and resets, email
verification, profile changes and account deletion. Shared by the ``/api/auth`` face and the
pages; nothing here knows about HTTP. Errors are ``AuthError`` with Better Auth's codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.auth import passwords, tokens
from wegotwork.auth.errors import AuthError, fail
from wegotwork.auth.schemas import is_email
from wegotwork.db import new_id, utcnow
from wegotwork.identity.sessions import AuthContext, create_session, revoke_all_sessions
from wegotwork.mail import enqueue, render_message
from wegotwork.models import Account, Session, User, Verification

CREDENTIAL = "credential"
RESET_TTL = timedelta(hours=1)
RESET_PREFIX = "reset-password:"
RESET_TOKEN_LENGTH = 24


@dataclass(frozen=True, slots=True)
class Client:
    """Where a request came from, recorded on the session it starts."""

    ip_address: str = ""
    user_agent: str = ""


@dataclass(frozen=True, slots=True)
class Site:
    """What links in mail need."""

    base_url: str
    secret: str


def normalize_email(email: str) -> str:
    return email.lower()


def encode_uri_component(value: str) -> str:
    return quote(value, safe="-_.!~*'()")


def check_new_password(password: str, field: str = "password") -> None:
    """Better Auth's length rules (UTF-16 code units): 8 to 128."""
    length = passwords.js_length(password)
    if length < passwords.MIN_LENGTH:
        raise fail("PASSWORD_TOO_SHORT", field=field)
    if length > passwords.MAX_LENGTH:
        raise fail("PASSWORD_TOO_LONG", field=field)


async def user_by_email(db: AsyncSession, email: str) -> User | None:
    result: User | None = await db.scalar(select(User).where(User.email == normalize_email(email)))
    return result


async def credential_account(db: AsyncSession, user_id: str) -> Account | None:
    result: Account | None = await db.scalar(
        select(Account).where(Account.user_id == user_id, Account.provider_id == CREDENTIAL)
    )
    return result


async def sign_up(
    db: AsyncSession,
    client: Client,
    *,
    name: str,
    email: str,
    password: str,
    image: str | None = None,
    remember: bool = True,
) -> tuple[User, Session]:
    """Create an account with a password and sign it in. Anyone may call it.

    Raises PASSWORD_TOO_SHORT / PASSWORD_TOO_LONG (400, checked first), then
    USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL (422) when the address is taken.
    """
    check_new_password(password)
    email = normalize_email(email)
    if await user_by_email(db, email) is not None:
        raise fail("USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL", field="email")
    hashed = await passwords.hash_password(password)
    now = utcnow()
    user = User(
        id=new_id(),
        name=name,
        email=email,
        email_verified=False,
        image=image,
        created_at=now,
        updated_at=now,
    )
    try:
        async with db.begin_nested():
            db.add(user)
            await db.flush()
    except IntegrityError as exc:
        raise fail("USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL", field="email") from exc
    db.add(
        Account(
            id=new_id(),
            account_id=user.id,
            provider_id=CREDENTIAL,
            user_id=user.id,
            password=hashed,
            created_at=now,
            updated_at=now,
        )
    )
    session = await create_session(
        db, user, remember=remember, ip_address=client.ip_address, user_agent=client.user_agent
    )
    return user, session


async def sign_in(
    db: AsyncSession,
    client: Client,
    *,
    email: str,
    password: str,
    remember: bool = True,
) -> tuple[User, Session]:
    """Check an email and password and start a session. Anyone may call it.

    Raises INVALID_EMAIL (400) for a malformed address, PASSWORD_TOO_LONG (400), and
    INVALID_EMAIL_OR_PASSWORD (401) alike for an unknown address, an account without a
    password and a wrong password (the same work is done in each case). A Better Auth scrypt
    hash is replaced by an argon2id hash on success.
    """
    if not is_email(email):
        raise fail("INVALID_EMAIL", field="email")
    if passwords.js_length(password) > passwords.MAX_LENGTH:
        raise fail("PASSWORD_TOO_LONG", field="password")
    user = await user_by_email(db, email)
    account = await credential_account(db, user.id) if user is not None else None
    stored = account.password if account is not None and account.password else None
    valid = await passwords.verify_password(stored or passwords.DUMMY_HASH, password)
    if user is None or account is None or stored is None or not valid:
        raise fail("INVALID_EMAIL_OR_PASSWORD")
    if passwords.needs_rehash(stored):
        account.password = await passwords.hash_password(password)
        account.updated_at = utcnow()
    session = await create_session(
        db, user, remember=remember, ip_address=client.ip_address, user_agent=client.user_agent
    )
    return user, session


async def update_user(
    db: AsyncSession, auth: AuthContext, *, name: str | None, image: str | None, fields: set[str]
) -> User:
    """Change the signed-in user's name and picture (``fields`` says which were given).

    Raises EMAIL_CAN_NOT_BE_UPDATED when ``email`` is among them and the message-only
    "No fields to update" when nothing is.
    """
    if "email" in fields:
        raise fail("EMAIL_CAN_NOT_BE_UPDATED", field="email")
    values: dict[str, object] = {}
    if "name" in fields and name is not None:
        values["name"] = name
    if "image" in fields:
        values["image"] = image
    if not values:
        raise AuthError("", "No fields to update")
    values["updated_at"] = utcnow()
    await db.execute(
        update(User)
        .where(User.id == auth.user.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    user = await db.get(User, auth.user.id, populate_existing=True)
    if user is None:
        raise fail("UNAUTHORIZED")
    return user


async def change_password(
    db: AsyncSession,
    auth: AuthContext,
    client: Client,
    *,
    current_password: str,
    new_password: str,
    revoke_other_sessions: bool = False,
) -> Session | None:
    """Replace the signed-in user's password after checking the current one.

    With ``revoke_other_sessions`` every session (the current one too) ends and a new one is
    returned. Raises PASSWORD_TOO_SHORT / PASSWORD_TOO_LONG, CREDENTIAL_ACCOUNT_NOT_FOUND, and
    INVALID_PASSWORD (400) for a wrong current password.
    """
    check_new_password(new_password, field="newPassword")
    if passwords.js_length(current_password) > passwords.MAX_LENGTH:
        raise fail("PASSWORD_TOO_LONG", field="currentPassword")
    account = await credential_account(db, auth.user.id)
    if account is None or not account.password:
        raise fail("CREDENTIAL_ACCOUNT_NOT_FOUND")
    if not await passwords.verify_password(account.password, current_password):
        raise fail("INVALID_PASSWORD", field="currentPassword")
    account.password = await passwords.hash_password(new_password)
    account.updated_at = utcnow()
    await db.flush()
    if not revoke_other_sessions:
        return None
    await revoke_all_sessions(db, auth.user.id)
    user = await db.get(User, auth.user.id)
    assert user is not None
    return await create_session(
        db, user, ip_address=client.ip_address, user_agent=client.user_agent
    )


def reset_link(site: Site, token: str, redirect_to: str | None) -> str:
    return (
        f"{site.base_url}/api/auth/reset-password/{token}"
        f"?callbackURL={encode_uri_component(redirect_to or '')}"
    )


async def request_password_reset(
    db: AsyncSession, site: Site, *, email: str, redirect_to: str | None
) -> None:
    """Mail a single-use reset link (valid for an hour) if the address has an account.

    Anyone may call it; the answer never reveals whether the address is known.
    """
    user = await user_by_email(db, email)
    if user is None:
        return
    token = new_id(RESET_TOKEN_LENGTH)
    now = utcnow()
    db.add(
        Verification(
            id=new_id(),
            identifier=RESET_PREFIX + token,
            value=user.id,
            expires_at=now + RESET_TTL,
            created_at=now,
            updated_at=now,
        )
    )
    subject, text, html = render_message(
        "reset-password", name=user.name, url=reset_link(site, token, redirect_to)
    )
    enqueue(db, to=user.email, subject=subject, text=text, html=html, kind="reset-password")
    await db.flush()


async def reset_token_user(db: AsyncSession, token: str) -> str | None:
    """The user id a live reset token belongs to (expired tokens are deleted on sight)."""
    if not token or len(token) > 255:
        return None
    row = await db.scalar(
        select(Verification).where(Verification.identifier == RESET_PREFIX + token)
    )
    if row is None:
        return None
    if row.expires_at <= utcnow():
        await db.execute(delete(Verification).where(Verification.id == row.id))
        return None
    return row.value


async def reset_password(db: AsyncSession, *, token: str | None, new_password: str) -> User:
    """Set a new password with a reset token, which is used up. Anyone holding it may call it.

    Raises INVALID_TOKEN (400) for a missing, unknown, expired or used token and
    PASSWORD_TOO_SHORT / PASSWORD_TOO_LONG. Every session of the account ends: a reset is how
    an owner takes an account back, so whoever else was signed in must not stay (Better Auth
    keeps them unless ``revokeSessionsOnPasswordReset`` is set; we always revoke).
    """
    if not token:
        raise fail("INVALID_TOKEN")
    check_new_password(new_password, field="newPassword")
    user_id = await reset_token_user(db, token)
    if user_id is None:
        raise fail("INVALID_TOKEN")
    deleted = await db.execute(
        delete(Verification)
        .where(Verification.identifier == RESET_PREFIX + token)
        .execution_options(synchronize_session=False)
    )
    if not getattr(deleted, "rowcount", 1):
        raise fail("INVALID_TOKEN")  # used by a concurrent request
    user = await db.get(User, user_id)
    if user is None:
        raise fail("USER_NOT_FOUND")
    hashed = await passwords.hash_password(new_password)
    account = await credential_account(db, user.id)
    now = utcnow()
    if account is None:
        db.add(
            Account(
                id=new_id(),
                account_id=user.id,
                provider_id=CREDENTIAL,
                user_id=user.id,
                password=hashed,
                created_at=now,
                updated_at=now,
            )
        )
    else:
        account.password = hashed
        account.updated_at = now
    await revoke_all_sessions(db, user.id)
    await db.flush()
    return user


def verification_link(site: Site, user: User, callback_url: str | None) -> str:
    token = tokens.encode({"email": user.email, "userId": user.id}, site.secret)
    return (
        f"{site.base_url}/api/auth/verify-email?token={token}"
        f"&callbackURL={encode_uri_component(callback_url or '/')}"
    )


def mail_verification(db: AsyncSession, site: Site, user: User, callback_url: str | None) -> None:
    subject, text, html = render_message(
        "verify-email", name=user.name, url=verification_link(site, user, callback_url)
    )
    enqueue(db, to=user.email, subject=subject, text=text, html=html, kind="verify-email")


async def send_verification_email(
    db: AsyncSession,
    site: Site,
    auth: AuthContext | None,
    *,
    email: str,
    callback_url: str | None,
) -> None:
    """Mail an email-verification link.

    Signed in: the address must be the user's own (EMAIL_MISMATCH) and not yet verified
    (EMAIL_ALREADY_VERIFIED). Signed out: mails only if an unverified account has the address,
    and says nothing either way.
    """
    if auth is not None:
        if normalize_email(email) != normalize_email(auth.user.email):
            raise fail("EMAIL_MISMATCH", field="email")
        user = await db.get(User, auth.user.id)
        if user is None:
            raise fail("UNAUTHORIZED")
        if user.email_verified:
            raise fail("EMAIL_ALREADY_VERIFIED")
        mail_verification(db, site, user, callback_url)
        return
    found = await user_by_email(db, email)
    if found is not None and not found.email_verified:
        mail_verification(db, site, found, callback_url)


async def verify_email(db: AsyncSession, site: Site, token: str) -> User:
    """Mark the address in a verification token as verified. Anyone holding it may call it.

    Raises INVALID_TOKEN / TOKEN_EXPIRED / USER_NOT_FOUND (401).
    """
    try:
        claims = tokens.decode(token, site.secret)
    except tokens.TokenError as exc:
        raise AuthError(exc.code, status=401) from exc
    email = claims.get("email")
    if not isinstance(email, str):
        raise AuthError("INVALID_TOKEN", status=401)
    user = await user_by_email(db, email)
    if user is None:
        raise AuthError("USER_NOT_FOUND", status=401)
    if not user.email_verified:
        user.email_verified = True
        user.updated_at = utcnow()
        await db.flush()
    return user


async def check_deletion(db: AsyncSession, auth: AuthContext, *, password: str | None) -> None:
    """May the signed-in user delete their account now?

    With ``password`` it must be right (INVALID_PASSWORD, CREDENTIAL_ACCOUNT_NOT_FOUND);
    without, the session must be fresh, started within a day (SESSION_EXPIRED).
    """
    if password is not None:
        if passwords.js_length(password) > passwords.MAX_LENGTH:
            raise fail("INVALID_PASSWORD", field="password")
        account = await credential_account(db, auth.user.id)
        if account is None or not account.password:
            raise fail("CREDENTIAL_ACCOUNT_NOT_FOUND", field="password")
        if not await passwords.verify_password(account.password, password):
            raise fail("INVALID_PASSWORD", field="password")
    elif not auth.is_fresh:
        raise fail("SESSION_EXPIRED")


async def delete_user(
    db: AsyncSession, auth: AuthContext, *, password: str | None, checked: bool = False
) -> None:
    """Delete the signed-in user with their sessions, accounts and memberships, after
    ``check_deletion`` (unless the caller already ran it: ``checked``).

    Call it through ``organizations.accounts.delete_account``, which keeps organizations from
    losing their last owner.
    """
    if not checked:
        await check_deletion(db, auth, password=password)
    await db.execute(
        delete(Session)
        .where(Session.user_id == auth.user.id)
        .execution_options(synchronize_session=False)
    )
    await db.execute(
        delete(Account)
        .where(Account.user_id == auth.user.id)
        .execution_options(synchronize_session=False)
    )
    await db.execute(
        delete(User).where(User.id == auth.user.id).execution_options(synchronize_session=False)
    )
