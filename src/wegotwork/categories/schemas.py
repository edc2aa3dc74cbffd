"""Categories in and out: the same models serve the JSON API and the HTML forms."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from wegotwork.jobs.rules import clean_text
from wegotwork.schemas import CamelModel, InputModel, visible_text

NAME_MAX = 80


def clean_name(value: str) -> str:
    name = " ".join(clean_text(value).split())
    if not name:
        raise ValueError("Name is required")
    if len(name) > NAME_MAX:
        raise ValueError(f"Use at most {NAME_MAX} characters")
    return name


class CategoryCreate(InputModel):
    name: str = Field(json_schema_extra=visible_text(1, NAME_MAX))

    @field_validator("name")
    @classmethod
    def _clean_name(cls, value: str) -> str:
        return clean_name(value)


class CategoryUpdate(InputModel):
    name: str = Field(json_schema_extra=visible_text(1, NAME_MAX))

    @field_validator("name")
    @classmethod
    def _clean_name(cls, value: str) -> str:
        return clean_name(value)


class CategoryOrder(InputModel):
    """The full new order: every category id of the organization, first to last."""

    ids: list[str]


class CategoryMove(CamelModel):
    direction: Literal["up", "down"]


class CategoryOut(CamelModel):
    id: str
    name: str
    position: int
    job_count: int = 0


class CategoryEnvelope(CamelModel):
    error: bool = False
    category: CategoryOut


class CategoriesEnvelope(CamelModel):
    error: bool = False
    categories: list[CategoryOut]


class CategoryDeleted(CamelModel):
    error: bool = False
    message: str
    uncategorized_jobs: int
