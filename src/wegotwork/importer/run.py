"""Importing an original WeGotWork installation: users and their sign-in accounts,
organizations, members, invitations, categories, jobs and applicants with their résumés.

Each table is read in batches from one snapshot of the source; each batch is written here in
one transaction together with its rows of ``import_mapping`` (original id → id here), so an
interrupted run keeps every batch it finished and the next run goes on from there. A row met
again is updated when its values changed and left alone otherwise; a row that was imported and
has since been deleted here (an erased candidate, a deleted workspace) is not brought back.
The rules are the product's own: slug, name and website rules, the job description sanitizer,
the résumé type check, the invitation lifetime, the funnel counting.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections import Counter, defaultdict
from collections.abc import AsyncGenerator, Callable, Iterable, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import bindparam, exists, func, insert, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from wegotwork.analytics import funnel
from wegotwork.analytics.counters import add_to, roll_up
from wegotwork.applicants.files import ResumeInspector
from wegotwork.applicants.intake import RESUME_PREFIX
from wegotwork.applicants.rules import GITHUB, LINKEDIN, TWITTER, Site, normalize_profile_url
from wegotwork.applicants.rules import stored_filename as resume_filename
from wegotwork.auth.actions import normalize_email
from wegotwork.auth.schemas import ImageUrl, is_email
from wegotwork.content import bump_content_version
from wegotwork.db import Database, utcnow
from wegotwork.errors import DomainError
from wegotwork.importer import MAX_WRITERS, WRITERS, rules
from wegotwork.importer.report import KINDS, Progress, Report, no_progress
from wegotwork.importer.source import Source
from wegotwork.invitations.actions import mail_invitation
from wegotwork.invitations.rules import TIME_TO_LIVE
from wegotwork.jobs.rules import CITY_MAX, TITLE_MAX, country_code
from wegotwork.messages.actions import seed_organization as seed_communication
from wegotwork.models import (
    DIRECT,
    Account,
    Applicant,
    ApplicantEvent,
    ApplicantStatus,
    FunnelCount,
    ImportMapping,
    Invitation,
    InvitationStatus,
    Job,
    JobCategory,
    JobStatus,
    Member,
    Organization,
    Role,
    User,
)
from wegotwork.models.base import Base
from wegotwork.organizations import rules as organization_rules
from wegotwork.organizations.actions import suggest_available_slug
from wegotwork.pipelines import rules as pipeline_rules
from wegotwork.pipelines.actions import create_default_pipeline
from wegotwork.pipelines.queries import default_pipeline_id, stages_of
from wegotwork.storage import Storage, StorageError

log = logging.getLogger("wegotwork.importer")

CREDENTIAL = "credential"
BATCH_SIZE = 2000
_IMAGE = TypeAdapter(ImageUrl)
_MAPPING: Any = ImportMapping.__table__
DELETED_HERE = "deleted here since it was imported; not brought back"
# The columns of the rows written as records (COPY on PostgreSQL), in their order.
MAPPING_COLUMNS = (
    "kind",
    "source_id",
    "target_id",
    "outcome",
    "fingerprint",
    "created_at",
    "updated_at",
)
APPLICANT_COLUMNS = (
    "id",
    "organization_id",
    "job_id",
    "name",
    "email",
    "motivation",
    "linkedin",
    "twitter",
    "github",
    "status",
    "resume_key",
    "resume_filename",
    "resume_content_type",
    "resume_size",
    "stage_id",
    "source",
    "created_at",
    "updated_at",
)
_NO_RESUME = (None, None, None, None)
# Why a duplicate was merged into the row that was kept.
MERGED = {
    "member": "a second membership of the same person; the highest role is kept",
    "invitation": "an older invitation of the same address",
    "applicant": "an older application of the same address to the same job; the newest is kept",
}
FUNNEL_COLUMNS = ("organization_id", "day", "job_id", "source", "step")
_FUNNEL_STEPS = {status: tuple(rules.funnel_steps(status)) for status in ApplicantStatus}


def _funnel_steps(status: ApplicantStatus) -> tuple[str, ...]:
    return _FUNNEL_STEPS[status]


@dataclass(frozen=True, slots=True)
class ImportOptions:
    source_url: str
    # Where the original kept résumé files (a directory or S3 storage); None: not copied.
    resumes: Storage | None = None
    dry_run: bool = False
    send_invitations: bool = False
    base_url: str = "http://127.0.0.1:8000"
    batch_size: int = BATCH_SIZE
    # Connections writing applicants side by side on PostgreSQL (each batch one transaction;
    # a batch never splits the rows of one job and address, so batches do not depend on each
    # other). A dry run and SQLite use one.
    writers: int = WRITERS
    # The installation's secret: keys the digests kept in import_mapping.
    secret: str = ""

    def __post_init__(self) -> None:
        if not 1 <= self.writers <= MAX_WRITERS:
            raise ValueError(f"writers must be from 1 to {MAX_WRITERS}, not {self.writers}")


@dataclass(frozen=True, slots=True)
class Known:
    """An earlier run's mapping of one original row."""

    target_id: str
    outcome: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class Seen:
    """What earlier runs did with one batch's rows."""

    known: dict[str, Known]
    deleted: set[str]  # imported, then deleted here


# A row imported by an earlier run and deleted here since: never brought back.
DELETED = Known("", "deleted", "")


@dataclass(frozen=True, slots=True)
class UserRef:
    target_id: str
    created_at: datetime
    active_organization: str | None  # the original's currentOrganizationId


@dataclass
class Writes:
    """One batch's writes, executed together (inserts in dependency order, then updates)."""

    inserts: dict[type[Base], list[dict[str, Any]]] = field(default_factory=dict)
    # New applicants as records in APPLICANT_COLUMNS' order.
    applicants: list[tuple[Any, ...]] = field(default_factory=list)
    updates: dict[type[Base], list[dict[str, Any]]] = field(default_factory=dict)
    # New import_mapping rows as records in MAPPING_COLUMNS' order.
    mappings: list[tuple[Any, ...]] = field(default_factory=list)
    changed_mappings: list[dict[str, Any]] = field(default_factory=list)
    now: datetime = field(default_factory=utcnow)

    def insert(self, model: type[Base], row: dict[str, Any]) -> None:
        self.inserts.setdefault(model, []).append(row)

    def update(self, model: type[Base], target_id: str, values: dict[str, Any]) -> None:
        self.updates.setdefault(model, []).append({"_id": target_id, **values})

    def map(self, kind: str, source_id: str, target_id: str, outcome: str, print_: str) -> None:
        self.mappings.append((kind, source_id, target_id, outcome, print_, self.now, self.now))

    def remap(self, kind: str, source_id: str, print_: str) -> None:
        self.changed_mappings.append(
            {"_kind": kind, "_source_id": source_id, "_print": print_, "_now": self.now}
        )

    async def execute(self, db: AsyncSession) -> None:
        for model, rows in self.inserts.items():
            if model is not ApplicantEvent:  # those follow the applicants
                table: Any = model.__table__
                await db.execute(insert(table), rows)
        if self.applicants:
            await _insert_records(db, Applicant.__table__, APPLICANT_COLUMNS, self.applicants)
        if ApplicantEvent in self.inserts:
            events: Any = ApplicantEvent.__table__
            await db.execute(insert(events), self.inserts[ApplicantEvent])
        for model, rows in self.updates.items():
            table = model.__table__
            # Parameters of an executemany UPDATE may not share the columns' names.
            by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for row in rows:
                by_columns.setdefault(tuple(sorted(row)), []).append(
                    {f"_{name}": value for name, value in row.items()}
                )
            for columns, group in by_columns.items():
                values: dict[str, Any] = {
                    name: bindparam(f"_{name}") for name in columns if name != "_id"
                }
                statement = update(table).where(table.c.id == bindparam("__id")).values(values)
                await db.execute(statement, group)
        if self.mappings:
            await _insert_records(db, _MAPPING, MAPPING_COLUMNS, self.mappings)
        if self.changed_mappings:
            statement = (
                update(_MAPPING)
                .where(
                    _MAPPING.c.kind == bindparam("_kind"),
                    _MAPPING.c.source_id == bindparam("_source_id"),
                )
                .values(fingerprint=bindparam("_print"), updated_at=bindparam("_now"))
            )
            await db.execute(statement, self.changed_mappings)


async def _insert_records(
    db: AsyncSession, table: Any, columns: Sequence[str], records: list[tuple[Any, ...]]
) -> None:
    """Insert records (plain values in ``columns``' order): with COPY on PostgreSQL, several
    times faster than INSERT for the large tables; else one executemany INSERT."""
    if db.get_bind().dialect.name != "postgresql":
        rows = [dict(zip(columns, record, strict=True)) for record in records]
        await db.execute(insert(table), rows)
        return
    connection = await db.connection()
    raw = await connection.get_raw_connection()
    await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
        table.name, records=records, columns=list(columns)
    )


_FUNNEL_UPSERT = text(
    "INSERT INTO funnel_count (id, organization_id, day, job_id, source, step, count) "
    "SELECT md5(random()::text || clock_timestamp()::text), o, d, j, s, st, c FROM unnest("
    "CAST(:organizations AS text[]), CAST(:days AS date[]), CAST(:jobs AS text[]), "
    "CAST(:sources AS text[]), CAST(:steps AS text[]), CAST(:counts AS bigint[])"
    ") AS t(o, d, j, s, st, c) "
    "ON CONFLICT (organization_id, day, job_id, source, step) "
    "DO UPDATE SET count = funnel_count.count + excluded.count"
)


async def _count_in_funnel(db: AsyncSession, funnel: Counter[tuple[Any, ...]]) -> None:
    """Add the batch's applicants to the funnel counters (``analytics.counters.add_to``; on
    PostgreSQL one statement over arrays, which stays cheap for thousands of counters)."""
    if not funnel:
        return
    if db.get_bind().dialect.name != "postgresql":
        await add_to(db, FunnelCount, funnel, FUNNEL_COLUMNS)
        return
    keys = sorted(funnel, key=repr)
    columns = list(zip(*keys, strict=True))
    await db.execute(
        _FUNNEL_UPSERT,
        {
            "organizations": list(columns[0]),
            "days": list(columns[1]),
            "jobs": list(columns[2]),
            "sources": list(columns[3]),
            "steps": list(columns[4]),
            "counts": [funnel[key] for key in keys],
        },
    )
    await roll_up(db, FunnelCount, funnel, FUNNEL_COLUMNS)


_TARGETS: Mapping[str, type[Base]] = {
    "user": User,
    "account": Account,
    "organization": Organization,
    "member": Member,
    "invitation": Invitation,
    "category": JobCategory,
    "job": Job,
    "applicant": Applicant,
}


def _clean_image(value: str | None) -> str | None:
    try:
        image: str | None = _IMAGE.validate_python(value)
    except ValidationError:
        return None
    return image


def _profile(site: Site, raw: str | None) -> tuple[str | None, bool]:
    """The normalized profile link, and whether a given link had to be dropped."""
    if raw is None or not raw.strip():
        return None, False
    try:
        return normalize_profile_url(site, raw), False
    except ValueError:
        return None, True


class Importer:
    """Writes the original's rows here, batch by batch (``handle``), then ``finish``."""

    def __init__(self, db: AsyncSession, storage: Storage, options: ImportOptions) -> None:
        self.db = db
        self.storage = storage
        self.options = options
        self.report = Report(dry_run=options.dry_run)
        self.users: dict[str, UserRef] = {}
        self.organizations: dict[str, str] = {}
        self.categories: dict[str, str] = {}
        self.jobs: dict[str, tuple[str, str]] = {}  # original job → (job here, its organization)
        # The stages (id, status) in order of each job here's pipeline, and each organization's
        # default pipeline with its stages, as new jobs and applicants are placed.
        self.job_stages: dict[str, list[tuple[str, ApplicantStatus]]] = {}
        self.default_pipelines: dict[str, tuple[str | None, list[tuple[str, ApplicantStatus]]]] = {}
        self.emails: dict[str, str] = {}  # addresses of users created in this run → user here
        self.members: set[tuple[str, str]] = set()
        self.new_jobs: set[str] = set()  # jobs created by this run
        # Kinds no earlier run imported anything of: their rows need no look-up of mappings
        # (each original row is read once per run).
        self.unmapped: set[str] = set()
        self.touched: set[str] = set()  # organizations whose public content changed
        self.resume_files: list[str] = []  # files copied by the batch being written
        self._group: tuple[tuple[str, ...], str] | None = None  # (duplicate key, kept row here)
        self.now = utcnow()
        # Seconds spent in each step of the applicant phase (the benchmark shows them).
        self.timings: defaultdict[str, float] = defaultdict(float)
        self._handlers: dict[str, Callable[[Sequence[Any], Writes], Any]] = {
            "user": self._users,
            "account": self._accounts,
            "organization": self._organizations,
            "member": self._members,
            "invitation": self._invitations,
            "category": self._categories,
            "job": self._jobs,
            "applicant": self._applicants,
        }

    # Plumbing -----------------------------------------------------------------------------

    def _fingerprint(self, values: Iterable[object]) -> str:
        return rules.fingerprint(values, self.options.secret.encode())

    async def handle(self, kind: str, rows: Sequence[Any]) -> None:
        """Write one batch of ``kind`` and commit it (flush only, in a dry run)."""
        writes = Writes()
        if self.db.get_bind().dialect.name == "postgresql":
            # A batch lost to a crash right after its commit is imported again by the next
            # run (its mapping rows are lost with it), so the commit need not wait for disk.
            await self.db.execute(text("SET LOCAL synchronous_commit TO off"))
        await self._handlers[kind](rows, writes)
        started = time.perf_counter()
        await writes.execute(self.db)
        if kind == "invitation" and self.options.send_invitations:
            await self._mail([row["id"] for row in writes.inserts.get(Invitation, [])])
        written = time.perf_counter()
        await self._commit()
        if kind == "applicant":
            self.timings["applicants: write rows and mappings"] += written - started
            self.timings["applicants: commit"] += time.perf_counter() - written

    async def _commit(self) -> None:
        if self.options.dry_run:
            await self.db.flush()
            return
        try:
            await self.db.commit()
        except BaseException:
            await self._discard_files()
            raise
        self.resume_files.clear()

    async def _discard_files(self) -> None:
        for key in self.resume_files:
            try:
                await self.storage.delete(key)
            except StorageError:
                log.warning("could not remove %s; wegotwork storage gc will", key)
        self.resume_files.clear()

    def beside(self, db: AsyncSession) -> Importer:
        """An importer writing through another session beside this one: the same report,
        id maps and caches; its own transaction and files in flight."""
        other = copy.copy(self)
        other.db = db
        other.resume_files = []
        other._group = None
        other._handlers = {
            kind: getattr(other, handler.__name__) for kind, handler in self._handlers.items()
        }
        return other

    async def begin(self, kind: str) -> None:
        """Before the rows of ``kind``: whether an earlier run imported any of them."""
        earlier = await self.db.scalar(select(exists().where(ImportMapping.kind == kind)))
        if not earlier:
            self.unmapped.add(kind)

    async def finish(self) -> None:
        """Bump the careers sites whose content changed."""
        for organization_id in sorted(self.touched):
            await bump_content_version(self.db, organization_id)
        await self._commit()

    async def _known(self, kind: str, source_ids: Iterable[str]) -> Seen:
        """Earlier runs' mappings of these rows whose row here still exists, and the rows whose
        row here has since been deleted."""
        if kind in self.unmapped:
            return Seen({}, set())
        ids = list(source_ids)
        rows = (
            await self.db.execute(
                select(
                    ImportMapping.source_id,
                    ImportMapping.target_id,
                    ImportMapping.outcome,
                    ImportMapping.fingerprint,
                ).where(ImportMapping.kind == kind, ImportMapping.source_id.in_(ids))
            )
        ).all()
        known = {row[0]: Known(row[1], row[2], row[3]) for row in rows}
        model: Any = _TARGETS[kind]
        targets = {entry.target_id for entry in known.values()}
        alive = set(
            (await self.db.scalars(select(model.id).where(model.id.in_(sorted(targets))))).all()
            if targets
            else ()
        )
        deleted = {source_id for source_id, entry in known.items() if entry.target_id not in alive}
        return Seen({k: v for k, v in known.items() if k not in deleted}, deleted)

    def _earlier(
        self,
        kind: str,
        source_id: str,
        seen: Seen,
        print_: str,
        writes: Writes,
        values: dict[str, Any],
        group: tuple[str, ...] | None = None,
    ) -> Known | None:
        """A row an earlier run met: counted, and updated here if it changed in the original
        (DELETED, and skipped, when its row here has been deleted since). None for a new row."""
        if source_id in seen.deleted:
            self.report.skip(kind, source_id, DELETED_HERE)
            return DELETED
        known = seen.known.get(source_id)
        if known is None:
            return None
        if known.outcome == "merged":
            self.report.count(kind, "merged")
        elif known.fingerprint == print_:
            self.report.count(kind, "unchanged")
        else:
            writes.update(_TARGETS[kind], known.target_id, {**values, "updated_at": self.now})
            self.report.count(kind, "updated")
        if known.fingerprint != print_:
            writes.remap(kind, source_id, print_)
        if group is not None and self._same_group(group) is None:
            self._group = (group, known.target_id)
        return known

    def _imported(
        self,
        kind: str,
        source_id: str,
        target: str,
        print_: str,
        writes: Writes,
        repairs: Iterable[str] = (),
    ) -> None:
        """A new row: mapped to the row it became, counted, and what had to change reported."""
        for repair in repairs:
            self.report.repair(kind, source_id, repair)
        writes.map(kind, source_id, target, "imported", print_)
        self.report.count(kind, "imported")

    def _merge(
        self, kind: str, source_id: str, kept: str, print_: str, writes: Writes, reason: str = ""
    ) -> None:
        """A duplicate: mapped to the row that was kept, and reported."""
        self.report.merge(kind, source_id, reason or MERGED[kind])
        writes.map(kind, source_id, kept, "merged", print_)

    def _met_again(self, entry: Known, print_: str, organization: str) -> None:
        """A changed row shows on the organization's careers site: its version moves on."""
        if entry.fingerprint != print_:
            self.touched.add(organization)

    def _same_group(self, key: tuple[str, ...]) -> str | None:
        """The row here that an earlier row with the same duplicate key became, if any."""
        if self._group is not None and self._group[0] == key:
            return self._group[1]
        return None

    # Users and accounts -------------------------------------------------------------------

    async def _users(self, rows: Sequence[Any], writes: Writes) -> None:
        seen = await self._known("user", (row["id"] for row in rows))
        emails = {normalize_email(row["email"].strip()) for row in rows}
        existing = dict(
            (
                await self.db.execute(
                    select(User.email, User.id).where(User.email.in_(sorted(emails)))
                )
            ).all()
        )
        for row in rows:
            source_id: str = row["id"]
            email = normalize_email(row["email"].strip())
            name = rules.clip(row["name"], 255) or email.partition("@")[0]
            image = _clean_image(row["image"])
            created = rules.utc(row["createdAt"]) or self.now
            print_ = self._fingerprint((name, email, row["emailVerified"], image))
            changes = {"name": name, "email_verified": bool(row["emailVerified"]), "image": image}
            entry = self._earlier("user", source_id, seen, print_, writes, changes)
            if entry is DELETED:
                continue
            if entry is not None:
                target = entry.target_id
            elif not is_email(email):
                self.report.skip("user", source_id, f"invalid email address {email!r}")
                continue
            elif (target_or_none := existing.get(email) or self.emails.get(email)) is not None:
                target = target_or_none
                self._merge(
                    "user",
                    source_id,
                    target,
                    print_,
                    writes,
                    f"merged into the account here with the address {email}",
                )
            else:
                target = rules.fresh_id()
                if row["image"] and image is None:
                    self.report.repair("user", source_id, "picture dropped: not an http(s) URL")
                writes.insert(
                    User,
                    {
                        "id": target,
                        "name": name,
                        "email": email,
                        "email_verified": bool(row["emailVerified"]),
                        "image": image,
                        "created_at": created,
                        "updated_at": rules.utc(row["updatedAt"]) or created,
                    },
                )
                self._imported("user", source_id, target, print_, writes)
                self.emails[email] = target
            self.users[source_id] = UserRef(target, created, row["currentOrganizationId"])

    async def _accounts(self, rows: Sequence[Any], writes: Writes) -> None:
        seen = await self._known("account", (row["id"] for row in rows))
        wanted: list[tuple[str, str, str]] = []  # (original id, provider, account id here)
        for row in rows:
            user = self.users.get(row["userId"])
            if user is not None:
                provider = row["providerId"]
                account_id = user.target_id if provider == CREDENTIAL else row["accountId"]
                wanted.append((row["id"], provider, account_id))
        found = await self.db.execute(
            select(Account.provider_id, Account.account_id).where(
                Account.account_id.in_(sorted({account_id for _, _, account_id in wanted}))
            )
        )
        taken: set[tuple[str, str]] = {(provider, account_id) for provider, account_id in found}
        targets = {source_id: (provider, account_id) for source_id, provider, account_id in wanted}
        for row in rows:
            source_id = row["id"]
            secrets = {
                "password": row["password"],
                "access_token": row["accessToken"],
                "refresh_token": row["refreshToken"],
                "id_token": row["idToken"],
                "access_token_expires_at": rules.utc(row["accessTokenExpiresAt"]),
                "refresh_token_expires_at": rules.utc(row["refreshTokenExpiresAt"]),
                "scope": row["scope"],
            }
            print_ = self._fingerprint((row["providerId"], row["accountId"], *secrets.values()))
            if self._earlier("account", source_id, seen, print_, writes, secrets) is not None:
                continue
            if source_id not in targets:
                self.report.skip("account", source_id, f"its user {row['userId']} is not imported")
                continue
            provider, account_id = targets[source_id]
            if (provider, account_id) in taken:
                self.report.skip(
                    "account",
                    source_id,
                    f"the user here already signs in with {provider}; that account is kept",
                )
                continue
            taken.add((provider, account_id))
            target = rules.fresh_id()
            writes.insert(
                Account,
                {
                    "id": target,
                    "account_id": account_id,
                    "provider_id": provider,
                    "user_id": self.users[row["userId"]].target_id,
                    **secrets,
                    "created_at": rules.utc(row["createdAt"]) or self.now,
                    "updated_at": rules.utc(row["updatedAt"]) or self.now,
                },
            )
            self._imported("account", source_id, target, print_, writes)

    # Organizations, members, invitations --------------------------------------------------

    def _organization_values(self, row: Any) -> tuple[dict[str, Any], list[str]]:
        """Name, description and website by our rules, with what had to change."""
        repairs: list[str] = []
        name = organization_rules.clean_name(row["name"] or "")
        if organization_rules.name_problem(name):
            fixed = (name[: organization_rules.NAME_MAX].strip() or row["slug"])[
                : organization_rules.NAME_MAX
            ]
            fixed = fixed if len(fixed) >= organization_rules.NAME_MIN else f"{fixed} team"
            repairs.append(f"name {name!r} is now {fixed!r}")
            name = fixed
        description = (row["description"] or "").strip() or None
        if description and len(description) > organization_rules.DESCRIPTION_MAX:
            description = description[: organization_rules.DESCRIPTION_MAX]
            repairs.append(f"description cut to {organization_rules.DESCRIPTION_MAX} characters")
        try:
            website = organization_rules.clean_website(row["website"] or "")
        except ValueError as exc:
            website = None
            repairs.append(f"website {row['website']!r} dropped: {exc}")
        return {"name": name, "description": description, "website": website}, repairs

    async def _organizations(self, rows: Sequence[Any], writes: Writes) -> None:
        seen = await self._known("organization", (row["id"] for row in rows))
        for row in rows:
            source_id = row["id"]
            values, repairs = self._organization_values(row)
            print_ = self._fingerprint((row["slug"], *values.values()))
            entry = self._earlier("organization", source_id, seen, print_, writes, values)
            if entry is not None:
                if entry is not DELETED:
                    self._met_again(entry, print_, entry.target_id)
                    self.organizations[source_id] = entry.target_id
                continue
            slug = (row["slug"] or "").strip().lower()
            problem = organization_rules.slug_problem(slug)
            if problem is None and await self._slug_taken(slug):
                problem = "it is taken here"
            if problem is not None:
                new_slug = await suggest_available_slug(self.db, values["name"])
                repairs.append(f"slug {row['slug']!r} is now {new_slug!r} ({problem})")
                slug = new_slug
            target = rules.fresh_id()
            # Written at once: the next organization's slug check must see this one.
            self.db.add(
                Organization(
                    id=target,
                    slug=slug,
                    onboarding={"dismissed": self.now.isoformat().replace("+00:00", "Z")},
                    **values,
                )
            )
            await self.db.flush()
            await create_default_pipeline(self.db, target)
            seed_communication(self.db, target)
            self._imported("organization", source_id, target, print_, writes, repairs)
            self.organizations[source_id] = target

    async def _slug_taken(self, slug: str) -> bool:
        found = await self.db.scalar(
            select(Organization.id).where(func.lower(Organization.slug) == slug).limit(1)
        )
        return found is not None

    async def _members(self, rows: Sequence[Any], writes: Writes) -> None:
        seen = await self._known("member", (row["id"] for row in rows))
        for row in rows:
            source_id = row["id"]
            role = rules.member_role(row["role"])
            print_ = self._fingerprint((row["organizationId"], row["userId"], role))
            key = ("member", row["organizationId"], row["userId"])
            kept = self._same_group(key)
            if self._earlier("member", source_id, seen, print_, writes, {"role": role}, key):
                continue
            user = self.users.get(row["userId"])
            organization = self.organizations.get(row["organizationId"])
            if user is None or organization is None:
                missing = "user" if user is None else "organization"
                self.report.skip("member", source_id, f"its {missing} is not imported")
                continue
            if kept is not None:
                self._merge("member", source_id, kept, print_, writes)
                continue
            if (organization, user.target_id) in self.members:
                self.report.skip("member", source_id, "the user here is already a member")
                continue
            self.members.add((organization, user.target_id))
            target = rules.fresh_id()
            # The organization the user had open in the original is the one they joined
            # first here, which is where the dashboard opens after signing in.
            first = user.active_organization == row["organizationId"]
            writes.insert(
                Member,
                {
                    "id": target,
                    "organization_id": organization,
                    "user_id": user.target_id,
                    "role": role,
                    "created_at": user.created_at
                    + (timedelta() if first else timedelta(seconds=1)),
                },
            )
            self._imported("member", source_id, target, print_, writes)
            self._group = (key, target)

    async def _owners(self, organizations: Iterable[str]) -> dict[str, str]:
        """The first owner of each organization here, in whose name invitations are kept."""
        rows = await self.db.execute(
            select(Member.organization_id, Member.user_id)
            .where(
                Member.organization_id.in_(sorted(set(organizations))), Member.role == Role.OWNER
            )
            .order_by(Member.created_at.desc(), Member.id.desc())
        )
        return dict(rows.all())

    async def _invitations(self, rows: Sequence[Any], writes: Writes) -> None:
        seen = await self._known("invitation", (row["id"] for row in rows))
        organizations = {
            self.organizations[row["organizationId"]]
            for row in rows
            if row["organizationId"] in self.organizations
        }
        owners = await self._owners(organizations)
        emails = {normalize_email(row["email"].strip()) for row in rows}
        members = set(
            (
                await self.db.execute(
                    select(Member.organization_id, User.email)
                    .join(User, User.id == Member.user_id)
                    .where(
                        Member.organization_id.in_(sorted(organizations)),
                        User.email.in_(sorted(emails)),
                    )
                )
            ).all()
        )
        for row in rows:
            source_id = row["id"]
            email = normalize_email(row["email"].strip())
            role = rules.member_role(row["role"])
            print_ = self._fingerprint((row["organizationId"], email, role))
            key = ("invitation", row["organizationId"], email)
            kept = self._same_group(key)
            if self._earlier("invitation", source_id, seen, print_, writes, {"role": role}, key):
                continue
            organization = self.organizations.get(row["organizationId"])
            problem = None
            if organization is None:
                problem = "its organization is not imported"
            elif not is_email(email):
                problem = f"invalid email address {email!r}"
            elif (organization, email) in members:
                problem = f"{email} is already a member"
            elif organization not in owners:
                problem = "the organization has no owner to invite in the name of"
            if problem is not None or organization is None:
                self.report.skip("invitation", source_id, problem or "")
                continue
            if kept is not None:
                self._merge("invitation", source_id, kept, print_, writes)
                continue
            target = rules.fresh_id()
            writes.insert(
                Invitation,
                {
                    "id": target,
                    "organization_id": organization,
                    "email": email,
                    "role": role,
                    "status": InvitationStatus.PENDING,
                    "inviter_id": owners[organization],
                    # A fresh lifetime: the original's invitations never expired.
                    "expires_at": self.now + TIME_TO_LIVE,
                    "created_at": rules.utc(row["createdAt"]) or self.now,
                },
            )
            self._imported("invitation", source_id, target, print_, writes)
            self._group = (key, target)

    async def _mail(self, new: list[str]) -> None:
        """Mail the batch's new invitations (``--send-invitations``)."""
        for invitation in await self.db.scalars(select(Invitation).where(Invitation.id.in_(new))):
            organization = await self.db.get(Organization, invitation.organization_id)
            inviter = await self.db.get(User, invitation.inviter_id)
            if organization is not None and inviter is not None:
                mail_invitation(self.db, invitation, organization, inviter, self.options.base_url)

    # Categories, jobs ---------------------------------------------------------------------

    async def _categories(self, rows: Sequence[Any], writes: Writes) -> None:
        seen = await self._known("category", (row["id"] for row in rows))
        names = {" ".join((row["name"] or "").split())[:80].lower() for row in rows}
        organizations = {self.organizations.get(row["organizationId"], "") for row in rows}
        existing = {
            (organization, name): target
            for target, organization, name in (
                await self.db.execute(
                    select(
                        JobCategory.id, JobCategory.organization_id, func.lower(JobCategory.name)
                    )
                    .where(JobCategory.organization_id.in_(sorted(organizations)))
                    .where(func.lower(JobCategory.name).in_(sorted(names)))
                )
            )
        }
        for row in rows:
            source_id = row["id"]
            name = " ".join((row["name"] or "").split())[:80]
            position = int(row["order"] or 0)
            print_ = self._fingerprint((row["organizationId"], name, position))
            changes = {"position": position}
            entry = self._earlier("category", source_id, seen, print_, writes, changes)
            if entry is not None:
                if entry is not DELETED:
                    self.categories[source_id] = entry.target_id
                continue
            organization = self.organizations.get(row["organizationId"])
            if organization is None or not name:
                reason = "it has no name" if organization else "its organization is not imported"
                self.report.skip("category", source_id, reason)
                continue
            kept = existing.get((organization, name.lower()))
            if kept is not None:
                self._merge(
                    "category",
                    source_id,
                    kept,
                    print_,
                    writes,
                    f"a category named {name!r} is kept",
                )
                self.categories[source_id] = kept
                continue
            target = rules.fresh_id()
            writes.insert(
                JobCategory,
                {
                    "id": target,
                    "organization_id": organization,
                    "name": name,
                    "position": position,
                    "created_at": self.now,
                    "updated_at": self.now,
                },
            )
            existing[(organization, name.lower())] = target
            self._imported("category", source_id, target, print_, writes)
            self.categories[source_id] = target
            self.touched.add(organization)

    def _job_values(self, row: Any) -> tuple[dict[str, Any], list[str]]:
        repairs: list[str] = []
        title = rules.clip(row["title"], TITLE_MAX) or "Untitled job"
        country = None
        if row["country"] and row["country"].strip():
            country = country_code(row["country"])
            if country is None:
                repairs.append(f"country {row['country']!r} is not known; left out")
        category = None
        if row["categoryId"] is not None:
            category = self.categories.get(row["categoryId"])
            if category is None:
                repairs.append(f"its category {row['categoryId']} is gone; kept without one")
        description, description_html = rules.job_description(row["content"])
        mode = rules.work_mode(row["remote"])
        return {
            "title": title,
            "type": rules.job_type(row["type"]),
            "country": country,
            "city": rules.clip(row["city"], CITY_MAX),
            "remote": mode.value == "remote",
            "work_mode": mode,
            "description": description,
            "description_html": description_html,
            "category_id": category,
        }, repairs

    async def _jobs(self, rows: Sequence[Any], writes: Writes) -> None:
        seen = await self._known("job", (row["id"] for row in rows))
        for row in rows:
            source_id = row["id"]
            values, repairs = self._job_values(row)
            print_ = self._fingerprint((row["organizationId"], *values.values()))
            organization = self.organizations.get(row["organizationId"])
            entry = self._earlier("job", source_id, seen, print_, writes, values)
            if entry is not None:
                if entry is not DELETED and organization is not None:
                    self._met_again(entry, print_, organization)
                    self.jobs[source_id] = (entry.target_id, organization)
                continue
            if organization is None:
                self.report.skip("job", source_id, "its organization is not imported")
                continue
            created = rules.utc(row["createdAt"]) or self.now
            target = rules.fresh_id()
            pipeline_id, stages = await self._default_pipeline(organization)
            self.job_stages[target] = stages
            writes.insert(
                Job,
                {
                    "id": target,
                    "organization_id": organization,
                    "pipeline_id": pipeline_id,
                    **values,
                    # The original had no drafts: every job was public.
                    "status": JobStatus.PUBLISHED,
                    "published_at": created,
                    "created_at": created,
                    "updated_at": created,
                },
            )
            self._imported("job", source_id, target, print_, writes, repairs)
            self.jobs[source_id] = (target, organization)
            self.new_jobs.add(target)
            self.touched.add(organization)

    # Applicants ---------------------------------------------------------------------------

    def _applicant_values(self, row: Any) -> tuple[dict[str, Any], list[str]]:
        repairs: list[str] = []
        email = (row["email"] or "").strip()
        links: dict[str, str | None] = {}
        for site, field_name, column in (
            (LINKEDIN, "linkedin", "linkedIn"),
            (TWITTER, "twitter", "twitter"),
            (GITHUB, "github", "github"),
        ):
            links[field_name], dropped = _profile(site, row[column])
            if dropped:
                repairs.append(f"{site.label} link {row[column]!r} dropped: not a profile link")
        return {
            "name": rules.clip(row["name"], 120) or email.partition("@")[0],
            "email": email[:320],
            "motivation": (row["motivation"] or "").strip() or None,
            **links,
            "status": rules.applicant_status(row["status"]),
        }, repairs

    async def _applicants(self, rows: Sequence[Any], writes: Writes) -> None:
        started = time.perf_counter()
        seen = await self._known("applicant", (row["id"] for row in rows))
        counts: Counter[tuple[Any, ...]] = Counter()
        statuses: dict[str, ApplicantStatus] = {}  # applicants updated here → their status
        existing = await self._existing_applicants(rows)
        for job_id, organization in sorted(
            {self.jobs[row["jobId"]] for row in rows if row["jobId"] in self.jobs}
        ):
            await self._stages_of_job(job_id, organization)
        self.timings["applicants: read earlier runs and existing rows"] += (
            time.perf_counter() - started
        )
        started = time.perf_counter()
        ids = iter(rules.fresh_ids(len(rows)))
        for row in rows:
            source_id = row["id"]
            values, repairs = self._applicant_values(row)
            status: ApplicantStatus = values["status"]
            print_ = self._fingerprint((row["jobId"], row["resumeKey"], *values.values()))
            email = values["email"]
            key = ("applicant", row["jobId"], email.lower())
            kept = self._same_group(key)
            entry = self._earlier("applicant", source_id, seen, print_, writes, values, key)
            if entry is not None:
                if entry.outcome == "imported" and entry.fingerprint != print_:
                    statuses[entry.target_id] = status
                continue
            job = self.jobs.get(row["jobId"])
            if job is None:
                self.report.skip("applicant", source_id, f"its job {row['jobId']} is gone")
                continue
            if not is_email(email):
                self.report.skip("applicant", source_id, f"invalid email {email!r}")
                continue
            job_id, organization = job
            if kept is None:
                kept = existing.get((job_id, email.lower()))
            if kept is not None:
                self._merge("applicant", source_id, kept, print_, writes)
                continue
            target = next(ids)
            created = rules.utc(row["createdAt"]) or self.now
            resume = (
                await self._resume(source_id, row["resumeKey"]) if row["resumeKey"] else _NO_RESUME
            )
            stages = self.job_stages.get(job_id) or await self._stages_of_job(*job)
            writes.applicants.append(
                (
                    target,
                    organization,
                    job_id,
                    values["name"],
                    email,
                    values["motivation"],
                    values["linkedin"],
                    values["twitter"],
                    values["github"],
                    status.value,
                    *resume,
                    pipeline_rules.landing_stage(stages, status) if stages else None,
                    None,  # source
                    created,
                    created,
                )
            )
            self._imported("applicant", source_id, target, print_, writes, repairs)
            self._group = (key, target)
            day = created.date()
            for step in _funnel_steps(status):
                counts[(organization, day, job_id, DIRECT, step)] += 1
        self.timings["applicants: check and shape (Python)"] += time.perf_counter() - started
        started = time.perf_counter()
        await _count_in_funnel(self.db, counts)
        self.timings["applicants: funnel counters"] += time.perf_counter() - started
        await self._moved(statuses, writes)

    async def _existing_applicants(self, rows: Sequence[Any]) -> dict[tuple[str, str], str]:
        """The applicants here, by (job here, lowercased address), that the batch's rows would
        duplicate. Jobs this run created hold only what this run wrote, which the source's order
        already groups, so only jobs that were here before are looked at."""
        pairs = sorted(
            {
                (self.jobs[row["jobId"]][0], (row["email"] or "").strip().lower())
                for row in rows
                if row["jobId"] in self.jobs and self.jobs[row["jobId"]][0] not in self.new_jobs
            }
        )
        if not pairs:
            return {}
        found = await self.db.execute(
            select(Applicant.id, Applicant.job_id, func.lower(Applicant.email)).where(
                tuple_(Applicant.job_id, func.lower(Applicant.email)).in_(pairs)
            )
        )
        return {(job, email): target for target, job, email in found}

    async def _moved(self, statuses: dict[str, ApplicantStatus], writes: Writes) -> None:
        """Applicants whose status changed in the original since the last run move here as a
        member would move them: a history entry (by nobody here) and the funnel's steps."""
        if not statuses:
            return
        moved = [
            funnel.Move(applicant, applicant.status, statuses[applicant.id], self.now)
            for applicant in await self.db.scalars(
                select(Applicant).where(Applicant.id.in_(sorted(statuses)))
            )
            if applicant.status != statuses[applicant.id]
        ]
        await funnel.record_moves(self.db, moved)
        for move in moved:
            # The stage follows the status: the first stage of it in the job's pipeline.
            stages = await self._stages_of_job(
                move.applicant.job_id, move.applicant.organization_id
            )
            if stages:
                move.applicant.stage_id = pipeline_rules.landing_stage(stages, move.after)
            writes.insert(
                ApplicantEvent,
                {
                    "id": rules.fresh_id(),
                    "applicant_id": move.applicant.id,
                    "actor_id": None,
                    "from_status": move.before,
                    "to_status": move.after,
                    "created_at": self.now,
                },
            )

    async def _default_pipeline(
        self, organization: str
    ) -> tuple[str | None, list[tuple[str, ApplicantStatus]]]:
        if organization not in self.default_pipelines:
            pipeline_id = await default_pipeline_id(self.db, organization)
            stages = await stages_of(self.db, pipeline_id) if pipeline_id else []
            self.default_pipelines[organization] = (
                pipeline_id,
                [(stage.id, stage.status) for stage in stages],
            )
        return self.default_pipelines[organization]

    async def _stages_of_job(
        self, job_id: str, organization: str
    ) -> list[tuple[str, ApplicantStatus]]:
        """The stages of the pipeline a job here uses (the organization's default when it
        names none), in order."""
        if job_id not in self.job_stages:
            pipeline_id = await self.db.scalar(select(Job.pipeline_id).where(Job.id == job_id))
            if pipeline_id is None:
                self.job_stages[job_id] = (await self._default_pipeline(organization))[1]
            else:
                stages = await stages_of(self.db, pipeline_id)
                self.job_stages[job_id] = [(stage.id, stage.status) for stage in stages]
        return self.job_stages[job_id]

    async def _resume(self, source_id: str, key: str | None) -> tuple[Any, ...]:
        """Copy the original's résumé file into our storage; its columns (key, filename, type,
        size; empty on failure, which is reported: the applicant is kept without one)."""
        empty = _NO_RESUME
        if not key:
            return empty
        if self.options.resumes is None:
            self.report.repair(
                "applicant", source_id, "résumé not copied: no --resumes-dir or --resumes given"
            )
            return empty
        inspector = ResumeInspector(self.options.resumes.open(key))
        stored = f"{RESUME_PREFIX}{rules.fresh_id()}"
        try:
            content_type = await inspector.begin()
            if self.options.dry_run:
                async for _chunk in inspector.stream():
                    pass
                size = inspector.size
            else:
                size = await self.storage.save(stored, inspector.stream(), content_type)
                self.resume_files.append(stored)
        except StorageError as exc:
            self.report.repair(
                "applicant",
                source_id,
                f"résumé {key!r} missing or unreadable ({exc}); kept without one",
            )
            return empty
        except DomainError as exc:
            self.report.repair(
                "applicant", source_id, f"résumé {key!r} refused: {exc.message}; kept without one"
            )
            return empty
        final_type = inspector.content_type or content_type
        self.report.resumes_copied += 1
        return (
            None if self.options.dry_run else stored,
            resume_filename(key.rsplit("/", 1)[-1], final_type),
            final_type,
            size,
        )


def _applicant_key(row: Any) -> tuple[str, str]:
    """The duplicate key of an original applicant (its job and address, as compared)."""
    return row["jobId"], (row["email"] or "").strip()[:320].lower()


async def run_import(
    database: Database,
    storage: Storage,
    options: ImportOptions,
    progress: Progress = no_progress,
) -> Report:
    """Import the original at ``options.source_url`` into ``database`` (and its files into
    ``storage``). Raises SourceError before writing anything when the source is unusable."""
    async with Source(options.source_url) as source:
        totals = {kind: await source.count(kind) for kind in KINDS}
        async with database.sessionmaker() as db:
            importer = Importer(db, storage, options)
            try:
                for kind in KINDS:
                    progress(kind, 0, totals[kind])
                    await importer.begin(kind)
                    side_by_side = (
                        kind == "applicant"
                        and options.writers > 1
                        and not options.dry_run
                        and db.get_bind().dialect.name == "postgresql"
                        # Not when every session shares one connection (as tests bind them).
                        and not isinstance(database.sessionmaker.kw.get("bind"), AsyncConnection)
                    )
                    async with AsyncExitStack() as sessions:
                        writers = [importer]
                        if side_by_side:
                            for _ in range(options.writers - 1):
                                other = await sessions.enter_async_context(database.sessionmaker())
                                writers.append(importer.beside(other))
                        batches = source.batches(
                            kind, options.batch_size, _applicant_key if side_by_side else None
                        )
                        await _write(kind, batches, writers, totals[kind], progress)
                await importer.finish()
                importer.report.timings.update(importer.timings)
            finally:
                if options.dry_run:
                    await db.rollback()
                elif db.in_transaction():
                    await db.rollback()
                    await importer._discard_files()
            return importer.report


async def _write(
    kind: str,
    batches: AsyncGenerator[Sequence[Any], None],
    writers: list[Importer],
    total: int,
    progress: Progress,
) -> None:
    """Hand each batch to a free writer; the next batch is read from the source meanwhile."""
    free = list(reversed(writers))
    running: dict[asyncio.Future[int], Importer] = {}
    done = 0

    async def handle(writer: Importer, rows: Sequence[Any]) -> int:
        await writer.handle(kind, rows)
        return len(rows)

    async def settle(finished: Iterable[asyncio.Future[int]]) -> None:
        nonlocal done
        for task in finished:
            free.append(running.pop(task))
            done += task.result()
            progress(kind, done, total)

    reading = asyncio.ensure_future(anext(batches, None))
    try:
        while (rows := await reading) is not None:
            reading = asyncio.ensure_future(anext(batches, None))
            if not free:
                finished, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                await settle(finished)
            writer = free.pop()
            running[asyncio.ensure_future(handle(writer, rows))] = writer
        while running:
            finished, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            await settle(finished)
    finally:
        # Let the batches under way end (each commits or rolls back as a whole) and the read
        # under way end before the source is closed.
        under_way: list[asyncio.Future[Any]] = [reading, *running]
        await asyncio.wait(under_way)
        for task in under_way:
            if not task.cancelled():
                task.exception()
        for writer in writers[1:]:
            if writer.db.in_transaction():
                await writer.db.rollback()
                await writer._discard_files()
        await batches.aclose()
