"""Password hashing: argon2id for new hashes; Better Auth's scrypt hashes are still verified (and
upgraded on the next sign-in), so users of an existing Better Auth deployment keep their
passwords. Hashing is CPU-bound, so it runs in a worker thread."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# OWASP's second recommended argon2id setting (19 MiB, 2 passes, 1 lane): strong, and cheaper
# in CPU than Better Auth's scrypt, so sign-in is no slower than the original's.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, hash_len=32, salt_len=16)

_SCRYPT = re.compile(r"^[0-9a-f]{32}:[0-9a-f]{128}$")
SCRYPT_N, SCRYPT_R, SCRYPT_P, SCRYPT_DKLEN = 16384, 16, 1, 64
MIN_LENGTH = 8
MAX_LENGTH = 128


def js_length(password: str) -> int:
    """Length as JavaScript counts it (UTF-16 code units), which Better Auth's limits use."""
    return len(password.encode("utf-16-le")) // 2


def hash_password_sync(password: str) -> str:
    return _hasher.hash(password)


def _verify_scrypt(stored: str, password: str) -> bool:
    salt, _, key = stored.partition(":")
    derived = hashlib.scrypt(
        unicodedata.normalize("NFKC", password).encode(),
        salt=salt.encode(),
        n=SCRYPT_N,
        r=SCRYPT_R,
        p=SCRYPT_P,
        dklen=SCRYPT_DKLEN,
        maxmem=64 * 1024 * 1024,
    )
    return hmac.compare_digest(derived.hex(), key)


def verify_password_sync(stored: str, password: str) -> bool:
    if _SCRYPT.match(stored):
        return _verify_scrypt(stored, password)
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True for Better Auth scrypt hashes and argon2 hashes with outdated parameters."""
    if _SCRYPT.match(stored):
        return True
    try:
        return _hasher.check_needs_rehash(stored)
    except InvalidHashError:
        return True


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(hash_password_sync, password)


async def verify_password(stored: str, password: str) -> bool:
    return await anyio.to_thread.run_sync(verify_password_sync, stored, password)


# A fixed hash to verify against when the account does not exist, so that an unknown email
# costs the same time as a wrong password.
DUMMY_HASH = hash_password_sync("wegotwork-timing-equaliser")
