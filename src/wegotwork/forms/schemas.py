"""The JSON shapes of questions, the library, answers and the privacy notice setting."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from wegotwork.forms import rules
from wegotwork.forms.queries import AnswerView
from wegotwork.forms.rules import QuestionSpec
from wegotwork.models import LibraryQuestion, Question, QuestionKind
from wegotwork.schemas import CamelModel, InputModel, visible_text

MAX_ID = 64
Bound = Annotated[Decimal, Field(ge=-(10**14), le=10**14)]


class KnockoutIn(InputModel):
    """What disqualifies: ``rejectIf`` (choice and yes/no questions: the answers that
    disqualify) or ``min`` / ``max`` (number questions: an answer below or above)."""

    reject_if: Annotated[list[str], Field(max_length=50)] | SkipJsonSchema[None] = None
    min: Bound | SkipJsonSchema[None] = None
    max: Bound | SkipJsonSchema[None] = None

    def as_rule(self) -> dict[str, Any]:
        rule: dict[str, Any] = {}
        if self.reject_if is not None:
            rule["rejectIf"] = list(self.reject_if)
        if self.min is not None:
            rule["min"] = str(self.min)
        if self.max is not None:
            rule["max"] = str(self.max)
        return rule


class QuestionIn(InputModel):
    """One question: a new one without ``id``, an existing one with its id."""

    id: Annotated[str, Field(min_length=1, max_length=MAX_ID)] | SkipJsonSchema[None] = None
    label: str = Field(json_schema_extra=visible_text(1, rules.LABEL_MAX))
    kind: QuestionKind
    required: bool = False
    help_text: Annotated[str, Field(max_length=rules.HELP_MAX)] | None = None
    options: Annotated[list[str], Field(max_length=rules.OPTIONS_MAX)] | SkipJsonSchema[None] = None
    min: Bound | None = None
    max: Bound | None = None
    knockout: KnockoutIn | None = None

    def spec(self) -> QuestionSpec:
        return QuestionSpec(
            id=self.id,
            label=self.label,
            kind=self.kind,
            required=self.required,
            help_text=self.help_text,
            options=list(self.options or []),
            min_value=self.min,
            max_value=self.max,
            knockout=self.knockout.as_rule() if self.knockout else None,
        )


class QuestionsIn(InputModel):
    """``{questions: [...]}``: the job's whole form, in order."""

    questions: list[QuestionIn] = Field(max_length=rules.QUESTIONS_MAX)


class QuestionOut(CamelModel):
    id: str
    label: str
    kind: QuestionKind
    required: bool
    help_text: str | None
    options: list[str]
    min: float | None
    max: float | None
    knockout: dict[str, Any] | None
    position: int | None = None
    retired: bool = False

    @classmethod
    def of(cls, question: Question | LibraryQuestion) -> QuestionOut:
        return cls(
            id=question.id,
            label=question.label,
            kind=question.kind,
            required=question.required,
            help_text=question.help_text,
            options=list(question.options or []),
            min=float(question.min_value) if question.min_value is not None else None,
            max=float(question.max_value) if question.max_value is not None else None,
            knockout=question.knockout,
            position=getattr(question, "position", None),
            retired=bool(getattr(question, "retired", False)),
        )


class QuestionsEnvelope(BaseModel):
    error: bool = False
    questions: list[QuestionOut]


class QuestionEnvelope(BaseModel):
    error: bool = False
    question: QuestionOut


class AnswerOut(CamelModel):
    question_id: str
    label: str
    kind: QuestionKind
    value: Any = Field(description="Text, a list of options, yes/no, a number, or a file's name")
    knocked_out: bool

    @classmethod
    def of(cls, view: AnswerView) -> AnswerOut:
        return cls(
            question_id=view.question_id,
            label=view.label,
            kind=view.kind,
            value=view.value,
            knocked_out=view.knocked_out,
        )


class ConsentOut(CamelModel):
    notice_url: str
    notice_version: int | None
    consented_at: datetime


class AnswersEnvelope(BaseModel):
    error: bool = False
    answers: list[AnswerOut]


class PrivacyNoticeIn(InputModel):
    """``{privacyNoticeUrl}``: an http(s) address, or null/"" for none."""

    privacy_notice_url: Annotated[str, Field(max_length=2048)] | None = None


class PrivacyNoticeOut(CamelModel):
    privacy_notice_url: str | None
    privacy_notice_version: int | None


class PrivacyNoticeEnvelope(BaseModel):
    error: bool = False
    privacy_notice: PrivacyNoticeOut = Field(alias="privacyNotice")

    model_config = {"populate_by_name": True}
