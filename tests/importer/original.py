"""The original TypeScript WeGotWork's PostgreSQL schema, written from what it is known to be:
Better Auth's lower-case tables and Prisma's quoted PascalCase application tables with
PostgreSQL enums and cuid ids. Prisma's ``relationMode = "prisma"`` leaves the application
tables without foreign keys, which is how rows with broken references come to exist."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg  # type: ignore[import-untyped]

DDL = """
CREATE TYPE "Role" AS ENUM ('owner', 'member');
CREATE TYPE "Type" AS ENUM ('fulltime', 'parttime', 'internship', 'contract');
CREATE TYPE "Status" AS ENUM ('SUBMITTED', 'UNDERREVIEW', 'INTERVIEW', 'OFFER', 'REJECTED',
                              'HIRED');

CREATE TABLE "user" (
    id text PRIMARY KEY,
    name text NOT NULL,
    email text NOT NULL UNIQUE,
    "emailVerified" boolean NOT NULL,
    image text,
    "createdAt" timestamp(3) NOT NULL,
    "updatedAt" timestamp(3) NOT NULL,
    "isPremium" boolean NOT NULL DEFAULT false,
    "currentOrganizationId" text
);
CREATE TABLE "session" (
    id text PRIMARY KEY,
    "expiresAt" timestamp(3) NOT NULL,
    token text NOT NULL UNIQUE,
    "createdAt" timestamp(3) NOT NULL,
    "updatedAt" timestamp(3) NOT NULL,
    "ipAddress" text,
    "userAgent" text,
    "userId" text NOT NULL REFERENCES "user" (id) ON DELETE CASCADE
);
CREATE TABLE "account" (
    id text PRIMARY KEY,
    "accountId" text NOT NULL,
    "providerId" text NOT NULL,
    "userId" text NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    "accessToken" text,
    "refreshToken" text,
    "idToken" text,
    "accessTokenExpiresAt" timestamp(3),
    "refreshTokenExpiresAt" timestamp(3),
    scope text,
    password text,
    "createdAt" timestamp(3) NOT NULL,
    "updatedAt" timestamp(3) NOT NULL
);
CREATE TABLE "verification" (
    id text PRIMARY KEY,
    identifier text NOT NULL,
    value text NOT NULL,
    "expiresAt" timestamp(3) NOT NULL,
    "createdAt" timestamp(3),
    "updatedAt" timestamp(3)
);
CREATE TABLE "Organization" (
    id text PRIMARY KEY,
    name text NOT NULL,
    slug text NOT NULL UNIQUE,
    description text NOT NULL DEFAULT '',
    website text,
    premium boolean NOT NULL DEFAULT false
);
CREATE TABLE "OrganizationUser" (
    id text PRIMARY KEY,
    "userId" text NOT NULL,
    role "Role" NOT NULL DEFAULT 'member',
    "organizationId" text NOT NULL
);
CREATE TABLE "OrganizationInvite" (
    id text PRIMARY KEY,
    role "Role" NOT NULL DEFAULT 'member',
    email text NOT NULL,
    "organizationId" text NOT NULL,
    "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE "JobCategory" (
    id text PRIMARY KEY,
    name text NOT NULL,
    "order" integer NOT NULL DEFAULT 0,
    "organizationId" text NOT NULL
);
CREATE TABLE "Job" (
    id text PRIMARY KEY,
    title text NOT NULL,
    type "Type" NOT NULL DEFAULT 'fulltime',
    country text,
    city text,
    content text NOT NULL DEFAULT '',
    remote boolean NOT NULL DEFAULT false,
    "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "organizationId" text NOT NULL,
    "categoryId" text
);
CREATE TABLE "Applicant" (
    id text PRIMARY KEY,
    name text NOT NULL,
    motivation text,
    email text NOT NULL,
    "linkedIn" text,
    twitter text,
    github text,
    "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    status "Status" NOT NULL DEFAULT 'SUBMITTED',
    "resumeKey" text,
    "jobId" text NOT NULL
);
"""

COLUMNS = {
    "user": "id name email emailVerified image createdAt updatedAt currentOrganizationId",
    "account": "id accountId providerId userId password accessToken refreshToken scope "
    "createdAt updatedAt",
    "session": "id expiresAt token createdAt updatedAt userId",
    "Organization": "id name slug description website",
    "OrganizationUser": "id userId role organizationId",
    "OrganizationInvite": "id role email organizationId createdAt",
    "JobCategory": "id name order organizationId",
    "Job": "id title type country city content remote createdAt organizationId categoryId",
    "Applicant": "id name motivation email linkedIn twitter github createdAt status resumeKey "
    "jobId",
}


def cuid() -> str:
    """An id shaped like Prisma's cuid(): 'c' and 24 lower-case letters and digits."""
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "c" + "".join(secrets.choice(alphabet) for _ in range(24))


def better_auth_hash(password: str) -> str:
    """A password hash exactly as Better Auth writes it: hex salt, ':', hex scrypt key."""
    salt = secrets.token_hex(16)
    key = hashlib.scrypt(
        unicodedata.normalize("NFKC", password).encode(),
        salt=salt.encode(),
        n=16384,
        r=16,
        p=1,
        dklen=64,
        maxmem=64 * 1024 * 1024,
    )
    return f"{salt}:{key.hex()}"


async def create_schema(connection: asyncpg.Connection) -> None:
    await connection.execute(DDL)


async def insert(
    connection: asyncpg.Connection, table: str, rows: Sequence[dict[str, Any]]
) -> None:
    """Insert ``rows`` (dicts with the same keys, the table's columns) with COPY."""
    if not rows:
        return
    columns = list(rows[0])
    unknown = set(columns) - set(COLUMNS[table].split())
    assert not unknown, unknown
    records = [tuple(row.get(column) for column in columns) for row in rows]
    await connection.copy_records_to_table(table, records=records, columns=columns)


def at(text: str) -> datetime:
    """A timestamp as Prisma stores it: UTC, without a zone."""
    return datetime.fromisoformat(text)
