"""Taking in one application, for both faces (the JSON API and the HTML form).

The order is what keeps it atomic:
1. the job must be published (404 before a byte of the body is read);
2. the body is read as a stream: text fields are collected, the résumé goes straight to
   storage under a fresh random key while its size and type are checked (413 / 415 at once);
3. the fields are validated (422 with every field's problem);
4. the row and the outbox mail are written and committed in one transaction;
5. if anything after the file was written fails, the file is deleted. A crash between 2 and 4
   leaves at most an unreferenced file, which ``wegotwork storage gc`` removes.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.applicants import actions, rules
from wegotwork.applicants.actions import Opening, StoredResume
from wegotwork.applicants.files import WRONG_TYPE, EmptyResume, ResumeInspector
from wegotwork.applicants.multipart import MultipartReader, Part
from wegotwork.applicants.schemas import ApplicationInput
from wegotwork.db import is_unavailable, new_id
from wegotwork.deps import Services
from wegotwork.errors import DomainError, Invalid, Unavailable, UnsupportedMediaType
from wegotwork.models import Applicant
from wegotwork.schemas import UNKNOWN_FIELD, errors_from_validation
from wegotwork.storage import StorageError
from wegotwork.storage.cleanup import discard_files

log = logging.getLogger("wegotwork.applicants")

HONEYPOT = "website"
TEXT_FIELDS = frozenset(
    {"name", "email", "motivation", "linkedIn", "twitter", "github", "source", HONEYPOT}
)
UNKNOWN_PARTS_MAX = 20
MAX_TEXT_FIELD = 32 * 1024
MISSING_RESUME = "Attach your résumé (PDF, DOC or DOCX, at most 5 MB)"
STORAGE_DOWN = (
    "We could not save your application just now. Nothing was sent; please try again in a "
    "few minutes."
)
RESUME_PREFIX = "resumes/"


class ApplicationIntake:
    """One application in progress; ``values`` keeps what was typed for re-showing the form."""

    def __init__(self, services: Services, db: AsyncSession) -> None:
        self.services = services
        self.db = db
        self.values: dict[str, str] = {}
        self.opening: Opening | None = None
        self.wrong_type = False  # the résumé was refused for its type (415, not 422)
        self.unknown: list[str] = []  # names of parts that are no field of the form

    async def open(self, job_id: str) -> Opening:
        """The published job, checked before the body is read. Raises NotFound."""
        # No transaction (and, on SQLite, no lock) is held while a candidate's file trickles in.
        self.opening = await actions.get_open_job(self.services.db, job_id)
        return self.opening

    async def receive(
        self, body: AsyncIterator[bytes], content_type: str, *, strict: bool = False
    ) -> Applicant | None:
        """Read, store, validate and commit the application; None when the honeypot caught a
        bot (which is told it succeeded). ``strict`` (the JSON API) refuses parts that are no
        field of the form, naming each. Raises BadRequest, PayloadTooLarge,
        UnsupportedMediaType, Invalid, Conflict, NotFound or Unavailable; on any of them no
        row and no file remain."""
        assert self.opening is not None, "open() first"
        stored: StoredResume | None = None
        try:
            errors: dict[str, list[str]] = {}
            stored = await self._read_form(MultipartReader(body, content_type), errors)
            if self.values.get(HONEYPOT, "").strip():
                log.info("honeypot filled; application dropped")
                await self._discard(stored)
                stored = None
                return None
            data = self._validate(errors)
            if strict:
                for name in self.unknown:
                    errors.setdefault(name, [UNKNOWN_FIELD])
            if stored is None:
                errors.setdefault("resume", [MISSING_RESUME])
            if self.wrong_type:
                raise UnsupportedMediaType(WRONG_TYPE, field_errors=errors)
            if errors or data is None or stored is None:
                raise Invalid("Invalid input", field_errors=errors)
            applicant = await actions.submit_application(
                self.db,
                self.opening.job_id,
                data,
                stored,
                base_url=self.services.settings.base_url,
            )
            await self.db.commit()
            return applicant
        except BaseException as exc:
            await self._discard(stored)
            if isinstance(exc, StorageError):
                log.warning("résumé storage failed: %s", exc)
                raise Unavailable(STORAGE_DOWN) from exc
            if isinstance(exc, Exception) and is_unavailable(exc):
                log.warning("database failed while applying: %s", exc)
                raise Unavailable(STORAGE_DOWN) from exc
            raise

    async def read_values(self, body: AsyncIterator[bytes], content_type: str) -> None:
        """Only collect what was typed, up to the first file (never read, never stored): for
        showing the form again when the application was refused before its body was read
        (rate limit). A body that cannot be read leaves whatever was collected so far."""
        try:
            async for part in MultipartReader(body, content_type).parts():
                if part.filename is not None:
                    return  # the form's text fields come first; a refused file is not read
                if part.name in TEXT_FIELDS:
                    self.values.setdefault(part.name, await part.text(limit=MAX_TEXT_FIELD))
                else:
                    await part.skip()
        except DomainError:
            pass

    async def _read_form(
        self, reader: MultipartReader, errors: dict[str, list[str]]
    ) -> StoredResume | None:
        stored: StoredResume | None = None
        seen_resume = False
        try:
            async for part in reader.parts():
                if part.name == "resume" and part.filename is not None and not seen_resume:
                    seen_resume = True
                    stored = await self._resume(part, errors)
                elif part.filename is None and part.name in TEXT_FIELDS:
                    text = await part.text(limit=MAX_TEXT_FIELD)
                    self.values.setdefault(part.name, text)
                else:
                    if (
                        part.name not in TEXT_FIELDS
                        and part.name != "resume"
                        and part.name not in self.unknown
                        and len(self.unknown) < UNKNOWN_PARTS_MAX
                    ):
                        self.unknown.append(part.name)
                    await part.skip()
        except BaseException:
            await self._discard(stored)
            raise
        return stored

    async def _resume(self, part: Part, errors: dict[str, list[str]]) -> StoredResume | None:
        if part.filename == "":  # the form was sent without choosing a file
            await part.skip()
            return None
        problem = rules.upload_name_problem(part.filename or "")
        if problem is not None:
            errors["resume"] = [problem]
            await part.skip()
            return None
        if self.values.get(HONEYPOT, "").strip():
            await part.skip()
            return None
        inspector = ResumeInspector(part.chunks())
        key = f"{RESUME_PREFIX}{new_id()}"
        try:
            content_type = await inspector.begin()
            size = await self.services.storage.save(key, inspector.stream(), content_type)
        except (EmptyResume, UnsupportedMediaType) as exc:
            # Nothing of the file was kept. Read on, so every other problem of the form is
            # reported along with this one.
            errors["resume"] = list((exc.field_errors or {}).get("resume", [exc.message]))
            if isinstance(exc, UnsupportedMediaType):
                self.wrong_type = True
            await part.skip()
            return None
        final_type = inspector.content_type or content_type
        return StoredResume(
            key=key,
            filename=rules.stored_filename(part.filename or "", final_type),
            content_type=final_type,
            size=size,
        )

    def _validate(self, errors: dict[str, list[str]]) -> ApplicationInput | None:
        cleaned = {
            key: value
            for key, value in self.values.items()
            if key != HONEYPOT and value.strip() != ""
        }
        try:
            return ApplicationInput.model_validate(cleaned)
        except ValidationError as exc:
            for field, messages in errors_from_validation(exc).items():
                name = "linkedIn" if field == "linked_in" else field
                if messages == ["This field is required"]:
                    messages = [f"{name[:1].upper()}{name[1:]} is required"]
                errors.setdefault(name, []).extend(messages)
            return None

    async def _discard(self, stored: StoredResume | None) -> None:
        """Delete a file that will not be referenced; a failure is left to the collector."""
        if stored is not None:
            await discard_files(self.services.storage, [stored.key])
