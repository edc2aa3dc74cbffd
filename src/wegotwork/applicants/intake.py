"""Taking in one application, for both faces (the JSON API and the HTML form).

The order is what keeps it atomic:
1. the job must be published (404 before a byte of the body is read);
2. the body is read as a stream: text fields are collected, the résumé goes straight to
   storage under a fresh random key while its size and type are checked (413 / 415 at once);
3. the fields are validated (422 with every field's problem);
4. the row and the outbox mail are written and committed in one transaction;
5. if anything after the file was written fails, the file is deleted. A crash between 2 and 4
   leaves at most an unreferenced file, which ``wegotwork storage gc`` removes.

The job's questions (``forms``) come with the job in step 1: each answer is a part named
``answers[<questionId>]``, a file answer is stored like the résumé (same sniffing, size limit
and clean-up), and the whole application is validated against the job's JSON Schema.
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
from wegotwork.clock import now as clock_now
from wegotwork.db import is_unavailable, new_id
from wegotwork.deps import Services
from wegotwork.errors import (
    DomainError,
    Invalid,
    PayloadTooLarge,
    Unavailable,
    UnsupportedMediaType,
)
from wegotwork.forms import actions as forms
from wegotwork.forms import queries as form_queries
from wegotwork.forms import schema as form_schema
from wegotwork.forms import spam
from wegotwork.forms.actions import StoredAnswerFile
from wegotwork.forms.schema import Form
from wegotwork.models import Applicant, QuestionKind
from wegotwork.schemas import UNKNOWN_FIELD, errors_from_validation
from wegotwork.storage import StorageError
from wegotwork.storage.cleanup import discard_files

log = logging.getLogger("wegotwork.applicants")

HONEYPOT = "website"
TEXT_FIELDS = frozenset(
    {
        "name",
        "email",
        "motivation",
        "linkedIn",
        "twitter",
        "github",
        "source",
        HONEYPOT,
        "consent",
        spam.FIELD,
    }
)
BUILT_IN_FIELDS = ("name", "email", "motivation", "linkedIn", "twitter", "github", "source")
ANSWER_VALUES_MAX = 60
UNKNOWN_PARTS_MAX = 20
MAX_TEXT_FIELD = 32 * 1024
MISSING_RESUME = "Attach your résumé (PDF, DOC or DOCX, at most 5 MB)"
STORAGE_DOWN = (
    "We could not save your application just now. Nothing was sent; please try again in a "
    "few minutes."
)
RESUME_PREFIX = "resumes/"
ANSWER_PREFIX = "answers/"
FILE_TOO_LARGE = "The file must be at most 5 MB"
FILE_WRONG_TYPE = "The file must be a PDF, DOC or DOCX file"
FILE_EMPTY = "The file is empty"
FILE_FOR_TEXT = "This question takes text, not a file"


class ApplicationIntake:
    """One application in progress; ``values`` keeps what was typed for re-showing the form."""

    def __init__(self, services: Services, db: AsyncSession) -> None:
        self.services = services
        self.db = db
        self.values: dict[str, str] = {}
        self.opening: Opening | None = None
        self.wrong_type = False  # the résumé was refused for its type (415, not 422)
        self.unknown: list[str] = []  # names of parts that are no field of the form
        self.form: Form | None = None
        self.answers: dict[str, list[str]] = {}  # text answers as typed, by question id
        self.answer_files: dict[str, StoredAnswerFile] = {}

    async def open(self, job_id: str) -> Opening:
        """The published job, checked before the body is read. Raises NotFound."""
        # No transaction (and, on SQLite, no lock) is held while a candidate's file trickles in.
        self.opening = await actions.get_open_job(self.services.db, job_id)
        self.form = await form_queries.public_form(self.services.db, job_id)
        return self.opening

    async def receive(
        self,
        body: AsyncIterator[bytes],
        content_type: str,
        *,
        strict: bool = False,
        human_check: bool = False,
    ) -> Applicant | None:
        """Read, store, validate and commit the application; None when the honeypot caught a
        bot (which is told it succeeded). ``strict`` (the JSON API) refuses parts that are no
        field of the form, naming each. ``human_check`` (the HTML form) refuses a form sent
        sooner than two seconds after it was served (its signed render time). Raises
        BadRequest, PayloadTooLarge, UnsupportedMediaType, Invalid, Conflict, NotFound or
        Unavailable; on any of them no row and no file remain."""
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
            if human_check and spam.too_fast(
                self.services.settings.signing_secret(), self.values.get(spam.FIELD), clock_now()
            ):
                log.info("application form sent too fast; refused")
                raise Invalid(spam.TOO_FAST, field_errors={"__all__": [spam.TOO_FAST]})
            data = self._validate(errors)
            instance = self._validate_form(errors, stored)
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
                secret=self.services.secret,
            )
            assert self.form is not None
            await forms.record_answers(
                self.db,
                applicant,
                self.form,
                instance,
                self.answer_files,
                form_schema.knocked_out(self.form, instance),
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
                question_id = form_schema.question_id_of(part.name)
                if part.name in TEXT_FIELDS:
                    self.values.setdefault(part.name, await part.text(limit=MAX_TEXT_FIELD))
                elif question_id is not None and self._count_answer():
                    text = await part.text(limit=MAX_TEXT_FIELD)
                    self.answers.setdefault(question_id, []).append(text)
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
                question_id = form_schema.question_id_of(part.name)
                if part.name == "resume" and part.filename is not None and not seen_resume:
                    seen_resume = True
                    stored = await self._resume(part, errors)
                elif question_id is not None:
                    await self._answer(part, question_id, errors)
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

    def _count_answer(self) -> bool:
        return sum(len(values) for values in self.answers.values()) < ANSWER_VALUES_MAX

    async def _answer(self, part: Part, question_id: str, errors: dict[str, list[str]]) -> None:
        """One ``answers[<id>]`` part: text is kept as typed, a file is stored like the résumé
        (its problems reported under the answer's name, never kept)."""
        question = self.form.question(question_id) if self.form else None
        name = form_schema.answer_field(question_id)
        if part.filename is None:
            if self._count_answer():
                text = await part.text(limit=MAX_TEXT_FIELD)
                self.answers.setdefault(question_id, []).append(text)
            else:
                await part.skip()
            return
        if part.filename == "":  # a file input left empty
            await part.skip()
            return
        if question is None:
            self.answers.setdefault(question_id, [])  # reported as not part of the form
            await part.skip()
            return
        if question.kind is not QuestionKind.FILE:
            errors.setdefault(name, [FILE_FOR_TEXT])
            await part.skip()
            return
        if question_id in self.answer_files or self.values.get(HONEYPOT, "").strip():
            await part.skip()
            return
        problem = rules.upload_name_problem(part.filename)
        if problem is not None:
            errors[name] = [problem]
            await part.skip()
            return
        inspector = ResumeInspector(part.chunks())
        key = f"{ANSWER_PREFIX}{new_id()}"
        try:
            content_type = await inspector.begin()
            size = await self.services.storage.save(key, inspector.stream(), content_type)
        except (EmptyResume, UnsupportedMediaType, PayloadTooLarge) as exc:
            errors[name] = [
                FILE_EMPTY
                if isinstance(exc, EmptyResume)
                else FILE_WRONG_TYPE
                if isinstance(exc, UnsupportedMediaType)
                else FILE_TOO_LARGE
            ]
            await part.skip()
            return
        final_type = inspector.content_type or content_type
        self.answer_files[question_id] = StoredAnswerFile(
            key=key,
            filename=rules.stored_filename(part.filename, final_type),
            content_type=final_type,
            size=size,
        )

    def _validate_form(
        self, errors: dict[str, list[str]], stored: StoredResume | None
    ) -> dict[str, object]:
        """The application as its schema's JSON instance, with every problem the schema finds
        added to ``errors`` (a built-in field's own message, when it has one, stays)."""
        assert self.form is not None
        files = {question_id: f.filename for question_id, f in self.answer_files.items()}
        if stored is not None:
            files["resume"] = stored.filename
        instance = form_schema.application_instance(
            self.form,
            {name: self.values[name] for name in BUILT_IN_FIELDS if name in self.values},
            self.answers,
            files,
            consent=self.values.get("consent"),
        )
        found = form_schema.validate(self.form, form_schema.build_schema(self.form), instance)
        for name, messages in found.items():
            if name in errors or name in BUILT_IN_FIELDS or name == "resume":
                continue
            errors[name] = messages
        return instance

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
        """Delete the files that will not be referenced (the résumé and every file answer);
        a failure is left to the collector."""
        keys = [f.key for f in self.answer_files.values()]
        self.answer_files = {}
        if stored is not None:
            keys.append(stored.key)
        if keys:
            await discard_files(self.services.storage, keys)
