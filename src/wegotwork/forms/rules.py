"""What makes a question list valid, and what a knockout rule rejects: pure functions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from wegotwork.models import QuestionKind

QUESTIONS_MAX = 40
LABEL_MAX = 300
HELP_MAX = 1000
OPTIONS_MAX = 50
OPTION_MAX = 200
SHORT_TEXT_MAX = 300
LONG_TEXT_MAX = 10_000
URL_MAX = 2048
NUMBER_LIMIT = Decimal("1e15")

CHOICE_KINDS = frozenset({QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE})
KNOCKOUT_KINDS = CHOICE_KINDS | {QuestionKind.YES_NO, QuestionKind.NUMBER}
YES_NO = ("yes", "no")
KNOCKOUT_REASON = "Did not meet requirements"

DUPLICATE_ID = "Each question appears once"
EMPTY_LABEL = "Write the question"
LONG_LABEL = f"A question has at most {LABEL_MAX} characters"
LONG_HELP = f"Help text has at most {HELP_MAX} characters"
NO_OPTIONS = "A choice question needs at least one option"
TOO_MANY_OPTIONS = f"A question has at most {OPTIONS_MAX} options"
BAD_OPTION = f"Each option is 1 to {OPTION_MAX} characters and appears once"
OPTIONS_UNUSED = "Only choice questions have options"
NO_KNOCKOUT = "Only choice, yes/no and number questions can have a knockout rule"
KNOCKOUT_NOT_OPTION = "A knockout answer must be one of the question's options"
KNOCKOUT_EMPTY = "Name the answers that disqualify"
KNOCKOUT_NUMBER = "A number knockout is a minimum and/or maximum"
RANGE_ORDER = "The minimum must not be above the maximum"
RANGE_UNUSED = "Only number questions have a minimum and maximum"
TOO_MANY_QUESTIONS = f"A form has at most {QUESTIONS_MAX} questions"


@dataclass(frozen=True, slots=True)
class QuestionSpec:
    """One question as a form (or the library) states it; ``id`` None for a new one."""

    label: str
    kind: QuestionKind
    required: bool = False
    help_text: str | None = None
    options: Sequence[str] = ()
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    knockout: Mapping[str, Any] | None = None
    id: str | None = None


@dataclass(slots=True)
class Problems:
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)


def clean_spec(spec: QuestionSpec) -> QuestionSpec:
    """The spec with its texts trimmed and the options of non-choice kinds dropped."""
    options = [" ".join(option.split()) for option in spec.options]
    help_text = (spec.help_text or "").strip() or None
    return QuestionSpec(
        label=" ".join(spec.label.split()),
        kind=spec.kind,
        required=spec.required,
        help_text=help_text,
        options=options,
        min_value=spec.min_value,
        max_value=spec.max_value,
        knockout=dict(spec.knockout) if spec.knockout else None,
        id=spec.id,
    )


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    if not number.is_finite() or abs(number) >= NUMBER_LIMIT:
        return None
    return number


def check_question(spec: QuestionSpec, prefix: str, problems: Problems) -> None:
    """Add the problems of one (cleaned) question under ``prefix`` (``questions[0]``)."""
    if not spec.label:
        problems.add(f"{prefix}.label", EMPTY_LABEL)
    elif len(spec.label) > LABEL_MAX:
        problems.add(f"{prefix}.label", LONG_LABEL)
    if spec.help_text and len(spec.help_text) > HELP_MAX:
        problems.add(f"{prefix}.helpText", LONG_HELP)
    if spec.kind in CHOICE_KINDS:
        if not spec.options:
            problems.add(f"{prefix}.options", NO_OPTIONS)
        elif len(spec.options) > OPTIONS_MAX:
            problems.add(f"{prefix}.options", TOO_MANY_OPTIONS)
        elif len(set(spec.options)) != len(spec.options) or any(
            not option or len(option) > OPTION_MAX for option in spec.options
        ):
            problems.add(f"{prefix}.options", BAD_OPTION)
    elif spec.options:
        problems.add(f"{prefix}.options", OPTIONS_UNUSED)
    if spec.kind is QuestionKind.NUMBER:
        if (
            spec.min_value is not None
            and spec.max_value is not None
            and spec.min_value > spec.max_value
        ):
            problems.add(f"{prefix}.min", RANGE_ORDER)
    elif spec.min_value is not None or spec.max_value is not None:
        problems.add(f"{prefix}.min", RANGE_UNUSED)
    if spec.knockout:
        _check_knockout(spec, f"{prefix}.knockout", problems)


def _check_knockout(spec: QuestionSpec, key: str, problems: Problems) -> None:
    knockout = spec.knockout or {}
    if spec.kind not in KNOCKOUT_KINDS:
        problems.add(key, NO_KNOCKOUT)
        return
    if spec.kind is QuestionKind.NUMBER:
        if set(knockout) - {"min", "max"} or not knockout:
            problems.add(key, KNOCKOUT_NUMBER)
            return
        low, high = _decimal(knockout.get("min")), _decimal(knockout.get("max"))
        if ("min" in knockout and low is None) or ("max" in knockout and high is None):
            problems.add(key, KNOCKOUT_NUMBER)
        elif low is not None and high is not None and low > high:
            problems.add(key, RANGE_ORDER)
        return
    reject = knockout.get("rejectIf")
    if set(knockout) != {"rejectIf"} or not isinstance(reject, list) or not reject:
        problems.add(key, KNOCKOUT_EMPTY)
        return
    allowed = YES_NO if spec.kind is QuestionKind.YES_NO else tuple(spec.options)
    for value in reject:
        yes_no = isinstance(value, str) and spec.kind is QuestionKind.YES_NO
        text = value.lower() if yes_no and isinstance(value, str) else value
        if text not in allowed:
            problems.add(key, KNOCKOUT_NOT_OPTION)
            return


def normalized_knockout(spec: QuestionSpec) -> dict[str, Any] | None:
    """The knockout as stored: yes/no values lower-cased, number bounds as strings."""
    if not spec.knockout:
        return None
    if spec.kind is QuestionKind.NUMBER:
        return {
            name: str(_decimal(spec.knockout[name]))
            for name in ("min", "max")
            if name in spec.knockout
        }
    values = list(spec.knockout.get("rejectIf", []))
    if spec.kind is QuestionKind.YES_NO:
        values = [str(value).lower() for value in values]
    return {"rejectIf": values}


def check_questions(specs: Sequence[QuestionSpec]) -> dict[str, list[str]]:
    """Every problem of a whole form's question list, keyed ``questions[i].field``."""
    problems = Problems()
    if len(specs) > QUESTIONS_MAX:
        problems.add("questions", TOO_MANY_QUESTIONS)
    seen: set[str] = set()
    for index, spec in enumerate(specs):
        if spec.id is not None:
            if spec.id in seen:
                problems.add(f"questions[{index}].id", DUPLICATE_ID)
            seen.add(spec.id)
        check_question(spec, f"questions[{index}]", problems)
    return problems.errors


def fails_knockout(kind: QuestionKind, knockout: Mapping[str, Any] | None, value: Any) -> bool:
    """Whether a valid answer ``value`` is disqualified by ``knockout``."""
    if not knockout or value is None:
        return False
    if kind is QuestionKind.NUMBER:
        number = _decimal(value)
        if number is None:
            return False
        low, high = _decimal(knockout.get("min")), _decimal(knockout.get("max"))
        return (low is not None and number < low) or (high is not None and number > high)
    reject = set(knockout.get("rejectIf", []))
    if isinstance(value, list):
        return any(item in reject for item in value)
    return value in reject
