"""Pure rules of pipelines: the templates, what makes a list of stages valid, and the stage an
applicant lands in. No I/O, so each is tested on its own."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from wegotwork.errors import Invalid
from wegotwork.models import ApplicantStatus

MAX_STAGES = 20
MAX_STAGE_NAME = 60
MAX_PIPELINE_NAME = 80
END_STATUSES = frozenset({ApplicantStatus.HIRED, ApplicantStatus.REJECTED})

# The statuses as the team reads them.
STATUS_LABELS: dict[ApplicantStatus, str] = {
    ApplicantStatus.SUBMITTED: "Submitted",
    ApplicantStatus.UNDERREVIEW: "Under review",
    ApplicantStatus.INTERVIEW: "Interview",
    ApplicantStatus.OFFER: "Offer",
    ApplicantStatus.REJECTED: "Rejected",
    ApplicantStatus.HIRED: "Hired",
}


@dataclass(frozen=True, slots=True)
class StageSpec:
    """A stage as asked for: an existing one keeps its ``id``, a new one has none."""

    name: str
    status: ApplicantStatus
    id: str | None = None


_S = ApplicantStatus
_ENDS = (StageSpec("Hired", _S.HIRED), StageSpec("Rejected", _S.REJECTED))

DEFAULT_NAME = "Default"
DEFAULT_STAGES: tuple[StageSpec, ...] = (
    StageSpec("Submitted", _S.SUBMITTED),
    StageSpec("Under review", _S.UNDERREVIEW),
    StageSpec("Interview", _S.INTERVIEW),
    StageSpec("Offer", _S.OFFER),
    *_ENDS,
)


def _template(*stages: tuple[str, ApplicantStatus]) -> tuple[StageSpec, ...]:
    return (*(StageSpec(name, status) for name, status in stages), *_ENDS)


TEMPLATES: dict[str, tuple[StageSpec, ...]] = {
    "standard": _template(
        ("Applied", _S.SUBMITTED),
        ("Screen", _S.UNDERREVIEW),
        ("Interview", _S.INTERVIEW),
        ("Offer", _S.OFFER),
    ),
    "technical": _template(
        ("Applied", _S.SUBMITTED),
        ("Screen", _S.UNDERREVIEW),
        ("Take-home", _S.UNDERREVIEW),
        ("Interview", _S.INTERVIEW),
        ("Offer", _S.OFFER),
    ),
    "senior": _template(
        ("Applied", _S.SUBMITTED),
        ("Screen", _S.UNDERREVIEW),
        ("Interview", _S.INTERVIEW),
        ("Final interview", _S.INTERVIEW),
        ("Offer", _S.OFFER),
    ),
    "agency": _template(
        ("Received", _S.SUBMITTED),
        ("Review", _S.UNDERREVIEW),
        ("Shortlist", _S.UNDERREVIEW),
        ("Client submit", _S.INTERVIEW),
        ("Placement", _S.OFFER),
    ),
}
TEMPLATE_LABELS = {
    "standard": "Standard: Applied, Screen, Interview, Offer",
    "technical": "Technical: Applied, Screen, Take-home, Interview, Offer",
    "senior": "Senior: Applied, Screen, Interview, Final interview, Offer",
    "agency": "Agency: Received, Review, Shortlist, Client submit, Placement",
}


def clean_name(value: str) -> str:
    """A name on one line, without surrounding or repeated spaces."""
    return " ".join(value.replace("\x00", "").split())


def stage_problems(stages: Sequence[StageSpec]) -> dict[str, list[str]]:
    """Why a list of stages cannot be a pipeline, keyed by field (``stages`` for the list,
    ``stages[i].name`` for one stage); empty when it can."""
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    if len(stages) > MAX_STAGES:
        add("stages", f"A pipeline has at most {MAX_STAGES} stages")
    seen: dict[str, int] = {}
    for index, stage in enumerate(stages):
        name = clean_name(stage.name)
        if not name:
            add(f"stages[{index}].name", "Give the stage a name")
        elif len(name) > MAX_STAGE_NAME:
            add(f"stages[{index}].name", f"A stage name has at most {MAX_STAGE_NAME} characters")
        elif name.casefold() in seen:
            add(f"stages[{index}].name", f"Another stage is already called “{name}”")
        else:
            seen[name.casefold()] = index
    ids = [stage.id for stage in stages if stage.id]
    if len(ids) != len(set(ids)):
        add("stages", "Each existing stage may appear only once")
    statuses = [stage.status for stage in stages]
    if statuses.count(_S.SUBMITTED) != 1:
        add("stages", "A pipeline needs exactly one stage with the status SUBMITTED")
    elif statuses[0] is not _S.SUBMITTED:
        add("stages", "The SUBMITTED stage comes first")
    if _S.HIRED not in statuses or _S.REJECTED not in statuses:
        add("stages", "A pipeline needs a HIRED and a REJECTED stage at the end")
    else:
        first_end = min(index for index, status in enumerate(statuses) if status in END_STATUSES)
        if any(status not in END_STATUSES for status in statuses[first_end:]):
            add("stages", "The HIRED and REJECTED stages come last")
    return problems


def first_of_status(
    stages: Sequence[tuple[str, ApplicantStatus]], status: ApplicantStatus
) -> str | None:
    """The id of the first (by position) of ``stages`` (``(id, status)`` in order) with
    ``status``, or None."""
    return next((stage_id for stage_id, own in stages if own is status), None)


def landing_stage(stages: Sequence[tuple[str, ApplicantStatus]], status: ApplicantStatus) -> str:
    """Where an applicant with ``status`` lands in a pipeline: the first stage of that status,
    else the pipeline's first stage."""
    return first_of_status(stages, status) or stages[0][0]


# ---------------------------------------------------------------------------------------------
# Editing a list of stages one step at a time (the settings page's buttons).


def with_stage_added(stages: Sequence[StageSpec], new: StageSpec) -> list[StageSpec]:
    """``stages`` with ``new`` placed last among the working stages (before the end states),
    or last of all when it is an end state itself."""
    if new.status in END_STATUSES:
        return [*stages, new]
    ends = next(
        (index for index, stage in enumerate(stages) if stage.status in END_STATUSES),
        len(stages),
    )
    return [*stages[:ends], new, *stages[ends:]]


def with_stage_moved(stages: Sequence[StageSpec], stage_id: str, offset: int) -> list[StageSpec]:
    """``stages`` with the one of ``stage_id`` swapped with its neighbour ``offset`` (-1 or 1)
    away; unchanged at either end or for an unknown id."""
    ordered = list(stages)
    index = next((i for i, stage in enumerate(ordered) if stage.id == stage_id), None)
    if index is None or not 0 <= index + offset < len(ordered):
        return ordered
    ordered[index], ordered[index + offset] = ordered[index + offset], ordered[index]
    return ordered


def with_stage_order(stages: Sequence[StageSpec], ids: Sequence[str]) -> list[StageSpec]:
    """``stages`` in the order of ``ids``, which must name each of them once (a dragged list).
    Raises Invalid (``ids``) otherwise."""
    by_id = {stage.id: stage for stage in stages if stage.id is not None}
    if sorted(ids) != sorted(by_id) or len(by_id) != len(stages):
        raise Invalid.field("ids", "The stages changed meanwhile: reload the page and try again")
    return [by_id[stage_id] for stage_id in ids]


def without_stage(stages: Sequence[StageSpec], stage_id: str) -> list[StageSpec]:
    return [stage for stage in stages if stage.id != stage_id]
