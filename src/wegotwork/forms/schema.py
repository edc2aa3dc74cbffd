"""One schema for an application: built from a job's questions as JSON Schema (2020-12), served
at ``GET /api/v1/public/jobs/{jobId}/form``, rendered by the public page, and used by the
server to validate every application (``jsonschema``'s Draft 2020-12 validator).

A multipart application is turned into the JSON instance the schema describes
(``application_instance``): answers under ``answers`` keyed by question id, a number as a JSON
number, a yes/no lower-cased, a multiple choice as a list, a file as its file name, ``consent``
as ``true``. Errors are reported in the form's own names: ``answers[<questionId>]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from wegotwork.forms import rules
from wegotwork.models import QuestionKind

DIALECT = "https://json-schema.org/draft/2020-12/schema"
FILE_TYPES = (
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
)
FILE_MAX_BYTES = 5 * 1024 * 1024
URL_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#]+[^\s]*$"
CONSENT_VALUES = frozenset({"true", "on", "yes", "1"})
BUILT_IN_ORDER = ("name", "email", "resume", "motivation", "linkedIn", "twitter", "github")

REQUIRED = "This question is required"
NOT_AN_OPTION = "Choose one of the options"
NOT_YES_NO = "Answer yes or no"
NOT_A_NUMBER = "Enter a number"
NOT_A_URL = "Enter a web address starting with http:// or https://"
UNKNOWN_QUESTION = "This question is not part of the form"
ONE_ANSWER = "Give one answer"
INVALID = "This answer is not valid"
CONSENT_REQUIRED = "Agree to the privacy notice to apply"


@dataclass(frozen=True, slots=True)
class FormQuestion:
    """One question as the candidate sees it."""

    id: str
    label: str
    kind: QuestionKind
    required: bool = False
    help_text: str | None = None
    options: Sequence[str] = ()
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    knockout: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Form:
    """A job's application form: its questions in order and the organization's notice."""

    job_id: str
    job_title: str
    questions: Sequence[FormQuestion] = ()
    privacy_notice_url: str | None = None
    privacy_notice_version: int | None = None

    def question(self, question_id: str) -> FormQuestion | None:
        return next((q for q in self.questions if q.id == question_id), None)

    @property
    def asks_consent(self) -> bool:
        return bool(self.privacy_notice_url)


def answer_field(question_id: str) -> str:
    """The multipart part name (and error key) of a question's answer."""
    return f"answers[{question_id}]"


def question_id_of(part_name: str) -> str | None:
    """The question id in an ``answers[<id>]`` part name, else None."""
    if part_name.startswith("answers[") and part_name.endswith("]"):
        return part_name[len("answers[") : -1]
    return None


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def question_schema(question: FormQuestion) -> dict[str, Any]:
    """The schema of one answer, with ``x-`` keywords for what the page needs."""
    schema: dict[str, Any] = {"title": question.label}
    if question.help_text:
        schema["description"] = question.help_text
    kind = question.kind
    if kind is QuestionKind.SHORT_TEXT:
        schema.update(type="string", minLength=1, maxLength=rules.SHORT_TEXT_MAX)
    elif kind is QuestionKind.LONG_TEXT:
        schema.update(type="string", minLength=1, maxLength=rules.LONG_TEXT_MAX)
    elif kind is QuestionKind.SINGLE_CHOICE:
        schema.update(type="string", enum=list(question.options))
    elif kind is QuestionKind.MULTIPLE_CHOICE:
        schema.update(
            type="array",
            items={"type": "string", "enum": list(question.options)},
            uniqueItems=True,
            minItems=1,
        )
    elif kind is QuestionKind.YES_NO:
        schema.update(type="string", enum=list(rules.YES_NO))
    elif kind is QuestionKind.NUMBER:
        schema["type"] = "number"
        if question.min_value is not None:
            schema["minimum"] = _number(question.min_value)
        if question.max_value is not None:
            schema["maximum"] = _number(question.max_value)
    elif kind is QuestionKind.URL:
        schema.update(type="string", maxLength=rules.URL_MAX, pattern=URL_PATTERN)
    else:  # a file: its name in the instance; type and size are checked as it streams in
        schema.update(
            type="string",
            minLength=1,
            contentMediaType=FILE_TYPES[0],
            **{"x-accept": list(FILE_TYPES), "x-maxBytes": FILE_MAX_BYTES},
        )
    schema["x-kind"] = kind.value
    schema["x-label"] = question.label
    return schema


def build_schema(form: Form) -> dict[str, Any]:
    """The whole application as JSON Schema 2020-12: built-in fields and the questions."""
    answers: dict[str, Any] = {
        "type": "object",
        "title": "Answers",
        "properties": {q.id: question_schema(q) for q in form.questions},
        "required": [q.id for q in form.questions if q.required],
        "additionalProperties": False,
        "x-order": [q.id for q in form.questions],
    }
    properties: dict[str, Any] = {
        "name": {
            "type": "string",
            "minLength": 1,
            "maxLength": 120,
            "x-kind": "short_text",
            "x-label": "Full name",
        },
        "email": {
            "type": "string",
            "format": "email",
            "minLength": 3,
            "maxLength": 320,
            "x-kind": "email",
            "x-label": "Email",
        },
        "resume": {
            "type": "string",
            "minLength": 1,
            "contentMediaType": FILE_TYPES[0],
            "x-kind": "file",
            "x-label": "Résumé",
            "x-accept": list(FILE_TYPES),
            "x-maxBytes": FILE_MAX_BYTES,
        },
        "motivation": {
            "type": "string",
            "maxLength": 5000,
            "x-kind": "long_text",
            "x-label": "Motivation",
        },
        "linkedIn": {"type": "string", "maxLength": 255, "x-kind": "url", "x-label": "LinkedIn"},
        "twitter": {"type": "string", "maxLength": 255, "x-kind": "short_text", "x-label": "X"},
        "github": {"type": "string", "maxLength": 255, "x-kind": "short_text", "x-label": "GitHub"},
        "source": {"type": "string", "maxLength": 255, "x-kind": "hidden"},
        "answers": answers,
    }
    required = ["name", "email", "resume"]
    if form.asks_consent:
        properties["consent"] = {
            "const": True,
            "x-kind": "consent",
            "x-label": "I have read the privacy notice and agree to my data being processed",
            "x-privacyNoticeUrl": form.privacy_notice_url,
            "x-privacyNoticeVersion": form.privacy_notice_version,
        }
        required.append("consent")
    return {
        "$schema": DIALECT,
        "$id": f"/api/v1/public/jobs/{form.job_id}/form",
        "title": form.job_title,
        "type": "object",
        "properties": properties,
        "required": required,
        "x-order": [*BUILT_IN_ORDER, "answers", *(["consent"] if form.asks_consent else [])],
        "x-encoding": (
            "multipart/form-data: each answer is a part named answers[<questionId>] (repeated "
            "for multiple_choice; a file for file); a number is a decimal string, yes_no is "
            "yes or no (any case), consent is true"
        ),
    }


# ---------------------------------------------------------------------------------------------
# From multipart to the instance


def _answer_value(question: FormQuestion, raw: Sequence[str]) -> Any:
    values = [value.strip() for value in raw if value.strip() != ""]
    if not values:
        return None
    if question.kind is QuestionKind.MULTIPLE_CHOICE:
        return values
    if len(values) > 1:
        return values  # a list where one string belongs: a type error
    value = values[0]
    if question.kind is QuestionKind.YES_NO:
        return value.lower()
    if question.kind is QuestionKind.NUMBER:
        try:
            number = Decimal(value)
        except InvalidOperation:
            return value
        if not number.is_finite() or abs(number) >= rules.NUMBER_LIMIT:
            return value
        return _number(number)
    return value


def application_instance(
    form: Form,
    fields: Mapping[str, str],
    answers: Mapping[str, Sequence[str]],
    files: Mapping[str, str],
    *,
    consent: str | None = None,
) -> dict[str, Any]:
    """The JSON instance of a multipart application: ``fields`` are the built-in text fields
    (blank ones left out), ``answers`` the text parts per question id, ``files`` the file name
    per question id (and ``resume``)."""
    instance: dict[str, Any] = {
        name: value for name, value in fields.items() if value.strip() != ""
    }
    if "resume" in files:
        instance["resume"] = files["resume"]
    given: dict[str, Any] = {}
    for question_id, raw in answers.items():
        question = form.question(question_id)
        if question is None:
            given[question_id] = list(raw)
            continue
        if question.kind is QuestionKind.FILE:
            continue
        value = _answer_value(question, raw)
        if value is not None:
            given[question_id] = value
    for question_id, filename in files.items():
        if question_id != "resume":
            given[question_id] = filename
    instance["answers"] = given
    if consent is not None and consent.strip() != "":
        instance["consent"] = True if consent.strip().lower() in CONSENT_VALUES else consent
    return instance


# ---------------------------------------------------------------------------------------------
# Validation


@dataclass(slots=True)
class _Errors:
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, key: str, message: str) -> None:
        messages = self.errors.setdefault(key, [])
        if message not in messages:
            messages.append(message)


def _message(question: FormQuestion | None, error: ValidationError) -> str:
    if question is None:
        return UNKNOWN_QUESTION
    validator = error.validator
    kind = question.kind
    if validator == "type" and isinstance(error.instance, list):
        return ONE_ANSWER
    if kind is QuestionKind.NUMBER:
        if validator == "minimum":
            return f"Enter at least {error.validator_value}"
        if validator == "maximum":
            return f"Enter at most {error.validator_value}"
        return NOT_A_NUMBER
    if kind is QuestionKind.YES_NO:
        return NOT_YES_NO
    if kind in rules.CHOICE_KINDS:
        return NOT_AN_OPTION
    if kind is QuestionKind.URL and validator == "pattern":
        return NOT_A_URL
    if validator == "maxLength":
        return f"Use at most {error.validator_value:,} characters"
    return INVALID


def _top_message(name: str, error: ValidationError) -> str:
    if name == "consent":
        return CONSENT_REQUIRED
    label = name[:1].upper() + name[1:]
    if error.validator == "required":
        if name == "resume":
            return "Attach your résumé (PDF, DOC or DOCX, at most 5 MB)"
        return f"{label} is required"
    if error.validator == "maxLength":
        return f"{label} must be at most {error.validator_value:,} characters"
    if error.validator == "format" and name == "email":
        return "Enter a valid email address"
    return f"{label} is not valid"


def validator_for(schema: Mapping[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=FormatChecker())


def validate(form: Form, schema: Mapping[str, Any], instance: Any) -> dict[str, list[str]]:
    """Every problem of ``instance`` against ``schema`` (built from ``form``), keyed by the
    form's field names (``answers[<id>]`` for answers); empty when valid."""
    found = _Errors()
    for error in validator_for(schema).iter_errors(instance):
        path = list(error.absolute_path)
        if path[:1] == ["answers"] and len(path) >= 2:
            question_id = str(path[1])
            found.add(answer_field(question_id), _message(form.question(question_id), error))
        elif path == ["answers"]:
            if error.validator == "required":
                for name in error.validator_value:
                    if name not in error.instance:
                        found.add(answer_field(name), REQUIRED)
            elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
                for name in error.instance:
                    if form.question(name) is None:
                        found.add(answer_field(name), UNKNOWN_QUESTION)
            else:
                found.add("answers", INVALID)
        elif not path:
            if error.validator == "required" and isinstance(error.instance, dict):
                for name in error.validator_value:
                    if name not in error.instance:
                        found.add(name, _top_message(name, error))
            else:
                found.add("form", INVALID)
        else:
            name = str(path[0])
            found.add(name, _top_message(name, error))
    return found.errors


def knocked_out(form: Form, instance: Mapping[str, Any]) -> list[str]:
    """The ids of the questions whose (valid) answer fails their knockout rule."""
    answers = instance.get("answers") or {}
    return [
        question.id
        for question in form.questions
        if question.id in answers
        and rules.fails_knockout(question.kind, question.knockout, answers[question.id])
    ]
