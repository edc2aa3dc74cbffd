"""The JSON shapes of pipelines, stages, a job's pipeline and the activity timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from wegotwork.models import ApplicantStatus, PipelineStage, User
from wegotwork.pipelines import rules
from wegotwork.pipelines.queries import ActivityEntry, PipelineView, StageCount
from wegotwork.schemas import CamelModel, InputModel

Template = Literal["standard", "technical", "senior", "agency"]
MAX_ID = 64


class StageIn(InputModel):
    """A stage of a new list: an existing one by ``id``, a new one without."""

    id: str | None = Field(default=None, max_length=MAX_ID)
    name: str = Field(max_length=200)
    status: ApplicantStatus

    def spec(self) -> rules.StageSpec:
        return rules.StageSpec(self.name, self.status, self.id)


class PipelineCreate(InputModel):
    """``{name, stages?, template?}``: the stages given, else the template's (standard)."""

    name: str = Field(max_length=200)
    stages: list[StageIn] | None = Field(default=None, max_length=rules.MAX_STAGES * 2)
    template: Template | None = None


class PipelineUpdate(InputModel):
    """``{name?, isDefault?, stages?, moveTo?}``: ``stages`` is the full new list; ``moveTo``
    maps each removed stage that holds applicants to the kept stage they move to."""

    name: str | None = Field(default=None, max_length=200)
    is_default: bool | None = None
    stages: list[StageIn] | None = Field(default=None, max_length=rules.MAX_STAGES * 2)
    move_to: dict[str, str] | None = Field(default=None, max_length=rules.MAX_STAGES * 2)


class StageOut(CamelModel):
    id: str
    name: str
    position: int
    status: ApplicantStatus

    @classmethod
    def of(cls, stage: PipelineStage) -> StageOut:
        return cls(id=stage.id, name=stage.name, position=stage.position, status=stage.status)


class PipelineOut(CamelModel):
    id: str
    name: str
    is_default: bool
    job_count: int
    stages: list[StageOut]

    @classmethod
    def of(cls, view: PipelineView) -> PipelineOut:
        return cls(
            id=view.pipeline.id,
            name=view.pipeline.name,
            is_default=view.pipeline.is_default,
            job_count=view.job_count,
            stages=[StageOut.of(stage) for stage in view.stages],
        )


class PipelineEnvelope(BaseModel):
    error: bool = False
    pipeline: PipelineOut


class PipelinesEnvelope(BaseModel):
    error: bool = False
    pipelines: list[PipelineOut]


class StageCountOut(StageOut):
    count: int

    @classmethod
    def counted(cls, entry: StageCount) -> StageCountOut:
        return cls(**StageOut.of(entry.stage).model_dump(), count=entry.count)


class JobPipelineOut(CamelModel):
    job_id: str
    pipeline_id: str
    name: str
    stages: list[StageCountOut]


class JobPipelineEnvelope(BaseModel):
    error: bool = False
    pipeline: JobPipelineOut


class ActorOut(CamelModel):
    id: str
    name: str

    @classmethod
    def of(cls, user: User | None) -> ActorOut | None:
        return cls(id=user.id, name=user.name) if user else None


class ActivityOut(CamelModel):
    id: str
    kind: str
    actor: ActorOut | None
    created_at: datetime
    data: dict[str, Any]

    @classmethod
    def of(cls, entry: ActivityEntry) -> ActivityOut:
        item = entry.activity
        return cls(
            id=item.id,
            kind=item.kind.value,
            actor=ActorOut.of(entry.actor),
            created_at=item.created_at,
            data=item.data or {},
        )


class ActivityEnvelope(BaseModel):
    error: bool = False
    activity: list[ActivityOut]
    nextCursor: str | None = None
